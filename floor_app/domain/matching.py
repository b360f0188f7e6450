"""Which open backorder line a graded unit fills, and why none does.

Eligible: open, owned by this hub, same SKU, quantity left, unit's grade at least the
line's minimum. Policies rank eligible lines; every ranking ends in the line id so the
answer is deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from floor_app.domain.grades import GradeScale

FAR_FUTURE = datetime.max.replace(year=9999)


@dataclass(frozen=True)
class LineView:
    """What matching needs to know of a backorder line."""

    backorder_id: str
    order_id: str
    sku: str
    hub_id: str
    status: str
    qty: int
    qty_filled: int
    min_grade: str
    priority: str
    ordered_at: datetime
    promised_at: datetime | None
    unit_value_cents: int
    epoch: int = 1

    @property
    def qty_left(self) -> int:
        return self.qty - self.qty_filled


@dataclass(frozen=True)
class MatchPolicy:
    name: str = "default"  # default | value_at_risk
    cancellation_risk_per_day: float = 0.02


def eligible(line: LineView, *, sku: str, grade: str, hub_id: str, scale: GradeScale) -> bool:
    return (
        line.status == "open"
        and line.hub_id == hub_id
        and line.sku == sku
        and line.qty_left > 0
        and scale.meets(grade, line.min_grade)
    )


def _naive(dt: datetime | None) -> datetime:
    if dt is None:
        return FAR_FUTURE
    return dt.replace(tzinfo=None)


def default_key(line: LineView) -> tuple[object, ...]:
    """Expedited first, earliest promise (overdue first), oldest order, lowest id."""
    return (
        0 if line.priority == "expedite" else 1,
        _naive(line.promised_at),
        _naive(line.ordered_at),
        line.backorder_id,
    )


def value_at_risk_cents(line: LineView, now: datetime, risk_per_day: float) -> float:
    """Line value times the chance the customer cancels, growing with days waited."""
    days = max(0.0, (_naive(now) - _naive(line.ordered_at)).total_seconds() / 86400.0)
    risk = min(1.0, risk_per_day * days)
    return line.unit_value_cents * line.qty_left * risk


def rank(lines: Iterable[LineView], policy: MatchPolicy, now: datetime) -> list[LineView]:
    """Eligible lines in the order the policy would fill them."""
    if policy.name == "value_at_risk":
        risk = policy.cancellation_risk_per_day

        def key(line: LineView) -> tuple[object, ...]:
            return (-value_at_risk_cents(line, now, risk), *default_key(line))

        return sorted(lines, key=key)
    return sorted(lines, key=default_key)


def choose(
    lines: Iterable[LineView],
    *,
    sku: str,
    grade: str,
    hub_id: str,
    scale: GradeScale,
    policy: MatchPolicy,
    now: datetime,
) -> list[LineView]:
    """Every eligible line, best first (the caller reserves the first it can)."""
    ok = [ln for ln in lines if eligible(ln, sku=sku, grade=grade, hub_id=hub_id, scale=scale)]
    return rank(ok, policy, now)


def explain_no_match(
    lines: Sequence[LineView], *, sku: str, grade: str, hub_id: str, scale: GradeScale
) -> str:
    """A sentence for the worker: why no line took this unit."""
    same_sku = [ln for ln in lines if ln.sku == sku]
    if not same_sku:
        return "no open backorder for this SKU at this hub"
    here = [ln for ln in same_sku if ln.hub_id == hub_id]
    if not here:
        verb = "belongs" if len(same_sku) == 1 else "belong"
        return f"{_n(len(same_sku), 'backorder line')} for this SKU {verb} to another hub"
    open_here = [ln for ln in here if ln.status == "open"]
    if not open_here:
        return "no open backorder for this SKU at this hub"
    with_qty = [ln for ln in open_here if ln.qty_left > 0]
    if not with_qty:
        return f"{_n(len(open_here), 'open line')} for this SKU already fully allocated"
    too_good = [ln for ln in with_qty if not scale.meets(grade, ln.min_grade)]
    if len(too_good) == len(with_qty):
        needs = sorted({ln.min_grade for ln in too_good}, key=scale.rank)
        return (
            f"{_n(len(too_good), 'open line')} for this SKU "
            f"{'needs' if len(too_good) == 1 else 'need'} grade "
            f"{' or '.join(needs)}; unit is {grade}"
        )
    return "no eligible backorder line"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")
