"""The shift's numbers as plain arithmetic: medians, rates, buckets, money at risk.

The service layer fetches aggregated rows from the database; everything here works on
plain numbers and datetimes so it can be tested without a database or a screen.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

#: Upper bounds (days, exclusive) of the backorder age buckets; the last is open-ended.
AGE_BUCKET_DAYS: tuple[int, ...] = (1, 3, 7, 14, 30)

#: Characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def median(values: Iterable[float]) -> float | None:
    """The median, or None for no values (a shift with nothing resold has no median)."""
    xs = sorted(values)
    n = len(xs)
    if n == 0:
        return None
    mid = n // 2
    if n % 2:
        return float(xs[mid])
    return (xs[mid - 1] + xs[mid]) / 2.0


def cancellation_risk(days_waiting: float, risk_per_day: float) -> float:
    """Chance the customer has cancelled after waiting this long (linear, capped at 1)."""
    return min(1.0, max(0.0, risk_per_day * max(0.0, days_waiting)))


def value_at_risk_cents(value_cents: int, days_waiting: float, risk_per_day: float) -> int:
    """Value of what is still owed times the chance the customer cancels."""
    return round(value_cents * cancellation_risk(days_waiting, risk_per_day))


def days_between(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() / 86400.0


def cost_saved_cents(local_fills: int, central_per_return: float, local_per_return: float) -> int:
    """Each unit filled locally did not travel to a central DC."""
    return round(local_fills * (central_per_return - local_per_return) * 100)


def age_bucket_labels(bounds: Sequence[int] = AGE_BUCKET_DAYS) -> list[str]:
    labels = []
    low = 0
    for high in bounds:
        labels.append(f"{low}-{high}d")
        low = high
    labels.append(f"{low}d+")
    return labels


def age_bucket_index(days: float, bounds: Sequence[int] = AGE_BUCKET_DAYS) -> int:
    for i, high in enumerate(bounds):
        if days < high:
            return i
    return len(bounds)


def age_bucket_cutoffs(now: datetime, bounds: Sequence[int] = AGE_BUCKET_DAYS) -> list[datetime]:
    """``ordered_at`` thresholds: a line ordered after cutoff[i] is younger than bounds[i]
    days. Comparing stored times with these keeps the SQL portable (no date functions)."""
    return [now - timedelta(days=d) for d in bounds]


@dataclass(frozen=True)
class OperatorRate:
    """One operator's pace in a window."""

    operator: str
    units: int
    active_hours: int  # distinct clock hours with at least one decision
    per_hour: float  # units / active hours
    hourly: tuple[int, ...]  # units per hour bucket across the window (the sparkline)


def hour_index(at: datetime, start: datetime) -> int:
    return int((at - start).total_seconds() // 3600)


def operator_rates(
    counts: Iterable[tuple[str, int, int]], start: datetime, end: datetime
) -> list[OperatorRate]:
    """Rates from ``(operator, hour_index, units)`` rows, hours counted from ``start``.

    Units per hour divides by the hours the operator actually worked (hours with a
    decision), so a four-hour shift is not diluted by the twenty hours nobody was there.
    """
    n_hours = max(1, hour_index(end, start) + 1)
    per_op: dict[str, list[int]] = {}
    for op, hour, units in counts:
        buckets = per_op.setdefault(op, [0] * n_hours)
        if 0 <= hour < n_hours:
            buckets[hour] += units
    rates = []
    for op, buckets in per_op.items():
        units = sum(buckets)
        active = sum(1 for b in buckets if b)
        rates.append(
            OperatorRate(
                operator=op,
                units=units,
                active_hours=active,
                per_hour=units / active if active else 0.0,
                hourly=tuple(buckets),
            )
        )
    rates.sort(key=lambda r: (-r.units, r.operator))
    return rates


def csv_safe(value: object) -> str:
    """A cell a spreadsheet shows as text: formula-like cells get a leading quote."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)  # our own numbers: a negative figure stays a number
    text = str(value)
    if text.startswith(CSV_FORMULA_START):
        return "'" + text
    return text
