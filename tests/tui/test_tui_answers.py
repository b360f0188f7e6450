"""The banner's words and colours for every result, and the big letters (no terminal)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from floor_app.services.station import DecisionResult, Identification
from floor_app.tui import answers, bigtext


def decision(kind: str, **kw: object) -> DecisionResult:
    base: dict[str, object] = dict(
        unit_id="U-1", sku="SKU-1", grade="B", decision=kind, backorder_id=None,
        order_id=None, allocation_id=None, label_id="LBL-ABCDEF12", reason=None,
        name="Jacket", variant="M", action=kind.upper(), location="",
        decided_at=datetime(2026, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    base.update(kw)
    return DecisionResult(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "tone"),
    [
        ("fill_backorder", "fill"),
        ("restock", "restock"),
        ("restock_open_box", "restock"),
        ("send_to_dc", "amber"),
        ("refurbish", "amber"),
        ("liquidate", "grey"),
        ("recycle", "grey"),
        ("hold_unknown", "hold"),
        ("hold_wrong_item", "hold"),
    ],
)
def test_each_decision_has_its_colour(kind: str, tone: str) -> None:
    a = answers.decision_answer(decision(kind))
    assert a.tone == tone
    assert a.loud is (tone == "hold")
    assert ("Label", "LBL-ABCDEF12") in a.lines


def test_fill_shows_order_and_city_and_no_backorder_shows_why() -> None:
    fill = answers.decision_answer(
        decision("fill_backorder", order_id="ORD-9", ship_to_city="Lyon", location="LANE 2")
    )
    assert fill.lines[:2] == (("Order", "ORD-9"), ("Ship to", "Lyon"))
    dc = answers.decision_answer(decision("send_to_dc", reason="no open line takes grade C"))
    assert ("Why", "no open line takes grade C") in dc.lines


def test_outside_text_is_escaped() -> None:
    a = answers.decision_answer(decision("restock", name="Mug\x1b[31m", variant="[b]x"))
    item = dict(a.lines)["Item"]
    assert "\x1b" not in item and "\\x1b[31m" in item and "[b]x" in item


def test_identification_hot_and_unknown() -> None:
    ident = Identification(
        status="ok", sku="S", name="N", variant="V", gtin="0" * 14, serial=None, rma=None,
        reason=None, hot=True, open_lines=2, codes=("x",),
    )  # fmt: skip
    assert answers.identification_answer(ident).tone == "hot"
    unknown = Identification(
        status="unknown", sku=None, name="", variant="", gtin="0" * 14, serial=None, rma=None,
        reason="GTIN not in the catalogue", hot=False, open_lines=0, codes=("x",),
    )  # fmt: skip
    a = answers.identification_answer(unknown)
    assert a.tone == "hold" and a.loud and "UNKNOWN" in a.headline


def test_error_answer_keeps_the_scan_and_needs_ack() -> None:
    a = answers.error_answer("BAD BARCODE", "check digit", "123\x1d4")
    assert a.needs_ack and a.scan == "123\x1d4"
    assert ("Scanned", "123<GS>4") in a.lines


def test_checklist_cycles_no_yes_unanswered() -> None:
    c = answers.Checklist(("tags_on",))
    assert c.answered() == {}
    c.toggle("tags_on")
    assert c.answered() == {"tags_on": False} and c.mark("tags_on") == "✗"
    c.toggle("tags_on")
    assert c.answered() == {"tags_on": True}
    c.toggle("tags_on")
    assert c.answered() == {}


def test_big_letters_fit_or_fall_back() -> None:
    rows = bigtext.wrap_big("FILL BACKORDER", 76)
    assert rows is not None and len(rows) == 1 and len(rows[0]) == 3
    assert all(len(r) == bigtext.width_of("FILL BACKORDER") for r in rows[0])
    two = bigtext.wrap_big("RESTOCK OPEN BOX BIN A-03", 76)
    assert two is not None and len(two) == 2
    assert bigtext.wrap_big("RESTOCK OPEN BOX BIN A-03", 20) is None  # too narrow: plain
    assert bigtext.wrap_big("naïve ☃", 200) is None  # unknown glyphs: plain text
