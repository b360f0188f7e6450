"""The station's use cases on a real (temporary) hub database."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from floor_app.domain.gtin import check_digit
from floor_app.services.context import Services
from floor_app.services.errors import BadScan, NotAllowed, NotFound, Refused, ServiceError
from floor_app.store.models import (
    Allocation,
    AuditLog,
    BackorderLine,
    CatalogItem,
    Decision,
    ExpectedReturn,
    Gtin,
    HubException,
    Label,
    Outbox,
    Unit,
)

GS = "\x1d"


def ean13(body12: str) -> str:
    return body12 + str(check_digit(body12))


TEE_M = ean13("061414100001")  # SKU TEE-M
TEE_L = ean13("061414100002")  # SKU TEE-L
BOOT = ean13("061414100003")  # SKU BOOT-42 (accepts open box)
UNKNOWN = ean13("061414199999")


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(fixed_now: datetime) -> Clock:
    return Clock(fixed_now)


@pytest.fixture
def svc(settings: Any, db: Any, clock: Clock) -> Services:
    settings.roster.leads = ["LEAD1"]
    now = clock.now
    with db.write() as s:
        for sku, gtin, name, variant, min_grade in [
            ("TEE-M", TEE_M, "Tee 'Classic' <b>", "M", None),
            ("TEE-L", TEE_L, "Tee Classic", "L", None),
            ("BOOT-42", BOOT, "Trail Boot", "42", "B"),
        ]:
            s.add(
                CatalogItem(
                    sku=sku, name=name, variant=variant, unit_value_cents=4999, min_grade=min_grade
                )
            )
            s.flush()
            s.add(Gtin(gtin=gtin.rjust(14, "0"), sku=sku))

        def line(bid: str, sku: str, **kw: Any) -> BackorderLine:
            base: dict[str, Any] = dict(
                backorder_id=bid,
                order_id="O-" + bid,
                sku=sku,
                hub_id=settings.hub.id,
                qty=1,
                ordered_at=now - timedelta(days=4),
                promised_at=now + timedelta(days=1),
                unit_value_cents=4999,
                ship_to_name="Zoë O'Brien",
                ship_to_city="Lyon",
                ship_to_postcode="69001",
            )
            base.update(kw)
            return BackorderLine(**base)

        s.add(line("BO-1", "TEE-M"))
        s.add(line("BO-2", "TEE-M", priority="expedite", promised_at=now + timedelta(days=5)))
        s.add(line("BO-3", "BOOT-42", qty=2, min_grade="B"))
        s.add(line("BO-4", "TEE-L", hub_id="OTHER-HUB"))
        s.add(
            ExpectedReturn(rma="RMA-1001", order_id="R1", sku="TEE-M", qty=2, customer_name="Ann")
        )
        s.add(ExpectedReturn(rma="RMA-1002", order_id="R2", sku="TEE-M", qty=1))
        s.add(ExpectedReturn(rma="RMA-1002", order_id="R2", sku="BOOT-42", qty=1))
    return Services.open(settings, db=db, clock=clock)


def events(svc: Services, type_: str | None = None) -> list[Outbox]:
    with svc.db.read() as s:
        q = select(Outbox).order_by(Outbox.seq)  # type: ignore[arg-type]
        rows = list(s.exec(q))
    return [r for r in rows if type_ is None or r.type == type_]


def line_filled(svc: Services, bid: str) -> int:
    with svc.db.read() as s:
        row = s.get(BackorderLine, bid)
        assert row is not None
        return row.qty_filled


def test_fill_prefers_expedite_and_writes_everything_in_one_go(svc: Services) -> None:
    r = svc.station.process(["RMA-1001", TEE_M], "A", "W7")
    assert (r.decision, r.backorder_id, r.order_id) == ("fill_backorder", "BO-2", "O-BO-2")
    assert r.allocation_id and r.label_id and r.reason is None
    assert r.ship_to_city == "Lyon" and r.action == "FILL BACKORDER"
    assert line_filled(svc, "BO-2") == 1
    with svc.db.read() as s:
        unit = s.get(Unit, r.unit_id)
        assert unit is not None and unit.status == "allocated" and unit.sku == "TEE-M"
        label = s.get(Label, r.label_id)
        assert label is not None and label.status == "pending"
        assert label.content["ship_to_name"] == "Zoë O'Brien"
        alloc = s.get(Allocation, r.allocation_id)
        assert alloc is not None and alloc.hq_status == "pending" and alloc.epoch == 1
        rl = s.exec(select(ExpectedReturn).where(ExpectedReturn.rma == "RMA-1001")).one()
        assert rl.qty_received == 1
        assert s.exec(select(AuditLog).where(AuditLog.entity_id == r.unit_id)).all()
    types = [e.type for e in events(svc)]
    assert types == ["unit.received", "unit.decided", "allocation.created"]
    created = events(svc, "allocation.created")[0].payload
    assert created["backorder_id"] == "BO-2" and created["epoch"] == 1


def test_json_contract_keys(svc: Services) -> None:
    out = svc.station.process([TEE_M], "A", "W7").to_json()
    for key, kind in [("unit_id", str), ("grade", str), ("decision", str)]:
        assert isinstance(out[key], kind)
    for key in ("sku", "backorder_id", "order_id", "allocation_id", "label_id", "reason"):
        assert key in out


def test_second_unit_takes_next_line_then_disposition_with_reason(svc: Services) -> None:
    first = svc.station.process([TEE_M], "A", "W7")
    second = svc.station.process([TEE_M], "A", "W7")
    third = svc.station.process([TEE_M], "A", "W7")
    assert [first.backorder_id, second.backorder_id] == ["BO-2", "BO-1"]
    assert third.decision == "restock" and third.backorder_id is None
    assert third.reason == "2 open lines for this SKU already fully allocated"
    assert third.action.startswith("RESTOCK BIN ")


def test_grade_below_minimum_gets_disposition_and_explanation(svc: Services) -> None:
    r = svc.station.process([TEE_M], "B", "W7")
    assert r.decision == "restock_open_box"
    assert r.reason == "2 open lines for this SKU need grade A; unit is B"
    open_box = svc.station.process([BOOT], "B", "W7")
    assert open_box.decision == "fill_backorder" and open_box.backorder_id == "BO-3"
    c = svc.station.process([BOOT], "C", "W7")
    assert c.decision == "send_to_dc" and "grade B; unit is C" in (c.reason or "")


def test_line_of_another_hub_is_never_taken(svc: Services) -> None:
    r = svc.station.process([TEE_L], "A", "W7")
    assert r.decision == "restock"
    assert r.reason == "1 backorder line for this SKU belongs to another hub"


def test_checklist_caps_the_grade(svc: Services) -> None:
    r = svc.station.process([TEE_M], "A", "W7", checklist={"tags_on": False, "works": True})
    assert r.grade == "B" and r.decision == "restock_open_box"
    with pytest.raises(ServiceError, match="unknown checklist"):
        svc.station.process([TEE_M], "A", "W7", checklist={"sparkly": True})


@pytest.mark.parametrize("grade", ["Z", "", "AA"])
def test_bad_grade_is_refused_before_anything_is_written(svc: Services, grade: str) -> None:
    with pytest.raises(ServiceError, match="unknown grade"):
        svc.station.process([TEE_M], grade, "W7")
    assert events(svc) == []


def test_grade_keys_map_to_grades(svc: Services) -> None:
    assert svc.station.process([TEE_M], "4", "W7").decision == "refurbish"
    assert svc.station.process([TEE_M], "5", "W7").decision == "liquidate"


def test_unknown_gtin_goes_to_hold_and_the_exception_queue(svc: Services) -> None:
    r = svc.station.process([UNKNOWN], "A", "W7")
    assert r.decision == "hold_unknown" and r.sku is None
    assert "not in the catalogue" in (r.reason or "")
    with svc.db.read() as s:
        exc = s.exec(select(HubException)).one()
        assert exc.kind == "unknown_item" and exc.unit_id == r.unit_id


def test_product_contradicting_rma_is_wrong_item(svc: Services) -> None:
    r = svc.station.process(["RMA-1001", BOOT], "A", "W7")
    assert r.decision == "hold_wrong_item"
    assert r.reason == "RMA RMA-1001 expects TEE-M, the product scanned is BOOT-42"
    assert line_filled(svc, "BO-3") == 0


def test_rma_alone_identifies_a_single_line_and_is_refused_when_full(svc: Services) -> None:
    assert svc.station.process(["RMA-1001"], "A", "W7").sku == "TEE-M"
    assert svc.station.process(["RMA-1001"], "C", "W7").sku == "TEE-M"
    with pytest.raises(Refused, match="already fully received"):
        svc.station.process(["RMA-1001"], "A", "W7")


def test_rma_with_several_items_needs_the_product(svc: Services) -> None:
    ident = svc.station.identify(["RMA-1002"])
    assert ident.status == "need_product"
    with pytest.raises(Refused, match="scan the product"):
        svc.station.process(["RMA-1002"], "A", "W7")
    assert svc.station.process([BOOT, "RMA-1002"], "A", "W7").backorder_id == "BO-3"


def test_identify_is_read_only_and_flags_hot(svc: Services) -> None:
    ident = svc.station.identify([TEE_M])
    assert ident.status == "ok" and ident.hot and ident.open_lines == 2
    assert ident.name == "Tee 'Classic' <b>" and ident.variant == "M"
    assert events(svc) == []


@pytest.mark.parametrize(
    "codes",
    [[TEE_M[:-1] + str((int(TEE_M[-1]) + 1) % 10)], ["\x1b[2J"], ["x" * 10_000], ["BADGE:W7"]],
)
def test_bad_scans_write_nothing(svc: Services, codes: list[str]) -> None:
    with pytest.raises(BadScan):
        svc.station.process(codes, "A", "W7")
    assert events(svc) == []


def test_gs1_serial_identifies_one_unit_once(svc: Services) -> None:
    code = f"]C101{TEE_M.rjust(14, '0')}21SER-1{GS}10LOT9"
    r = svc.station.process([code], "A", "W7")
    with svc.db.read() as s:
        unit = s.get(Unit, r.unit_id)
        assert unit is not None and (unit.serial, unit.lot) == ("SER-1", "LOT9")
    with pytest.raises(Refused, match="already decided"):
        svc.station.process([code], "A", "W7")


def test_receive_then_inspect_uses_the_received_unit(svc: Services) -> None:
    rec = svc.station.receive(["RMA-1001", TEE_M], "W7")
    assert rec.hot and rec.status == "received"
    r = svc.station.process(["RMA-1001", TEE_M], "A", "W8")
    assert r.unit_id == rec.unit_id and r.decision == "fill_backorder"
    assert len(events(svc, "unit.received")) == 1
    rec2 = svc.station.receive([TEE_L], "W7")
    assert not rec2.hot
    assert svc.station.inspect(rec2.unit_id, "C", "W7").decision == "send_to_dc"
    with pytest.raises(Refused, match="already decided"):
        svc.station.inspect(rec2.unit_id, "A", "W7")


def test_confirm_right_and_wrong_label(svc: Services) -> None:
    r = svc.station.process([TEE_M], "A", "W7")
    other = svc.station.process([TEE_L], "A", "W7")
    assert r.label_id and other.label_id
    with pytest.raises(Refused, match="WRONG LABEL"):
        svc.station.confirm(other.label_id, "W7", expected_label_id=r.label_id)
    with pytest.raises(Refused, match="not a Floor label"):
        svc.station.confirm(TEE_M, "W7")
    with pytest.raises(NotFound):
        svc.station.confirm("LBL-00000000000000000000", "W7")
    done = svc.station.confirm(r.label_id, "W7", expected_label_id=r.label_id)
    assert done.allocation_id == r.allocation_id
    with svc.db.read() as s:
        alloc = s.get(Allocation, r.allocation_id)
        assert alloc is not None and alloc.status == "relabelled"
    with pytest.raises(Refused, match="already confirmed"):
        svc.station.confirm(r.label_id, "W7")
    assert [e.payload["label_id"] for e in events(svc, "allocation.relabelled")] == [r.label_id]


def test_undo_restores_the_line_and_records_it(svc: Services, clock: Clock) -> None:
    r = svc.station.process([TEE_M], "A", "W7")
    clock.tick(30)
    u = svc.station.undo_last("W7")
    assert u.allocation_id == r.allocation_id
    assert line_filled(svc, "BO-2") == 0
    with svc.db.read() as s:
        alloc = s.get(Allocation, r.allocation_id)
        label = s.get(Label, r.label_id)
        unit = s.get(Unit, r.unit_id)
        dec = s.exec(select(Decision).where(Decision.unit_id == r.unit_id)).one()
    assert alloc is not None and alloc.status == "voided"
    assert label is not None and label.status == "voided"
    assert unit is not None and unit.status == "received"
    assert dec.undone_at is not None  # recorded, never deleted
    assert events(svc, "decision.undone")[0].payload["backorder_id"] == "BO-2"
    with pytest.raises(Refused, match="nothing to undo"):
        svc.station.undo_last("W7")
    # the unit is decided again from the pile and takes the same line
    again = svc.station.inspect(r.unit_id, "A", "W7")
    assert again.backorder_id == "BO-2"


def test_undo_window(svc: Services, clock: Clock) -> None:
    svc.station.process([TEE_L], "A", "W7")
    clock.tick(svc.settings.station.undo_window_seconds + 1)
    with pytest.raises(Refused, match="undo window"):
        svc.station.undo_last("W7")


def test_undo_only_touches_the_operators_own_decision(svc: Services) -> None:
    mine = svc.station.process([TEE_M], "A", "W7")
    svc.station.process([TEE_L], "A", "W8")
    assert svc.station.undo_last("W7").unit_id == mine.unit_id


def test_void_needs_a_lead_and_a_reason(svc: Services) -> None:
    r = svc.station.process([BOOT], "A", "W7")
    assert r.allocation_id
    with pytest.raises(NotAllowed):
        svc.station.void(r.allocation_id, "customer moved", "W7")
    with pytest.raises(ServiceError, match="reason"):
        svc.station.void(r.allocation_id, "  ", "LEAD1")
    v = svc.station.void(r.allocation_id, "customer moved", "LEAD1")
    assert v.backorder_id == "BO-3" and line_filled(svc, "BO-3") == 0
    with pytest.raises(Refused, match="already voided"):
        svc.station.void(r.allocation_id, "again", "LEAD1")
    with pytest.raises(NotFound):
        svc.station.void("A-NOPE", "x", "LEAD1")
    assert events(svc, "allocation.voided")[0].payload["reason"] == "customer moved"


def test_roster_refuses_unknown_badges(svc: Services) -> None:
    svc.settings.roster.operators = ["W7"]
    svc.station.sign_in("BADGE:W7")
    with pytest.raises(NotAllowed):
        svc.station.sign_in("W9")
    with pytest.raises(NotAllowed):
        svc.station.process([TEE_M], "A", "W9")
    assert svc.station.sign_in("LEAD1").role == "lead"


def test_history_lists_the_operators_units_newest_first(svc: Services, clock: Clock) -> None:
    a = svc.station.process([TEE_M], "A", "W7")
    clock.tick(1)
    b = svc.station.process([TEE_L], "C", "W7")
    hist = svc.station.history("W7")
    assert [h.unit_id for h in hist] == [b.unit_id, a.unit_id]
    assert hist[1].ship_to_city == "Lyon"


def test_held_unit_is_decided_again_once_the_catalogue_knows_it(svc: Services) -> None:
    code = f"]C101{UNKNOWN.rjust(14, '0')}21S-77"
    held = svc.station.receive([code], "W7")
    assert held.status == "held"
    with svc.db.write() as s:
        s.add(CatalogItem(sku="NEW-1", name="New thing"))
        s.flush()
        s.add(Gtin(gtin=UNKNOWN.rjust(14, "0"), sku="NEW-1"))
    r = svc.station.process([code], "A", "W7")
    assert r.unit_id == held.unit_id
    assert r.decision == "restock" and r.sku == "NEW-1"
    with svc.db.read() as s:
        exc = s.exec(select(HubException).where(HubException.unit_id == held.unit_id)).one()
    assert exc.resolved_at is not None and exc.resolution == "re-decided"
