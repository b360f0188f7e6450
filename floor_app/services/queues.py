"""The shift lead's queues as plain rows: what the TUI, ``floor queue`` and the browser show.

Every list is aggregated and paged in SQL so a hub with a million units and 200,000 open
lines answers in well under 200 ms (see ``bench/queues.py``):

- *inspect next* walks this hub's open lines in the matching policy's order (expedite,
  earliest promise with no promise last, oldest order, lowest id) on the covering index
  ``ix_backorder_rank`` and joins the pile (``ix_unit_status_sku``), stopping after one
  page: each unit comes with the line it would fill first. Units whose SKU no open line
  wants follow, HOT-at-receipt first, then oldest first.
- the other lists filter on an indexed status and sort at most the rows of that status.

Rows carry raw outside text (customer and product names); screens escape it.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from floor_app.config import Settings
from floor_app.domain.kpis import csv_safe, value_at_risk_cents
from floor_app.services.allocations import audit
from floor_app.services.errors import NotAllowed, NotFound, ServiceError
from floor_app.store.engine import Database
from floor_app.store.models import HubException, Operator

DEFAULT_LIMIT = 200
#: How long a value-at-risk ranking is reused. Ranking reads every open line (the risk
#: grows with each line's age, so no index can keep the order); risk moves 2% a day, so a
#: ranking a minute old is still right. Refreshes in between re-read only the ranked
#: lines, so a line filled or cancelled leaves the list at once.
RANK_TTL = timedelta(seconds=60)
#: Lines of one kind "inspect next" walks before it ranks from the pile's side instead.
WALK_CAP = 5_000
#: A label still pending after this long is on the exception queue as "label not printed".
LABEL_STUCK_AFTER = timedelta(minutes=10)

EXCEPTION_TITLES = {
    "unknown_item": "Unknown item",
    "wrong_item": "Wrong item",
    "label_not_printed": "Label not printed",
    "hq_rejected": "HQ rejected allocation",
}
EXCEPTION_ACTIONS = {
    "unknown_item": "Find the SKU (add its GTIN to the catalogue), then inspect the unit again",
    "wrong_item": "Check the unit against its RMA; inspect it again or send it to DC",
    "label_not_printed": "Check the printer (power, labels, cable), then reprint the label",
    "hq_rejected": "Pull the printed label off the unit, then inspect the unit again",
}


def _aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _hours(later: datetime, earlier: datetime | None) -> float:
    if earlier is None:
        return 0.0
    return (later - earlier).total_seconds() / 3600.0


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt is not None else None


def _risk(row: BackorderRow, now: datetime, risk: float) -> float:
    """The exact (unrounded) value at risk, as the SQL ranks it."""
    days = (now - row.ordered_at).total_seconds() / 86400.0
    return row.value_cents * min(1.0, max(0.0, risk * days))


class _Row:
    def to_json(self) -> dict[str, Any]:
        return {k: _iso(v) if isinstance(v, datetime) else v for k, v in asdict(self).items()}  # type: ignore[call-overload]


@dataclass(frozen=True)
class InspectNextRow(_Row):
    rank: int
    unit_id: str
    sku: str | None
    name: str
    rma: str | None
    hot: bool  # an open line at this hub wants this SKU now
    received_at: datetime
    waiting_hours: float
    backorder_id: str | None  # the line the matching policy would fill first
    order_id: str | None
    priority: str | None
    promised_at: datetime | None


@dataclass(frozen=True)
class ExpectedRow(_Row):
    rma: str
    order_id: str
    sku: str
    name: str
    qty: int
    qty_received: int
    customer_name: str
    expected_at: datetime | None
    days_late: float  # 0 when not yet due


@dataclass(frozen=True)
class AwaitingRow(_Row):
    allocation_id: str
    unit_id: str
    label_id: str | None
    label_status: str | None
    backorder_id: str
    order_id: str
    sku: str
    name: str
    operator: str
    created_at: datetime
    age_minutes: float
    hq_status: str


@dataclass(frozen=True)
class ExceptionRow(_Row):
    key: str  # "X-<id>" for a stored exception, the label id for a label not printed
    exception_id: int | None
    kind: str
    title: str
    unit_id: str | None
    label_id: str | None
    detail: str
    action: str
    created_at: datetime
    age_hours: float


@dataclass(frozen=True)
class BackorderRow(_Row):
    backorder_id: str
    order_id: str
    sku: str
    name: str
    priority: str
    qty: int
    qty_left: int
    ordered_at: datetime
    promised_at: datetime | None
    days_waiting: float
    days_to_promise: float | None  # negative: past the promise
    value_cents: int  # unit value times quantity still owed
    value_at_risk_cents: int
    pile_units: int  # units received, not inspected, of this SKU
    ship_to_city: str


@dataclass(frozen=True)
class QueueCounts(_Row):
    pile: int  # received, not inspected
    hot: int  # of those, wanted by an open line now
    expected_lines: int  # expected return lines not fully received
    expected_units: int
    awaiting_confirm: int
    exceptions: int
    backorders_open: int  # open lines at this hub with quantity left


@dataclass(frozen=True)
class BackorderSummary(_Row):
    open_lines: int
    units_owed: int
    overdue: int  # past their promise
    value_cents: int
    value_at_risk_cents: int


class QueueService:
    """Read the lead's queues; resolve exceptions. Sessions are short and per call."""

    def __init__(self, settings: Settings, db: Database, clock: Callable[[], datetime]) -> None:
        self.settings, self.db, self.clock = settings, db, clock
        self.hub_id = settings.hub.id
        self.risk = settings.matching.cancellation_risk_per_day
        # (when, limit, offset, backorder ids): the value-at-risk ranking of the last read
        self._rank: tuple[datetime, int, int, list[str]] | None = None

    @classmethod
    def of(cls, services: Any) -> QueueService:
        return cls(services.settings, services.db, services.clock)

    # -- helpers --------------------------------------------------------------------------
    def _now_param(self, now: datetime) -> Any:
        # Times are stored as naive UTC (store.types.UTCDateTime); raw SQL binds the same.
        naive = now.astimezone(UTC).replace(tzinfo=None)
        return naive.strftime("%Y-%m-%d %H:%M:%S.%f") if self.db.is_sqlite else naive

    def _risk_sql(self) -> str:
        """SQL for a line's value at risk (cents) at ``:now`` on this backend.

        Reads only columns of ``ix_backorder_rank``, so sums and sorts over every open
        line scan that narrow index instead of the wide table.
        """
        owed = "unit_value_cents * (qty - qty_filled)"
        if self.db.is_sqlite:
            # :nowjd is the Julian day of now, computed once in Python.
            return f"{owed} * MIN(1.0, MAX(0.0, :risk * (:nowjd - julianday(ordered_at))))"
        days = "EXTRACT(EPOCH FROM (CAST(:now AS TIMESTAMP) - ordered_at)) / 86400.0"
        return f"{owed} * LEAST(1.0, GREATEST(0.0, :risk * {days}))"

    def _risk_params(self, now: datetime) -> dict[str, Any]:
        return {
            "hub": self.hub_id,
            "risk": self.risk,
            "now": self._now_param(now),
            "nowjd": now.timestamp() / 86400.0 + 2440587.5,
        }

    def _t(self, value: Any) -> datetime | None:
        """A datetime from raw SQL (SQLite gives text)."""
        if value is None:
            return None
        if isinstance(value, datetime):
            return _aware(value)
        return _aware(datetime.fromisoformat(str(value)))

    def _names(self, s: Session, skus: Iterable[str | None]) -> dict[str, str]:
        wanted = sorted({k for k in skus if k})
        out: dict[str, str] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ", ".join(f":s{j}" for j in range(len(chunk)))
            rows = s.connection().execute(
                text(f"SELECT sku, name FROM catalog_item WHERE sku IN ({marks})"),
                {f"s{j}": v for j, v in enumerate(chunk)},
            )
            out.update({r[0]: r[1] for r in rows})
        return out

    def _page(
        self, sql: str, limit: int, offset: int, sku_at: int
    ) -> tuple[list[Any], dict[str, str]]:
        """One page of a queue query (``LIMIT :n OFFSET :o``) and the names of its SKUs."""
        with self.db.read() as s:
            rows = s.connection().execute(text(sql), {"n": limit, "o": offset}).all()
            return list(rows), self._names(s, (r[sku_at] for r in rows))

    def _order_ids(self, s: Session, ids: Iterable[str]) -> dict[str, str]:
        wanted = sorted(set(ids))
        out: dict[str, str] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ", ".join(f":b{j}" for j in range(len(chunk)))
            rows = s.connection().execute(
                text(
                    "SELECT backorder_id, order_id FROM backorder_line"
                    f" WHERE backorder_id IN ({marks})"
                ),
                {f"b{j}": v for j, v in enumerate(chunk)},
            )
            out.update({r[0]: r[1] for r in rows})
        return out

    def _pile_counts(self, s: Session, skus: Iterable[str]) -> dict[str, int]:
        """Units received, not inspected, per SKU (one grouped query per 500 SKUs)."""
        wanted = sorted(set(skus))
        out = dict.fromkeys(wanted, 0)
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ", ".join(f":s{j}" for j in range(len(chunk)))
            rows = s.connection().execute(
                text(
                    "SELECT sku, count(*) FROM unit WHERE status = 'received'"
                    f" AND sku IN ({marks}) GROUP BY sku"
                ),
                {f"s{j}": v for j, v in enumerate(chunk)},
            )
            out.update({r[0]: int(r[1]) for r in rows})
        return out

    # -- counts ---------------------------------------------------------------------------
    def counts(self) -> QueueCounts:
        now = self.clock()
        p = {"hub": self.hub_id}
        stuck = self._now_param(now - LABEL_STUCK_AFTER)
        with self.db.read() as s:
            c = s.connection()
            pile = c.execute(text("SELECT count(*) FROM unit WHERE status = 'received'")).scalar()
            # HOT as flagged at receipt (PRODUCT.md); the rows show who is wanted now.
            hot = c.execute(
                text("SELECT count(*) FROM unit WHERE status = 'received' AND hot = :t"),
                {"t": True},
            ).scalar()
            exp = c.execute(
                text(
                    "SELECT count(*), coalesce(sum(qty - qty_received), 0) FROM expected_return"
                    " WHERE qty_received < qty"
                )
            ).one()
            awaiting = c.execute(
                text("SELECT count(*) FROM allocation WHERE status = 'reserved'")
            ).scalar()
            exc = c.execute(
                text("SELECT count(*) FROM hub_exception WHERE resolved_at IS NULL")
            ).scalar()
            stuck_n = c.execute(text(self._stuck_labels_sql(count=True)), {"stuck": stuck}).scalar()
            bo = c.execute(
                text(
                    "SELECT count(*) FROM backorder_line"
                    " WHERE hub_id = :hub AND status = 'open' AND qty_filled < qty"
                ),
                p,
            ).scalar()
        return QueueCounts(
            pile=int(pile or 0),
            hot=int(hot or 0),
            expected_lines=int(exp[0]),
            expected_units=int(exp[1]),
            awaiting_confirm=int(awaiting or 0),
            exceptions=int(exc or 0) + int(stuck_n or 0),
            backorders_open=int(bo or 0),
        )

    def backorder_summary(self) -> BackorderSummary:
        """Totals over every open line of this hub with quantity left."""
        now = self.clock()
        with self.db.read() as s:
            r = (
                s.connection()
                .execute(
                    text(
                        "SELECT count(*), coalesce(sum(qty - qty_filled), 0),"
                        " coalesce(sum(CASE WHEN promised_at < :now THEN 1 ELSE 0 END), 0),"
                        " coalesce(sum(unit_value_cents * (qty - qty_filled)), 0),"
                        f" coalesce(sum({self._risk_sql()}), 0)"
                        " FROM backorder_line WHERE hub_id = :hub AND status = 'open'"
                        " AND qty_filled < qty"
                    ),
                    self._risk_params(now),
                )
                .one()
            )
        return BackorderSummary(int(r[0]), int(r[1]), int(r[2]), int(r[3]), round(float(r[4])))

    # -- inspect next ---------------------------------------------------------------------
    _WALK_SQL = (
        "SELECT b.backorder_id, b.sku, b.priority, b.promised_at,"
        " u.unit_id, u.rma, u.received_at"
        " FROM backorder_line b CROSS JOIN unit u"
        " WHERE b.hub_id = :hub AND b.status = 'open' AND b.priority = :priority"
        " AND b.promised_at IS {null} AND b.qty_filled < b.qty {bound}"
        " AND u.status = 'received' AND u.sku = b.sku"
        " ORDER BY b.promised_at, b.ordered_at, b.backorder_id, u.received_at, u.unit_id"
    )
    # The WALK_CAP-th line of a segment: the walk stops there (keyset bound, index only).
    _BOUND_SQL = (
        "SELECT promised_at, ordered_at, backorder_id FROM backorder_line"
        " WHERE hub_id = :hub AND status = 'open' AND priority = :priority"
        " AND promised_at IS {null} AND qty_filled < qty"
        " ORDER BY promised_at, ordered_at, backorder_id LIMIT 1 OFFSET :skip"
    )
    _BOUNDS = {
        "NOT NULL": "AND (b.promised_at, b.ordered_at, b.backorder_id) <= (:bp, :bo, :bid)",
        "NULL": "AND (b.ordered_at, b.backorder_id) <= (:bo, :bid)",
    }

    def inspect_next(self, limit: int = DEFAULT_LIMIT, offset: int = 0) -> list[InspectNextRow]:
        """The pile in the order to inspect it: units an open line wants, best line first.

        Two plans give the same order. The walk follows this hub's lines best-first and
        joins the pile, stopping after one page: quick when the pile has what the first
        lines want. When WALK_CAP lines of one kind go by without filling the page (a
        small pile, or one few lines want), the pile plan ranks the pile's SKUs by their
        best line instead: its cost follows the pile's SKUs, not the 200,000 lines.
        """
        now = self.clock()
        need = max(0, offset) + max(0, limit)
        picked: list[tuple[Any, ...]] = []  # (unit_id, sku, rma, received_at, line...)
        first_line: dict[str, str] = {}
        with self.db.read() as s:
            c = s.connection()
            capped = False
            # CROSS JOIN keeps the lines as the outer loop (SQLite plans joins in that
            # order), so the walk streams in policy order.
            for priority in ("expedite", "normal"):
                for null in ("NOT NULL", "NULL"):
                    if len(picked) >= need or capped:
                        break
                    p: dict[str, Any] = {"hub": self.hub_id, "priority": priority}
                    edge = c.execute(
                        text(self._BOUND_SQL.format(null=null)), p | {"skip": WALK_CAP - 1}
                    ).first()
                    bound = ""
                    if edge is not None:
                        bound = self._BOUNDS[null]
                        p |= {"bp": edge[0], "bo": edge[1], "bid": edge[2]}
                    result = c.execute(text(self._WALK_SQL.format(null=null, bound=bound)), p)
                    for r in result:
                        bid, sku, prio, promised, unit_id, rma, received = r
                        if first_line.setdefault(sku, bid) != bid:
                            continue  # a later line of a SKU already placed
                        picked.append(
                            (unit_id, sku, rma, received, True, bid, None, prio, promised)
                        )
                        if len(picked) >= need:
                            break
                    result.close()
                    capped = edge is not None and len(picked) < need
            if capped:
                picked = self._inspect_by_pile(c, need)
            if len(picked) < need:
                tail_offset = max(0, offset - len(picked))
                rows = c.execute(
                    text(
                        "SELECT u.unit_id, u.sku, u.rma, u.received_at FROM unit u"
                        " WHERE u.status = 'received' AND NOT EXISTS ("
                        "  SELECT 1 FROM backorder_line b WHERE b.sku = u.sku"
                        "  AND b.status = 'open' AND b.hub_id = :hub AND b.qty_filled < b.qty)"
                        " ORDER BY u.hot DESC, u.received_at, u.unit_id LIMIT :n OFFSET :o"
                    ),
                    {"hub": self.hub_id, "n": need - len(picked), "o": tail_offset},
                ).all()
                hot_part = len(picked)
                picked.extend((r[0], r[1], r[2], r[3], False, None, None, None, None) for r in rows)
                start = min(offset, hot_part)
            else:
                start = offset
            page = picked[start : start + limit]
            names = self._names(s, (p[1] for p in page))
            orders = self._order_ids(s, {p[5] for p in page if p[5]})
        out = []
        for i, (unit_id, sku, rma, received, hot, bid, _order, prio, promised) in enumerate(page):
            received_at = self._t(received) or now
            out.append(
                InspectNextRow(
                    rank=offset + i + 1,
                    unit_id=unit_id,
                    sku=sku,
                    name=names.get(sku or "", ""),
                    rma=rma,
                    hot=hot,
                    received_at=received_at,
                    waiting_hours=round(_hours(now, received_at), 2),
                    backorder_id=bid,
                    order_id=orders.get(bid) if bid else None,
                    priority=prio,
                    promised_at=self._t(promised),
                )
            )
        return out

    def _inspect_by_pile(self, c: Any, need: int) -> list[tuple[Any, ...]]:
        """The wanted part of the pile, in order, ranked from the pile's side."""
        groups = c.execute(
            text(
                "SELECT p.sku, p.n, b.backorder_id, b.order_id, b.priority, b.promised_at,"
                " b.ordered_at FROM"
                " (SELECT sku, count(*) AS n FROM unit WHERE status = 'received'"
                "  AND sku IS NOT NULL GROUP BY sku) p"
                " JOIN backorder_line b ON b.backorder_id = ("
                "  SELECT b2.backorder_id FROM backorder_line b2 WHERE b2.sku = p.sku"
                "  AND b2.hub_id = :hub AND b2.status = 'open' AND b2.qty_filled < b2.qty"
                "  ORDER BY CASE WHEN b2.priority = 'expedite' THEN 0 ELSE 1 END,"
                "  CASE WHEN b2.promised_at IS NULL THEN 1 ELSE 0 END, b2.promised_at,"
                "  b2.ordered_at, b2.backorder_id LIMIT 1)"
            ),
            {"hub": self.hub_id},
        ).all()

        def key(g: Any) -> tuple[Any, ...]:
            promised = self._t(g[5])
            return (
                0 if g[4] == "expedite" else 1,
                promised is None,
                promised or now0,
                self._t(g[6]) or now0,
                g[2],
            )

        now0 = self.clock()
        groups.sort(key=key)
        chosen, total = [], 0
        for g in groups:
            if total >= need:
                break
            chosen.append(g)
            total += int(g[1])
        units: dict[str, list[Any]] = {}
        skus = [g[0] for g in chosen]
        for i in range(0, len(skus), 500):
            chunk = skus[i : i + 500]
            marks = ", ".join(f":s{j}" for j in range(len(chunk)))
            for r in c.execute(
                text(
                    "SELECT unit_id, sku, rma, received_at FROM unit WHERE status = 'received'"
                    f" AND sku IN ({marks}) ORDER BY received_at, unit_id"
                ),
                {f"s{j}": v for j, v in enumerate(chunk)},
            ):
                units.setdefault(r[1], []).append(r)
        picked: list[tuple[Any, ...]] = []
        for g in chosen:
            for u in units.get(g[0], []):
                picked.append((u[0], u[1], u[2], u[3], True, g[2], g[3], g[4], g[5]))
        return picked[:need]

    # -- expected returns -----------------------------------------------------------------
    def expected(self, limit: int = DEFAULT_LIMIT, offset: int = 0) -> list[ExpectedRow]:
        """RMA lines not fully received, the longest overdue first (undated last)."""
        now = self.clock()
        rows, names = self._page(
            "SELECT rma, order_id, sku, qty, qty_received, customer_name, expected_at"
            " FROM expected_return WHERE qty_received < qty"
            " ORDER BY CASE WHEN expected_at IS NULL THEN 1 ELSE 0 END,"
            " expected_at, id LIMIT :n OFFSET :o",
            limit,
            offset,
            sku_at=2,
        )
        out = []
        for r in rows:
            at = self._t(r[6])
            late = max(0.0, _hours(now, at) / 24.0) if at else 0.0
            out.append(
                ExpectedRow(
                    r[0],
                    r[1],
                    r[2],
                    names.get(r[2], ""),
                    int(r[3]),
                    int(r[4]),
                    r[5],
                    at,
                    round(late, 2),
                )
            )
        return out

    # -- waiting for the confirm scan -----------------------------------------------------
    def awaiting_confirm(self, limit: int = DEFAULT_LIMIT, offset: int = 0) -> list[AwaitingRow]:
        """Allocations whose label has not been scanned yet, oldest first."""
        now = self.clock()
        rows, names = self._page(
            "SELECT a.allocation_id, a.unit_id, a.label_id, l.status, a.backorder_id,"
            " b.order_id, b.sku, a.operator, a.created_at, a.hq_status"
            " FROM allocation a"
            " JOIN backorder_line b ON b.backorder_id = a.backorder_id"
            " LEFT JOIN label l ON l.label_id = a.label_id"
            " WHERE a.status = 'reserved'"
            " ORDER BY a.created_at, a.allocation_id LIMIT :n OFFSET :o",
            limit,
            offset,
            sku_at=6,
        )
        out = []
        for r in rows:
            created = self._t(r[8]) or now
            out.append(
                AwaitingRow(
                    r[0],
                    r[1],
                    r[2],
                    r[3],
                    r[4],
                    r[5],
                    r[6],
                    names.get(r[6], ""),
                    r[7],
                    created,
                    round(_hours(now, created) * 60, 1),
                    r[9],
                )
            )
        return out

    # -- exceptions -----------------------------------------------------------------------
    @staticmethod
    def _stuck_labels_sql(*, count: bool) -> str:
        what = "count(*)" if count else "l.label_id, l.unit_id, l.kind, l.last_error, l.created_at"
        # A label with any exception row of its own (open or resolved) is not derived again.
        return (
            f"SELECT {what} FROM label l WHERE l.status = 'pending' AND l.created_at < :stuck"
            " AND NOT EXISTS (SELECT 1 FROM hub_exception e WHERE e.label_id = l.label_id"
            " AND e.kind = 'label_not_printed')"
        )

    def exceptions(self, limit: int = DEFAULT_LIMIT, offset: int = 0) -> list[ExceptionRow]:
        """Open exceptions and labels pending too long, oldest first."""
        now = self.clock()
        stuck = self._now_param(now - LABEL_STUCK_AFTER)
        with self.db.read() as s:
            c = s.connection()
            stored = c.execute(
                text(
                    "SELECT id, kind, unit_id, label_id, detail, action, created_at"
                    " FROM hub_exception WHERE resolved_at IS NULL"
                    " ORDER BY created_at, id LIMIT :n"
                ),
                {"n": offset + limit},
            ).all()
            labels = c.execute(
                text(self._stuck_labels_sql(count=False) + " ORDER BY l.created_at LIMIT :n"),
                {"stuck": stuck, "n": offset + limit},
            ).all()
        rows: list[ExceptionRow] = []
        for r in stored:
            kind = str(r[1])
            created = self._t(r[6]) or now
            rows.append(
                ExceptionRow(
                    f"X-{r[0]}",
                    int(r[0]),
                    kind,
                    EXCEPTION_TITLES.get(kind, kind),
                    r[2],
                    r[3],
                    r[4] or "",
                    r[5] or EXCEPTION_ACTIONS.get(kind, "Look into it"),
                    created,
                    round(_hours(now, created), 2),
                )
            )
        for r in labels:
            created = self._t(r[4]) or now
            detail = f"{r[2]} label pending for {_hours(now, created) * 60:.0f} min"
            if r[3]:
                detail += f": {r[3]}"
            rows.append(
                ExceptionRow(
                    r[0],
                    None,
                    "label_not_printed",
                    EXCEPTION_TITLES["label_not_printed"],
                    r[1],
                    r[0],
                    detail,
                    EXCEPTION_ACTIONS["label_not_printed"],
                    created,
                    round(_hours(now, created), 2),
                )
            )
        rows.sort(key=lambda e: (e.created_at, e.key))
        return rows[offset : offset + limit]

    # -- backorders at this hub -----------------------------------------------------------
    def backorders(self, limit: int = DEFAULT_LIMIT, offset: int = 0) -> list[BackorderRow]:
        """Open lines with quantity left, the most value at risk first."""
        now = self.clock()
        cols = (
            "b.backorder_id, b.order_id, b.sku, b.priority, b.qty, b.qty - b.qty_filled,"
            " b.ordered_at, b.promised_at, b.unit_value_cents, b.ship_to_city"
        )
        cached = self._rank
        fresh = (
            cached is not None
            and cached[1:3] == (limit, offset)
            and timedelta(0) <= now - cached[0] < RANK_TTL
        )
        with self.db.read() as s:
            c = s.connection()
            if fresh and cached is not None:
                # Re-read only the ranked lines: one filled or cancelled since drops out.
                ids = cached[3]
                marks = ", ".join(f":b{i}" for i in range(len(ids)))
                rows = (
                    c.execute(
                        text(
                            f"SELECT {cols} FROM backorder_line b WHERE b.backorder_id IN"
                            f" ({marks}) AND b.status = 'open' AND b.qty_filled < b.qty"
                        ),
                        {f"b{i}": v for i, v in enumerate(ids)},
                    ).all()
                    if ids
                    else []
                )
            else:
                # Rank on the covering index, then read the wide columns of one page only.
                rows = c.execute(
                    text(
                        f"SELECT {cols} FROM ("
                        f"  SELECT backorder_id, {self._risk_sql()} AS var"
                        "   FROM backorder_line WHERE hub_id = :hub AND status = 'open'"
                        "   AND qty_filled < qty"
                        "   ORDER BY var DESC, ordered_at, backorder_id LIMIT :n OFFSET :o) r"
                        " JOIN backorder_line b ON b.backorder_id = r.backorder_id"
                    ),
                    self._risk_params(now) | {"n": limit, "o": offset},
                ).all()
                self._rank = (now, limit, offset, [r[0] for r in rows])
            pile = self._pile_counts(s, {r[2] for r in rows})
            names = self._names(s, pile)
        out = []
        for r in rows:
            ordered = self._t(r[6]) or now
            promised = self._t(r[7])
            waiting = _hours(now, ordered) / 24.0
            value = int(r[8]) * int(r[5])
            out.append(
                BackorderRow(
                    backorder_id=r[0],
                    order_id=r[1],
                    sku=r[2],
                    name=names.get(r[2], ""),
                    priority=r[3],
                    qty=int(r[4]),
                    qty_left=int(r[5]),
                    ordered_at=ordered,
                    promised_at=promised,
                    days_waiting=round(waiting, 2),
                    days_to_promise=round(-_hours(now, promised) / 24.0, 2) if promised else None,
                    value_cents=value,
                    value_at_risk_cents=value_at_risk_cents(value, waiting, self.risk),
                    pile_units=pile.get(r[2], 0),
                    ship_to_city=r[9] or "",
                )
            )
        out.sort(key=lambda r: (-_risk(r, now, self.risk), r.ordered_at, r.backorder_id))
        return out

    # -- lead actions ---------------------------------------------------------------------
    def role_of(self, badge_id: str) -> str:
        """ "lead" for a badge in ``[roster] leads`` or an operator stored as a lead."""
        if badge_id in self.settings.roster.leads:
            return "lead"
        with self.db.read() as s:
            row = s.get(Operator, badge_id)
            return row.role if row is not None else "worker"

    def require_lead(self, badge_id: str) -> None:
        if self.role_of(badge_id) != "lead":
            raise NotAllowed(f"{badge_id} is not a shift lead: these screens are for leads")

    def resolve_exception(self, key: str, resolution: str, operator: str) -> ExceptionRow:
        """Close an exception with what was done; audited. ``key`` as in ExceptionRow."""
        resolution = resolution.strip()[:1000]
        if not resolution:
            raise ServiceError("say how the exception was cleared")
        self.require_lead(operator)
        now = self.clock()
        with self.db.write() as s:
            if key.startswith("X-") and key[2:].isdigit():
                row = s.get(HubException, int(key[2:]))
                if row is None:
                    raise NotFound(f"no exception {key}")
                if row.resolved_at is not None:
                    raise ServiceError(f"exception {key} was already resolved by {row.resolved_by}")
            else:
                # A label pending too long has no row yet: record it, already resolved.
                label = (
                    s.connection()
                    .execute(
                        text("SELECT unit_id, status FROM label WHERE label_id = :id"), {"id": key}
                    )
                    .first()
                )
                if label is None:
                    raise NotFound(f"no exception or label {key}")
                row = HubException(
                    kind="label_not_printed",
                    unit_id=label[0],
                    label_id=key,
                    detail=f"label {key} was {label[1]}",
                    created_at=now,
                )
            row.resolved_at = now
            row.resolved_by = operator
            row.resolution = resolution
            s.add(row)
            s.flush()
            audit(
                s,
                operator=operator,
                action="resolve_exception",
                entity="hub_exception",
                entity_id=str(row.id),
                detail={"kind": row.kind, "resolution": resolution, "key": key},
                now=now,
            )
            kind = row.kind
            return ExceptionRow(
                f"X-{row.id}",
                row.id,
                kind,
                EXCEPTION_TITLES.get(kind, kind),
                row.unit_id,
                row.label_id,
                row.detail,
                row.action,
                row.created_at,
                0.0,
            )


def export_csv(path: str | Path, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    """Write a table as CSV (UTF-8, header row); formula-like text cells get a quote."""
    target = Path(path).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([csv_safe(h) for h in headers])
        for row in rows:
            writer.writerow([csv_safe(v) for v in row])
    tmp.replace(target)
    return target
