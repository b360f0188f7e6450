"""Pull: HQ's changes after the hub's cursor, applied with the new cursor in one transaction.

HQ owns backorder lines, the catalogue and expected returns; the hub owns its allocations.
So a line's ``qty_filled`` is never taken from HQ: it is HQ's fills by *other* hubs plus
this hub's own live allocations (pending ones included), counted here, so a pull never
erases a local pending fill. A line taken away or cancelled becomes ``revoked`` or
``cancelled`` (closed to new matches); a pending allocation on it is settled by HQ's
answer to the push, never by the pull.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert
from sqlmodel import Session, col, select

from floor_app.store.engine import Database
from floor_app.store.models import Allocation, BackorderLine, CatalogItem, ExpectedReturn, Gtin
from floor_app.sync import state
from floor_app.sync.client import HQClient, TransientError
from floor_app.sync.outcomes import apply_outcome
from floor_app.sync.relay import record_failure
from floor_app.sync.retry import Backoff

LIVE = ("reserved", "relabelled")
LINE_FIELDS = (
    "order_id",
    "sku",
    "epoch",
    "qty",
    "min_grade",
    "priority",
    "ordered_at",
    "promised_at",
    "unit_value_cents",
    "ship_to_name",
    "ship_to_city",
    "ship_to_postcode",
)


def _dt(value: object) -> datetime | None:
    if not value:
        return None
    d = datetime.fromisoformat(str(value))
    return d if d.tzinfo else d.replace(tzinfo=UTC)


class Puller:
    def __init__(
        self,
        db: Database,
        client: HQClient,
        *,
        hub_id: str,
        clock: Callable[[], datetime],
        limit: int = 1000,
        backoff: Backoff | None = None,
    ) -> None:
        self.db = db
        self.client = client
        self.hub_id = hub_id
        self.clock = clock
        self.limit = limit
        self.backoff = backoff or Backoff()

    def pull(self) -> int:
        """Pull until HQ has nothing more; the number of changes applied."""
        total = 0
        while True:
            with self.db.read() as s:
                cursor = state.get_int(s, state.PULL_CURSOR)
            answer = self.backoff.run(
                lambda c=cursor: self.client.changes(c, self.limit),  # type: ignore[misc]
                lambda e: record_failure(self.db, e),
            )
            changes = answer.get("changes")
            nxt = answer.get("next_cursor")
            if not isinstance(changes, list) or not isinstance(nxt, int) or nxt < cursor:
                raise TransientError("HQ's changes answer is malformed")
            now = self.clock()
            with self.db.write() as s:
                if state.get_int(s, state.PULL_CURSOR) != cursor:
                    continue  # another puller applied this page meanwhile
                apply_changes(s, self.hub_id, changes, now=now)
                state.put(s, state.PULL_CURSOR, nxt)
                state.put(s, state.LAST_PULL_AT, now.isoformat())
                state.put(s, state.SYNC_ONLINE, "1")
            total += len(changes)
            if not answer.get("has_more") or not changes:
                return total


def apply_changes(session: Session, hub_id: str, changes: list[Any], *, now: datetime) -> None:
    lines: dict[str, dict[str, Any]] = {}
    for ch in changes:
        if not isinstance(ch, dict) or not isinstance(ch.get("data"), dict):
            raise TransientError("HQ sent a malformed change")
        kind, data = ch.get("kind"), ch["data"]
        if kind == "line":
            lines[str(data["backorder_id"])] = data  # each is a full snapshot: last one wins
        elif kind == "allocation":
            apply_outcome(
                session,
                hub_id=hub_id,
                allocation_id=str(data.get("allocation_id", "")),
                status=str(data.get("status")),
                reason=str(data["reason"])[:100] if data.get("reason") else None,
                now=now,
            )
        elif kind == "catalog":
            _catalog(session, data, now=now)
        elif kind == "expected_return":
            _expected_return(session, data)
        # Unknown kinds are skipped: a newer HQ may send what this hub cannot use yet.
    if lines:
        _lines(session, hub_id, lines, now=now)


def _lines(
    session: Session, hub_id: str, lines: dict[str, dict[str, Any]], *, now: datetime
) -> None:
    ids = list(lines)
    known: dict[str, BackorderLine] = {}
    live: dict[str, int] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        for known_row in session.exec(
            select(BackorderLine).where(col(BackorderLine.backorder_id).in_(chunk))
        ):
            known[known_row.backorder_id] = known_row
        for bid, n in session.exec(
            select(Allocation.backorder_id, func.count())
            .where(col(Allocation.backorder_id).in_(chunk), col(Allocation.status).in_(LIVE))
            .group_by(Allocation.backorder_id)
        ):
            live[bid] = int(n)
    new_rows: list[dict[str, Any]] = []
    for bid, d in lines.items():
        values: dict[str, Any] = {f: d.get(f) for f in LINE_FIELDS}
        values["ordered_at"] = _dt(d.get("ordered_at")) or now
        values["promised_at"] = _dt(d.get("promised_at"))
        values["hub_id"] = str(d["hub_id"])
        values["qty_filled"] = int(d.get("filled_elsewhere") or 0) + live.get(bid, 0)
        if d.get("status") == "cancelled":
            values["status"] = "cancelled"
        elif values["hub_id"] != hub_id:
            values["status"] = "revoked"
        else:
            values["status"] = "open"
        values["updated_at"] = now
        row = known.get(bid)
        if row is None:
            new_rows.append({"backorder_id": bid, **values})
            continue
        if (
            row.status == "filled"
            and values["status"] == "open"
            and values["qty_filled"] >= values["qty"]
        ):
            values["status"] = "filled"  # the hub's own bookkeeping
        for k, v in values.items():
            setattr(row, k, v)
        session.add(row)
    if new_rows:
        session.execute(insert(BackorderLine.__table__), new_rows)  # type: ignore[attr-defined]


def _catalog(session: Session, d: dict[str, Any], *, now: datetime) -> None:
    sku = str(d["sku"])
    item = session.get(CatalogItem, sku) or CatalogItem(sku=sku)
    item.name = str(d.get("name") or "")
    item.variant = str(d.get("variant") or "")
    item.unit_value_cents = int(d.get("unit_value_cents") or 0)
    item.min_grade = d.get("min_grade")
    item.updated_at = now
    session.add(item)
    session.flush()
    for g in d.get("gtins") or []:
        row = session.get(Gtin, str(g))
        if row is None:
            session.add(Gtin(gtin=str(g), sku=sku))
        elif row.sku != sku:
            row.sku = sku  # HQ moved the GTIN to another SKU
            session.add(row)


def _expected_return(session: Session, d: dict[str, Any]) -> None:
    rma, sku = str(d["rma"]), str(d["sku"])
    row = session.exec(
        select(ExpectedReturn).where(ExpectedReturn.rma == rma, ExpectedReturn.sku == sku)
    ).first() or ExpectedReturn(rma=rma, sku=sku)
    row.order_id = str(d.get("order_id") or "")
    row.qty = int(d.get("qty") or 1)
    row.customer_name = str(d.get("customer_name") or "")
    row.expected_at = _dt(d.get("expected_at"))
    session.add(row)  # qty_received is the hub's own count: never taken from HQ
