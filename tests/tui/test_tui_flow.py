"""The full loop at the station: sign in, scan, grade, the fill, confirm the label, undo."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select
from tui_support import (
    JACKET_EAN,
    JACKET_GS1,
    MUG_EAN,
    WORKER,
    banner_text,
    burst,
    press_alone,
)

from floor_app.store.models import Allocation, BackorderLine, Inspection, Label

pytestmark = pytest.mark.anyio


async def sign_in(pilot: Any) -> None:
    await burst(pilot, WORKER)
    assert pilot.app.station.operator is not None
    assert pilot.app.station.operator.badge_id == WORKER


async def test_full_loop_fill_confirm_undo(station_app: Any, hub: Any) -> None:
    async with station_app.run_test(size=(80, 24)) as pilot:
        station = pilot.app.station
        assert station.state == "signed_out"
        assert "SCAN BADGE" in banner_text(pilot.app)
        await sign_in(pilot)
        assert "SIGNED IN" in banner_text(pilot.app)

        await burst(pilot, JACKET_GS1)
        assert station.state == "grading", banner_text(pilot.app)
        assert "HOT" in banner_text(pilot.app)
        assert "JKT-RED-M" in banner_text(pilot.app)

        await press_alone(pilot, "1")  # grade A with the numeric key
        text = banner_text(pilot.app)
        assert station.state == "decided", text
        assert text.startswith("fill :: FILL BACKORDER"), text
        assert "ORD-1001" in text and "Lyon" in text and "Rain jacket" in text
        last = station.last
        assert last is not None and last.label_id and last.allocation_id

        with hub.services.db.read() as s:
            line = s.get(BackorderLine, "BO-1")
            assert line is not None and line.qty_filled == 1

        # The confirm scan of the printed label.
        await burst(pilot, last.label_id)
        assert "LABEL OK" in banner_text(pilot.app), banner_text(pilot.app)
        with hub.services.db.read() as s:
            alloc = s.get(Allocation, last.allocation_id)
            assert alloc is not None and alloc.status == "relabelled"

        # Undo the last decision with one key.
        await press_alone(pilot, "u")
        assert "UNDONE" in banner_text(pilot.app), banner_text(pilot.app)
        with hub.services.db.read() as s:
            alloc = s.get(Allocation, last.allocation_id)
            line = s.get(BackorderLine, "BO-1")
            assert alloc is not None and alloc.status == "voided"
            assert line is not None and line.qty_filled == 0


async def test_restock_with_checklist_and_note(station_app: Any, hub: Any) -> None:
    async with station_app.run_test(size=(80, 24)) as pilot:
        station = pilot.app.station
        await sign_in(pilot)
        await burst(pilot, MUG_EAN)
        assert station.state == "grading"
        await press_alone(pilot, "6")  # tags_on -> no
        await press_alone(pilot, "n")  # note
        assert station.note_mode
        await burst(pilot, "dented lid", gap_ms=150)  # typed by hand: a note, not a scan
        assert not station.note_mode and station.note == "dented lid"
        await press_alone(pilot, "a")
        text = banner_text(pilot.app)
        # tags_on "no" caps the grade at B: restock open box.
        assert "RESTOCK OPEN BOX BIN" in text, text
        assert "Grade: B" in text
        with hub.services.db.read() as s:
            labels = list(s.exec(select(Label)))
        assert len(labels) == 1 and labels[0].kind == "restock_open_box"


async def test_scan_during_grade_prompt_is_a_scan_not_grades(station_app: Any) -> None:
    # "1" and "2" and "A" are grade keys; a burst starting with them must stay a scan.
    async with station_app.run_test(size=(80, 24)) as pilot:
        station = pilot.app.station
        await sign_in(pilot)
        await burst(pilot, JACKET_EAN)
        assert station.state == "grading"
        await burst(pilot, "5012345678900")  # starts with "5" = grade F
        assert station.state == "grading", banner_text(pilot.app)
        assert "MUG-01" in banner_text(pilot.app)
        assert station.last is None  # nothing was decided


async def test_hand_typed_code_works(station_app: Any) -> None:
    async with station_app.run_test(size=(80, 24)) as pilot:
        station = pilot.app.station
        await sign_in(pilot)
        await burst(pilot, MUG_EAN, gap_ms=180)
        assert station.state == "grading", banner_text(pilot.app)
        assert "MUG-01" in banner_text(pilot.app)


async def test_scan_while_typing_a_note_keeps_the_note_and_routes_the_scan(
    station_app: Any, hub: Any
) -> None:
    async with station_app.run_test(size=(80, 24)) as pilot:
        station = pilot.app.station
        await sign_in(pilot)
        await burst(pilot, MUG_EAN)
        await press_alone(pilot, "n")
        await burst(pilot, "scuff", gap_ms=150, enter=False)  # typed by hand, no Enter yet
        await burst(pilot, "RMA-5002")  # the scanner fires: a burst ending in Enter
        assert not station.note_mode
        # The typed part is the note; the burst is a scan (this unit's RMA), not note text.
        assert station.note == "scuff"
        assert station.codes == [MUG_EAN, "RMA-5002"]
        assert station.state == "grading", banner_text(pilot.app)
        await press_alone(pilot, "2")
        assert "RESTOCK OPEN BOX" in banner_text(pilot.app)
        with hub.services.db.read() as s:
            (inspection,) = s.exec(select(Inspection)).all()
        assert inspection.note == "scuff"
