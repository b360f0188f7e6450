"""Matching: never an ineligible line, always the policy's first line, deterministic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from floor_app.domain.grades import GradeScale
from floor_app.domain.matching import (
    LineView,
    MatchPolicy,
    choose,
    eligible,
    explain_no_match,
    value_at_risk_cents,
)

SCALE = GradeScale()
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def line(bid: str, **kw: object) -> LineView:
    base: dict[str, object] = dict(
        backorder_id=bid, order_id="O-" + bid, sku="SKU-1", hub_id="HUB-1", status="open",
        qty=1, qty_filled=0, min_grade="A", priority="normal",
        ordered_at=NOW - timedelta(days=3), promised_at=NOW + timedelta(days=2),
        unit_value_cents=5000,
    )
    base.update(kw)
    return LineView(**base)  # type: ignore[arg-type]


def pick(lines: list[LineView], grade: str = "A", policy: str = "default") -> str | None:
    ranked = choose(lines, sku="SKU-1", grade=grade, hub_id="HUB-1", scale=SCALE,
                    policy=MatchPolicy(policy), now=NOW)
    return ranked[0].backorder_id if ranked else None


def test_expedite_beats_earlier_promise() -> None:
    lines = [line("B1", promised_at=NOW - timedelta(days=5)), line("B2", priority="expedite")]
    assert pick(lines) == "B2"


def test_overdue_promise_first_then_oldest_order_then_lowest_id() -> None:
    lines = [
        line("B3", promised_at=NOW + timedelta(days=1)),
        line("B2", promised_at=NOW - timedelta(days=1), ordered_at=NOW - timedelta(days=1)),
        line("B1", promised_at=NOW - timedelta(days=1), ordered_at=NOW - timedelta(days=9)),
    ]
    assert pick(lines) == "B1"
    same = [line("B9"), line("B4"), line("B7")]
    assert pick(same) == "B4"


@pytest.mark.parametrize(
    ("kw", "grade", "ok"),
    [
        ({}, "A", True),
        ({}, "B", False),
        ({"min_grade": "B"}, "B", True),
        ({"min_grade": "B"}, "C", False),
        ({"status": "cancelled"}, "A", False),
        ({"hub_id": "HUB-2"}, "A", False),
        ({"sku": "SKU-2"}, "A", False),
        ({"qty": 2, "qty_filled": 2}, "A", False),
        ({"qty": 3, "qty_filled": 2}, "A", True),
    ],
)
def test_eligibility(kw: dict[str, object], grade: str, ok: bool) -> None:
    assert eligible(line("B1", **kw), sku="SKU-1", grade=grade, hub_id="HUB-1",
                    scale=SCALE) is ok


def test_value_at_risk_prefers_the_line_most_likely_lost() -> None:
    cheap_old = line("B1", unit_value_cents=1000, ordered_at=NOW - timedelta(days=20))
    dear_new = line("B2", unit_value_cents=20000, ordered_at=NOW - timedelta(days=2))
    assert value_at_risk_cents(cheap_old, NOW, 0.02) == pytest.approx(1000 * 0.4)
    assert value_at_risk_cents(dear_new, NOW, 0.02) == pytest.approx(20000 * 0.04)
    assert pick([cheap_old, dear_new], policy="value_at_risk") == "B2"
    assert pick([cheap_old, dear_new], policy="default") == "B1"


@pytest.mark.parametrize(
    ("lines", "grade", "expected"),
    [
        ([], "A", "no open backorder for this SKU at this hub"),
        ([line("B1", hub_id="HUB-2")], "A", "1 backorder line for this SKU belongs to another hub"),
        ([line("B1"), line("B2")], "B", "2 open lines for this SKU need grade A; unit is B"),
        ([line("B1")], "C", "1 open line for this SKU needs grade A; unit is C"),
        ([line("B1", qty_filled=1)], "A", "1 open line for this SKU already fully allocated"),
    ],
)
def test_explanations(lines: list[LineView], grade: str, expected: str) -> None:
    assert explain_no_match(lines, sku="SKU-1", grade=grade, hub_id="HUB-1",
                            scale=SCALE).startswith(expected)


line_st = st.builds(
    line,
    bid=st.sampled_from([f"B{i}" for i in range(12)]),
    sku=st.sampled_from(["SKU-1", "SKU-2"]),
    hub_id=st.sampled_from(["HUB-1", "HUB-2"]),
    status=st.sampled_from(["open", "open", "cancelled", "filled"]),
    qty=st.integers(1, 3),
    qty_filled=st.integers(0, 3),
    min_grade=st.sampled_from(["A", "B", "C"]),
    priority=st.sampled_from(["normal", "expedite"]),
    ordered_at=st.integers(0, 30).map(lambda d: NOW - timedelta(days=d)),
    promised_at=st.one_of(st.none(), st.integers(-10, 10).map(lambda d: NOW + timedelta(days=d))),
    unit_value_cents=st.integers(0, 100000),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(line_st, max_size=12, unique_by=lambda ln: ln.backorder_id),
       st.sampled_from(["A", "B", "C", "D", "F"]), st.sampled_from(["default", "value_at_risk"]),
       st.randoms())
def test_choice_is_eligible_first_and_order_independent(
    lines: list[LineView], grade: str, policy: str, rnd: object
) -> None:
    ranked = choose(lines, sku="SKU-1", grade=grade, hub_id="HUB-1", scale=SCALE,
                    policy=MatchPolicy(policy), now=NOW)
    # never an ineligible line, and every eligible line is offered
    want = {ln.backorder_id for ln in lines
            if eligible(ln, sku="SKU-1", grade=grade, hub_id="HUB-1", scale=SCALE)}
    assert {ln.backorder_id for ln in ranked} == want
    # the first is the policy's best by an independent computation
    if ranked and policy == "default":
        best = min(
            (ln for ln in lines if ln.backorder_id in want),
            key=lambda ln: (ln.priority != "expedite",
                            (ln.promised_at or datetime(9999, 1, 1, tzinfo=UTC)).timestamp(),
                            ln.ordered_at.timestamp(), ln.backorder_id),
        )
        assert ranked[0].backorder_id == best.backorder_id
    # shuffling the input never changes the answer
    shuffled = list(lines)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    again = choose(shuffled, sku="SKU-1", grade=grade, hub_id="HUB-1", scale=SCALE,
                   policy=MatchPolicy(policy), now=NOW)
    assert [ln.backorder_id for ln in again] == [ln.backorder_id for ln in ranked]
