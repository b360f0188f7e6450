"""The push/pull protocol end to end through the HQ app (in process): the happy path,
rejections and their compensation, duplicates, out-of-order resumption, pull rules."""

from __future__ import annotations

import random

import httpx
from sqlmodel import select
from sync_world import World

from floor_app.store.models import Allocation, BackorderLine, CatalogItem, HubException, Label, Unit
from floor_app.sync.hq import admin
from floor_app.sync.hq import tables as t
from floor_app.sync.relay import event_json


def _two_hubs(world: World, lines: int = 6) -> None:
    world.add_hub("HUB-A")
    world.add_hub("HUB-B")
    world.seed(random.Random(1), skus=3, lines=lines, max_qty=1)


def test_offline_work_then_catch_up(world: World) -> None:
    _two_hubs(world)
    a = world.hubs["HUB-A"]
    a.sync(world.clock)  # first pull: catalogue and lines
    with a.db.read() as s:
        assert s.get(CatalogItem, "SKU-0") is not None
        assert len(list(s.exec(select(BackorderLine)))) == 3
    # HQ unreachable: the station works as usual.
    a.transport.faults.lost_request = 1.0  # type: ignore[union-attr]
    fills = [world.process(a, i % 3) for i in range(8)]
    assert any(fills)
    assert world.unsynced(a) > 0
    world.heal()
    world.check_exactly_once()
    world.check_converged()
    world.check_no_double_fill()


def test_rejection_is_compensated_with_a_task_for_the_lead(world: World) -> None:
    _two_hubs(world)
    a = world.hubs["HUB-A"]
    a.sync(world.clock)
    with a.db.read() as s:
        line = s.exec(select(BackorderLine).where(BackorderLine.hub_id == "HUB-A")).first()
    assert line is not None
    sku_index = int(line.sku.split("-")[1])
    alloc_id = world.process(a, sku_index)
    assert alloc_id is not None
    with world.hq.write() as s:  # HQ cancels the line before the hub's push arrives
        admin.cancel_line(s, line.backorder_id, now=world.clock())
    a.sync(world.clock)
    with a.db.read() as s:
        alloc = s.get(Allocation, alloc_id)
        assert alloc is not None
        assert (alloc.status, alloc.hq_status, alloc.hq_reason) == (
            "rejected",
            "rejected",
            "cancelled",
        )
        unit = s.get(Unit, alloc.unit_id)
        assert unit is not None and unit.status == "received"
        label = s.get(Label, alloc.label_id)
        assert label is not None and label.status == "voided"
        exc = s.exec(select(HubException).where(HubException.kind == "hq_rejected")).one()
        assert f"Pull printed label {alloc.label_id}" in exc.action
        assert alloc.unit_id in exc.action and "cancelled" in exc.detail
        refreshed = s.get(BackorderLine, line.backorder_id)
        assert refreshed is not None and refreshed.status == "cancelled"
    world.heal()
    world.check_exactly_once()
    world.check_converged()
    with world.hq.read() as s:
        types = list(s.scalars(select(t.event.c.type).where(t.event.c.hub_id == "HUB-A")))
    assert "allocation.rejected_ack" in types


def test_duplicate_batch_returns_stored_results_and_applies_nothing(world: World) -> None:
    _two_hubs(world)
    a = world.hubs["HUB-A"]
    a.sync(world.clock)
    with a.db.read() as s:
        line = s.exec(select(BackorderLine).where(BackorderLine.hub_id == "HUB-A")).first()
    world.process(a, int(line.sku.split("-")[1]))  # type: ignore[union-attr]
    from floor_app.store.models import Outbox

    with a.db.read() as s:
        events = [event_json(r) for r in s.exec(select(Outbox).order_by(Outbox.seq))]
    first = a.client.push(events)
    second = a.client.push(events)
    assert first["last_seq"] == second["last_seq"] == len(events)
    assert [r["status"] for r in first["results"]] == [r["status"] for r in second["results"]]
    assert "accepted" in [r["status"] for r in first["results"]]
    assert all(r["duplicate"] for r in second["results"])
    with world.hq.read() as s:
        filled = s.scalar(
            select(t.backorder_line.c.qty_filled).where(
                t.backorder_line.c.backorder_id == line.backorder_id
            )
        )  # type: ignore[union-attr]
    assert filled == 1


def test_gap_answers_out_of_order_and_relay_resumes(world: World) -> None:
    _two_hubs(world)
    a = world.hubs["HUB-A"]
    a.sync(world.clock)
    for i in range(5):
        world.process(a, i % 3)
    from floor_app.store.models import Outbox

    with a.db.read() as s:
        events = [event_json(r) for r in s.exec(select(Outbox).order_by(Outbox.seq))]
    answer = a.client.push(events[3:])
    assert answer["status"] == "out_of_order"
    assert answer["expected_seq"] == 1 and answer["results"] == []
    # HQ took the first three (say the response was lost): the relay resumes from 4.
    a.client.push(events[:3])
    a.sync(world.clock)
    world.heal()
    world.check_exactly_once()
    world.check_converged()


def test_pull_never_overwrites_a_pending_local_fill(world: World) -> None:
    _two_hubs(world)
    a = world.hubs["HUB-A"]
    b = world.hubs["HUB-B"]
    a.sync(world.clock)
    b.sync(world.clock)
    with a.db.read() as s:
        line = s.exec(select(BackorderLine).where(BackorderLine.hub_id == "HUB-A")).first()
    assert line is not None
    alloc_id = world.process(a, int(line.sku.split("-")[1]))
    assert alloc_id is not None
    with world.hq.write() as s:
        admin.reassign_line(s, line.backorder_id, "HUB-B", now=world.clock())
    # Pull only (the push is lost): the line is revoked here, the fill stays pending.
    from floor_app.sync.pull import Puller

    Puller(a.db, a.client, hub_id="HUB-A", clock=world.clock).pull()
    with a.db.read() as s:
        ln = s.get(BackorderLine, line.backorder_id)
        alloc = s.get(Allocation, alloc_id)
    assert ln is not None and alloc is not None
    assert (ln.status, ln.hub_id, ln.epoch, ln.qty_filled) == ("revoked", "HUB-B", 2, 1)
    assert (alloc.status, alloc.hq_status) == ("reserved", "pending")
    world.heal()
    with a.db.read() as s:
        alloc = s.get(Allocation, alloc_id)
        ln = s.get(BackorderLine, line.backorder_id)
    assert alloc is not None and (alloc.status, alloc.hq_reason) == ("rejected", "reassigned")
    assert ln is not None and ln.qty_filled == 0
    world.check_exactly_once()
    world.check_converged()
    # HUB-B owns it now and can fill it.
    assert world.process(b, int(line.sku.split("-")[1])) is not None


def test_stale_epoch_is_rejected_even_when_the_line_came_back(world: World) -> None:
    _two_hubs(world)
    a = world.hubs["HUB-A"]
    a.sync(world.clock)
    with a.db.read() as s:
        line = s.exec(select(BackorderLine).where(BackorderLine.hub_id == "HUB-A")).first()
    assert line is not None
    alloc_id = world.process(a, int(line.sku.split("-")[1]))
    with world.hq.write() as s:
        admin.reassign_line(s, line.backorder_id, "HUB-B", now=world.clock())
        admin.reassign_line(s, line.backorder_id, "HUB-A", now=world.clock())
    a.sync(world.clock)
    with a.db.read() as s:
        alloc = s.get(Allocation, alloc_id)
    assert alloc is not None and alloc.hq_reason == "reassigned"
    world.heal()
    world.check_no_double_fill()
    world.check_converged()


def test_unknown_event_type_is_recorded_not_blocking(world: World) -> None:
    world.add_hub("HUB-A")
    a = world.hubs["HUB-A"]
    ev = {
        "event_id": "E-X1",
        "seq": 1,
        "hub_id": "HUB-A",
        "type": "future.thing",
        "aggregate_id": "x",
        "payload": {},
        "occurred_at": "2026-03-02T08:00:00+00:00",
    }
    ans = a.client.push([ev])
    assert ans["results"][0]["status"] == "ignored" and ans["last_seq"] == 1


def test_http_transport_is_plain_httpx() -> None:
    # The client must accept any httpx transport (the fault injector, ASGI in tests).
    assert issubclass(httpx.HTTPTransport, httpx.BaseTransport)
