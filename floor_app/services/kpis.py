"""The shift's numbers, today and over the last 7 days (UTC days, from ``services.clock``).

- units per hour per operator: decisions not undone, per clock hour (``ix_decision_at``
  covers the window), divided by the hours the operator worked;
- local fills: allocations made in the window that still stand (reserved or relabelled);
- revenue protected: the unit value of the lines those fills serve;
- cost saved: local fills x (central - local cost per return), from ``[costs]``;
- median return-to-resale: received to the decision that resold the unit (fill, restock);
- backorder ages: open lines with quantity left, by days since the order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from floor_app.config import Settings
from floor_app.domain.kpis import (
    AGE_BUCKET_DAYS,
    OperatorRate,
    age_bucket_cutoffs,
    age_bucket_labels,
    cost_saved_cents,
    median,
    operator_rates,
)
from floor_app.store.engine import Database

#: Decisions that put a unit back on sale (filled locally or restocked).
RESALE_DECISIONS = ("fill_backorder", "restock", "restock_open_box")
#: How long the figures of full past days are reused before being read again.
PAST_DAYS_TTL = timedelta(minutes=10)


@dataclass(frozen=True)
class WindowNumbers:
    name: str  # "today" | "last_7_days"
    start: datetime
    end: datetime
    units: int  # decisions made (not undone)
    operators: tuple[OperatorRate, ...]
    local_fills: int
    revenue_protected_cents: int
    cost_saved_cents: int
    resold_units: int
    median_resale_hours: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "units": self.units,
            "local_fills": self.local_fills,
            "revenue_protected_cents": self.revenue_protected_cents,
            "cost_saved_cents": self.cost_saved_cents,
            "resold_units": self.resold_units,
            "median_resale_hours": (
                round(self.median_resale_hours, 2) if self.median_resale_hours is not None else None
            ),
            "operators": [
                {
                    "operator": r.operator,
                    "units": r.units,
                    "active_hours": r.active_hours,
                    "units_per_hour": round(r.per_hour, 2),
                    "hourly": list(r.hourly),
                }
                for r in self.operators
            ],
        }


@dataclass(frozen=True)
class AgeBucket:
    label: str
    lines: int
    value_cents: int


@dataclass(frozen=True)
class ShiftNumbers:
    at: datetime
    today: WindowNumbers
    week: WindowNumbers
    backorder_ages: tuple[AgeBucket, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "today": self.today.to_json(),
            "last_7_days": self.week.to_json(),
            "backorder_ages": [
                {"age": b.label, "lines": b.lines, "value_cents": b.value_cents}
                for b in self.backorder_ages
            ],
        }


@dataclass(frozen=True)
class _Block:
    """Raw figures of one stretch of time, before they become rates and medians."""

    per_hour: list[tuple[str, int, int]]  # (operator, hour from the stretch's start, units)
    hours: list[float]  # received -> resold, per resold unit
    fills: int
    fill_value: int


def day_start(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


class KpiService:
    def __init__(self, settings: Settings, db: Database, clock: Callable[[], datetime]) -> None:
        self.settings, self.db, self.clock = settings, db, clock
        self._cache: dict[tuple[datetime, datetime], tuple[datetime, _Block]] = {}

    @classmethod
    def of(cls, services: Any) -> KpiService:
        return cls(services.settings, services.db, services.clock)

    def _bind(self, dt: datetime) -> Any:
        naive = dt.astimezone(UTC).replace(tzinfo=None)
        return naive.strftime("%Y-%m-%d %H:%M:%S.%f") if self.db.is_sqlite else naive

    def _hours_sql(self, later: str, earlier: str) -> str:
        if self.db.is_sqlite:
            return f"((julianday({later}) - julianday({earlier})) * 24.0)"
        return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 3600.0)"

    def numbers(self) -> ShiftNumbers:
        now = self.clock()
        today = day_start(now)
        week_start = today - timedelta(days=6)
        fresh = self._block(today, now)
        # Full past days barely change (only a void can touch them), and reading a week
        # of decisions with their units is the slow part: keep them for a few minutes.
        key = (week_start, today)
        cached = self._cache.get(key)
        if cached is None or (now - cached[0]) > PAST_DAYS_TTL or now < cached[0]:
            self._cache = {key: (now, self._block(week_start, today, inclusive=False))}
            cached = self._cache[key]
        past = cached[1]
        shift = 24 * 6
        week = _Block(
            per_hour=past.per_hour + [(op, h + shift, n) for op, h, n in fresh.per_hour],
            hours=past.hours + fresh.hours,
            fills=past.fills + fresh.fills,
            fill_value=past.fill_value + fresh.fill_value,
        )
        return ShiftNumbers(
            at=now,
            today=self._numbers("today", today, now, fresh),
            week=self._numbers("last_7_days", week_start, now, week),
            backorder_ages=self.backorder_ages(now),
        )

    def window(self, name: str, start: datetime, end: datetime) -> WindowNumbers:
        """The numbers between two instants, read fresh (no cache)."""
        return self._numbers(name, start, end, self._block(start, end))

    def _block(self, start: datetime, end: datetime, *, inclusive: bool = True) -> _Block:
        p = {"start": self._bind(start), "end": self._bind(end)}
        upto = "<=" if inclusive else "<"
        hour = (
            # whole seconds in integers: julianday's floating point puts 13:00 in hour 12
            "((CAST(strftime('%s', at) AS INTEGER) - CAST(strftime('%s', :start) AS INTEGER))"
            " / 3600)"
            if self.db.is_sqlite
            else "CAST(FLOOR(EXTRACT(EPOCH FROM (at - CAST(:start AS TIMESTAMP))) / 3600.0)"
            " AS INTEGER)"
        )
        resale = ", ".join(f"'{d}'" for d in RESALE_DECISIONS)
        with self.db.read() as s:
            c = s.connection()
            per_hour = c.execute(
                text(
                    f"SELECT operator, {hour} AS h, count(*) FROM decision"
                    f" WHERE at >= :start AND at {upto} :end AND undone_at IS NULL"
                    " GROUP BY operator, h"
                ),
                p,
            ).all()
            fills = c.execute(
                text(
                    "SELECT count(*), coalesce(sum(b.unit_value_cents), 0) FROM allocation a"
                    " JOIN backorder_line b ON b.backorder_id = a.backorder_id"
                    f" WHERE a.created_at >= :start AND a.created_at {upto} :end"
                    " AND a.status IN ('reserved', 'relabelled')"
                ),
                p,
            ).one()
            hours = [
                float(r[0])
                for r in c.execute(
                    text(
                        f"SELECT {self._hours_sql('d.at', 'u.received_at')} FROM decision d"
                        " JOIN unit u ON u.unit_id = d.unit_id"
                        f" WHERE d.at >= :start AND d.at {upto} :end AND d.undone_at IS NULL"
                        f" AND d.decision IN ({resale})"
                    ),
                    p,
                )
                if r[0] is not None
            ]
        return _Block(
            per_hour=[(str(r[0]), int(r[1]), int(r[2])) for r in per_hour],
            hours=hours,
            fills=int(fills[0]),
            fill_value=int(fills[1]),
        )

    def _numbers(self, name: str, start: datetime, end: datetime, b: _Block) -> WindowNumbers:
        rates = operator_rates(b.per_hour, start, end)
        costs = self.settings.costs
        return WindowNumbers(
            name=name,
            start=start,
            end=end,
            units=sum(r.units for r in rates),
            operators=tuple(rates),
            local_fills=b.fills,
            revenue_protected_cents=b.fill_value,
            cost_saved_cents=cost_saved_cents(
                b.fills, costs.central_per_return, costs.local_per_return
            ),
            resold_units=len(b.hours),
            median_resale_hours=median(b.hours),
        )

    def backorder_ages(self, now: datetime) -> tuple[AgeBucket, ...]:
        cutoffs = age_bucket_cutoffs(now)
        # Compare with precomputed cut-offs: portable, and served by ix_backorder_rank.
        case = " ".join(f"WHEN ordered_at > :c{i} THEN {i}" for i in range(len(cutoffs)))
        params: dict[str, Any] = {f"c{i}": self._bind(c) for i, c in enumerate(cutoffs)}
        params["hub"] = self.settings.hub.id
        with self.db.read() as s:
            rows = (
                s.connection()
                .execute(
                    text(
                        f"SELECT CASE {case} ELSE {len(cutoffs)} END AS bucket, count(*),"
                        " coalesce(sum(unit_value_cents * (qty - qty_filled)), 0)"
                        " FROM backorder_line WHERE hub_id = :hub AND status = 'open'"
                        " AND qty_filled < qty GROUP BY bucket"
                    ),
                    params,
                )
                .all()
            )
        got = {int(r[0]): (int(r[1]), int(r[2])) for r in rows}
        labels = age_bucket_labels(AGE_BUCKET_DAYS)
        return tuple(AgeBucket(label, *got.get(i, (0, 0))) for i, label in enumerate(labels))
