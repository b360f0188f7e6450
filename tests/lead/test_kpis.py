"""The shift's numbers on the known hub state, each worked out by hand."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from lead_hubstate import NOW

from floor_app.domain import kpis as k
from floor_app.services.kpis import KpiService


def test_today(hub: Any) -> None:
    n = KpiService.of(hub).numbers()
    t = n.today
    assert t.start == NOW.replace(hour=0) and t.end == NOW
    # W1: D-10 13:00 and D-11 13:30 (one hour); W2: D-12 12:00, D-17 14:30. D-14 was undone.
    assert [(r.operator, r.units, r.active_hours, r.per_hour) for r in t.operators] == [
        ("W1", 2, 1, 2.0),
        ("W2", 2, 2, 1.0),
    ]
    w1 = t.operators[0].hourly
    assert len(w1) == 16 and w1[13] == 2 and sum(w1) == 2
    assert t.units == 4
    assert (t.local_fills, t.revenue_protected_cents) == (2, 5000 + 2000)
    assert t.cost_saved_cents == 2 * (35 - 5) * 100
    # received -> resold: U-10 28 h, U-11 8.5 h, U-17 0.5 h
    assert t.resold_units == 3 and t.median_resale_hours == pytest.approx(8.5)


def test_last_7_days(hub: Any) -> None:
    w = KpiService.of(hub).numbers().week
    assert w.start == NOW.replace(hour=0) - timedelta(days=6)
    # adds D-13 and D-15b (W2); D-15 was undone, D-16 is 9 days old
    assert [(r.operator, r.units, r.active_hours) for r in w.operators] == [
        ("W2", 4, 4),
        ("W1", 2, 1),
    ]
    assert len(w.operators[0].hourly) == 6 * 24 + 16
    # A-10, A-13 (relabelled), A-17; A-15 was voided
    assert (w.local_fills, w.revenue_protected_cents) == (3, 5000 + 3000 + 2000)
    assert w.cost_saved_cents == 3 * 3000
    # 0.5, 8.5, 24 (U-13), 26 (U-15: 5 days less 22 h), 28 -> 24
    assert w.resold_units == 5 and w.median_resale_hours == pytest.approx(24.0)


def test_backorder_ages(hub: Any) -> None:
    ages = KpiService.of(hub).numbers().backorder_ages
    got = {b.label: (b.lines, b.value_cents) for b in ages}
    assert got == {
        "0-1d": (0, 0),
        "1-3d": (1, 2000),  # BO-2
        "3-7d": (0, 0),
        "7-14d": (1, 5000),  # BO-1
        "14-30d": (1, 1000),  # BO-3
        "30d+": (1, 5000),  # BO-4
    }


def test_costs_come_from_config(hub: Any) -> None:
    hub.settings.costs.central_per_return = 20.0
    hub.settings.costs.local_per_return = 4.5
    assert KpiService.of(hub).numbers().today.cost_saved_cents == 2 * 1550


def test_today_is_read_fresh_while_past_days_are_cached(hub: Any) -> None:
    from floor_app.store.models import Decision

    svc = KpiService.of(hub)
    before = svc.numbers()
    with hub.db.write() as s:
        s.add(
            Decision(
                decision_id="D-new",
                unit_id="U-1",
                decision="send_to_dc",
                grade="C",
                operator="W3",
                at=NOW - timedelta(minutes=1),
            )
        )
    after = svc.numbers()
    assert after.today.units == before.today.units + 1
    assert after.week.units == before.week.units + 1


def test_json_shape(hub: Any) -> None:
    j = KpiService.of(hub).numbers().to_json()
    assert set(j) == {"at", "today", "last_7_days", "backorder_ages"}
    assert j["today"]["operators"][0]["units_per_hour"] == 2.0
    assert j["last_7_days"]["median_resale_hours"] == 24.0


@pytest.mark.parametrize(
    "values,expected",
    [([], None), ([3], 3.0), ([5, 1], 3.0), ([9, 1, 4], 4.0), ([1, 2, 3, 10], 2.5)],
)
def test_median(values: list[float], expected: float | None) -> None:
    assert k.median(values) == expected


@pytest.mark.parametrize(
    "days,risk",
    [(0, 0.0), (-2, 0.0), (10, 0.2), (50, 1.0), (80, 1.0)],
)
def test_cancellation_risk(days: float, risk: float) -> None:
    assert k.cancellation_risk(days, 0.02) == pytest.approx(risk)


@pytest.mark.parametrize(
    "cell,out",
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-x", "'-x"),
        ("@A", "'@A"),
        ("ok", "ok"),
        (-3, "-3"),
        (None, ""),
    ],
)
def test_csv_safe(cell: object, out: str) -> None:
    assert k.csv_safe(cell) == out


def test_age_buckets_match_cutoffs() -> None:
    labels = k.age_bucket_labels()
    assert labels == ["0-1d", "1-3d", "3-7d", "7-14d", "14-30d", "30d+"]
    assert [k.age_bucket_index(d) for d in (0.5, 1, 2.9, 6, 13, 29, 31)] == [0, 1, 1, 2, 3, 4, 5]
