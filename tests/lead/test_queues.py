"""Each queue's rows and order on a known hub state (figures worked out by hand)."""

from __future__ import annotations

from typing import Any

import pytest
from lead_hubstate import (
    AWAITING_ORDER,
    BACKORDER_ORDER,
    BACKORDER_PILE,
    BACKORDER_VAR,
    CONFIG_LEAD,
    EXCEPTION_KEYS_KINDS,
    EXPECTED_ORDER,
    INSPECT_LINES,
    INSPECT_ORDER,
    LEAD,
    NOW,
    WORKER,
)

from floor_app.services.errors import NotAllowed
from floor_app.services.queues import QueueService, export_csv


@pytest.fixture
def queues(hub: Any) -> QueueService:
    return QueueService.of(hub)


def test_inspect_next_order_and_lines(queues: QueueService) -> None:
    rows = queues.inspect_next()
    assert [r.unit_id for r in rows] == INSPECT_ORDER
    assert [r.backorder_id for r in rows] == INSPECT_LINES
    assert [r.rank for r in rows] == list(range(1, 8))
    assert [r.hot for r in rows] == [True] * 5 + [False] * 2
    first = rows[0]
    assert (first.sku, first.name, first.priority, first.order_id) == (
        "SKU-B",
        "Boots",
        "expedite",
        "OBO-2",
    )
    assert first.waiting_hours == 7.0


@pytest.mark.parametrize("limit,offset", [(2, 0), (2, 2), (3, 4), (10, 5), (5, 7)])
def test_inspect_next_pages_cover_the_same_order(
    queues: QueueService, limit: int, offset: int
) -> None:
    page = queues.inspect_next(limit=limit, offset=offset)
    assert [r.unit_id for r in page] == INSPECT_ORDER[offset : offset + limit]
    assert [r.rank for r in page] == list(range(offset + 1, offset + 1 + len(page)))


def test_inspect_next_follows_fills(hub: Any, queues: QueueService) -> None:
    # Once BO-2 has no quantity left, SKU-B units are no longer wanted: they join the tail,
    # which lists HOT-at-receipt units first (U-3, U-5, U-2 by receipt), then the others.
    from floor_app.store.models import BackorderLine

    with hub.db.write() as s:
        line = s.get(BackorderLine, "BO-2")
        line.qty_filled = 2
        s.add(line)
    order = [r.unit_id for r in queues.inspect_next()]
    assert order == ["U-4", "U-1", "U-3", "U-5", "U-2", "U-14", "U-6"]


def test_expected_returns(queues: QueueService) -> None:
    rows = queues.expected()
    assert [r.rma for r in rows] == EXPECTED_ORDER
    assert rows[0].days_late == 3.0 and rows[1].days_late == 0.0
    assert (rows[0].qty, rows[0].qty_received, rows[0].name) == (2, 1, "Rain jacket")


def test_awaiting_confirm(queues: QueueService) -> None:
    rows = queues.awaiting_confirm()
    assert [r.allocation_id for r in rows] == AWAITING_ORDER
    assert [r.age_minutes for r in rows] == [120.0, 30.0]
    assert [r.label_status for r in rows] == ["sent", "pending"]
    assert rows[0].order_id == "OBO-1" and rows[1].operator == "W2"


def test_exceptions_with_actions(queues: QueueService) -> None:
    rows = queues.exceptions()
    assert [(r.kind, r.unit_id) for r in rows] == EXCEPTION_KEYS_KINDS
    assert all(r.action for r in rows)
    stuck = rows[2]
    assert stuck.key == "LBL-17" and stuck.exception_id is None
    assert "printer offline" in stuck.detail and "reprint" in stuck.action


def test_backorders_at_risk(queues: QueueService) -> None:
    rows = queues.backorders()
    assert [r.backorder_id for r in rows] == BACKORDER_ORDER
    assert {r.backorder_id: r.value_at_risk_cents for r in rows} == BACKORDER_VAR
    assert {r.backorder_id: r.pile_units for r in rows} == BACKORDER_PILE
    by_id = {r.backorder_id: r for r in rows}
    assert by_id["BO-3"].days_to_promise == -1.0  # a day past its promise
    assert by_id["BO-1"].days_to_promise == 5.0 and by_id["BO-4"].days_to_promise is None
    assert by_id["BO-1"].days_waiting == 10.0 and by_id["BO-1"].value_cents == 5000
    assert by_id["BO-2"].qty_left == 1


def test_counts_and_summary(queues: QueueService) -> None:
    c = queues.counts()
    assert (c.pile, c.hot, c.expected_lines, c.expected_units) == (7, 5, 3, 3)
    assert (c.awaiting_confirm, c.exceptions, c.backorders_open) == (2, 3, 4)
    s = queues.backorder_summary()
    assert (s.open_lines, s.units_owed, s.overdue) == (4, 4, 1)
    assert s.value_cents == 5000 + 2000 + 1000 + 5000
    assert s.value_at_risk_cents == sum(BACKORDER_VAR.values())


def test_roles(queues: QueueService) -> None:
    assert queues.role_of(LEAD) == "lead"
    assert queues.role_of(CONFIG_LEAD) == "lead"
    assert queues.role_of(WORKER) == "worker"
    assert queues.role_of("nobody") == "worker"
    with pytest.raises(NotAllowed):
        queues.require_lead(WORKER)


def test_resolve_stored_exception(hub: Any, queues: QueueService) -> None:
    from sqlmodel import select

    from floor_app.store.models import AuditLog, HubException

    key = queues.exceptions()[0].key
    with pytest.raises(NotAllowed):
        queues.resolve_exception(key, "done", WORKER)
    queues.resolve_exception(key, "added GTIN, re-inspected", LEAD)
    assert [r.unit_id for r in queues.exceptions()] == ["U-12", "U-17"]
    with hub.db.read() as s:
        row = s.get(HubException, int(key[2:]))
        assert (row.resolved_by, row.resolution, row.resolved_at) == (
            LEAD,
            "added GTIN, re-inspected",
            NOW,
        )
        audits = s.exec(select(AuditLog).where(AuditLog.action == "resolve_exception")).all()
        assert [(a.operator, a.entity_id) for a in audits] == [(LEAD, key[2:])]


def test_resolve_derived_label_exception(hub: Any, queues: QueueService) -> None:
    queues.resolve_exception("LBL-17", "printer fixed, reprinted", CONFIG_LEAD)
    assert [r.kind for r in queues.exceptions()] == ["unknown_item", "wrong_item"]
    assert queues.counts().exceptions == 2


def test_export_csv_is_injection_safe(tmp_path: Any, queues: QueueService) -> None:
    import csv

    rows = queues.expected()
    path = export_csv(
        tmp_path / "out" / "expected.csv",
        ["rma", "customer", "qty", "days_late"],
        [(r.rma, r.customer_name, r.qty, -r.days_late) for r in rows],
    )
    with path.open(encoding="utf-8") as fh:
        got = list(csv.reader(fh))
    assert got[0] == ["rma", "customer", "qty", "days_late"]
    assert got[1] == ["RMA-1", "'@SUM(1+1)", "2", "-3.0"]
    assert got[3][1] == "[bold]Di[/bold]"


def test_backorder_ranking_is_reused_for_a_minute(hub: Any) -> None:
    from datetime import timedelta

    from floor_app.services.queues import RANK_TTL
    from floor_app.store.models import BackorderLine

    now = [NOW]
    q = QueueService(hub.settings, hub.db, lambda: now[0])
    assert [r.backorder_id for r in q.backorders()] == BACKORDER_ORDER
    with hub.db.write() as s:
        s.add(
            BackorderLine(
                backorder_id="BO-9",
                order_id="O9",
                sku="SKU-D",
                hub_id="HUB-1",
                qty=1,
                ordered_at=NOW - timedelta(days=90),
                unit_value_cents=9000,
            )
        )
        filled = s.get(BackorderLine, "BO-1")
        filled.qty_filled = filled.qty
        s.add(filled)  # fmt: skip
    now[0] = NOW + timedelta(seconds=30)
    # within the minute: the filled line leaves at once; the new one waits for a re-rank
    assert [r.backorder_id for r in q.backorders()] == ["BO-4", "BO-3", "BO-2"]
    now[0] = NOW + RANK_TTL
    assert [r.backorder_id for r in q.backorders()] == ["BO-9", "BO-4", "BO-3", "BO-2"]


@pytest.mark.parametrize("cap", [1, 2, 10_000])
def test_both_plans_give_the_same_order(
    hub: Any, queues: QueueService, monkeypatch: pytest.MonkeyPatch, cap: int
) -> None:
    """WALK_CAP 1 or 2 sends "inspect next" to the pile plan; a large cap walks lines."""
    import floor_app.services.queues as mod
    from floor_app.store.models import BackorderLine

    monkeypatch.setattr(mod, "WALK_CAP", cap)
    rows = queues.inspect_next()
    assert [r.unit_id for r in rows] == INSPECT_ORDER
    assert [r.backorder_id for r in rows] == INSPECT_LINES
    for limit, offset in [(2, 0), (2, 2), (3, 4), (5, 7)]:
        page = queues.inspect_next(limit=limit, offset=offset)
        assert [r.unit_id for r in page] == INSPECT_ORDER[offset : offset + limit]
    with hub.db.write() as s:
        line = s.get(BackorderLine, "BO-2")
        line.qty_filled = 2
        s.add(line)
    order = [r.unit_id for r in queues.inspect_next()]
    assert order == ["U-4", "U-1", "U-3", "U-5", "U-2", "U-14", "U-6"]
