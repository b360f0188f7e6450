"""Every error path at the station: loud, acknowledged before the next scan, scan kept."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from sqlmodel import select
from textual import events
from tui_support import (
    JACKET_EAN,
    MUG_EAN,
    UNKNOWN_EAN,
    WORKER,
    banner_text,
    burst,
    press_alone,
    settle,
)

from floor_app.store.models import Decision, HubException, Label

pytestmark = pytest.mark.anyio


def count_bells(app: Any) -> list[int]:
    rung = [0]

    def bell() -> None:
        rung[0] += 1

    app.bell = bell
    return rung


async def test_unknown_item_is_held_loudly(station_app: Any, hub: Any) -> None:
    async with station_app.run_test(size=(80, 24)) as pilot:
        bells = count_bells(pilot.app)
        await burst(pilot, WORKER)
        await burst(pilot, UNKNOWN_EAN)
        assert "UNKNOWN ITEM" in banner_text(pilot.app)
        assert banner_text(pilot.app).startswith("hold")
        assert bells[0] == 1
        await press_alone(pilot, "3")
        text = banner_text(pilot.app)
        assert "HOLD - UNKNOWN ITEM" in text and "EXCEPTION SHELF" in text, text
        assert bells[0] == 2
        with hub.services.db.read() as s:
            assert [e.kind for e in s.exec(select(HubException))] == ["unknown_item"]


async def test_wrong_item_for_the_rma_is_held(station_app: Any, hub: Any) -> None:
    async with station_app.run_test(size=(80, 24)) as pilot:
        station = pilot.app.station
        await burst(pilot, WORKER)
        await burst(pilot, "RMA-5002")  # one line: a mug; the product scan checks it
        assert "MUG-01" in banner_text(pilot.app), banner_text(pilot.app)
        assert "scan the product" in banner_text(pilot.app)
        await burst(pilot, JACKET_EAN)
        assert station.codes == ["RMA-5002", JACKET_EAN]
        assert "WRONG ITEM" in banner_text(pilot.app), banner_text(pilot.app)
        await press_alone(pilot, "1")
        assert "HOLD - WRONG ITEM" in banner_text(pilot.app)
        with hub.services.db.read() as s:
            decisions = list(s.exec(select(Decision)))
        assert [d.decision for d in decisions] == ["hold_wrong_item"]


async def test_wrong_label_is_refused_and_must_be_acknowledged(station_app: Any, hub: Any) -> None:
    async with station_app.run_test(size=(80, 24)) as pilot:
        station = pilot.app.station
        bells = count_bells(pilot.app)
        await burst(pilot, WORKER)
        await burst(pilot, JACKET_EAN)
        await press_alone(pilot, "a")
        label_id = station.last.label_id
        await burst(pilot, "LBL-0000WRONG00")
        text = banner_text(pilot.app)
        assert station.state == "error"
        assert text.startswith("error :: WRONG LABEL"), text
        assert "Scanned: LBL-0000WRONG00" in text
        assert bells[0] == 1
        # The next scan is not taken until the error is acknowledged; the refused one stays.
        await burst(pilot, label_id)
        assert station.state == "error" and "LBL-0000WRONG00" in banner_text(pilot.app)
        assert bells[0] == 2
        await pilot.press("enter")
        await settle(pilot)
        assert station.state == "decided"
        assert "FILL BACKORDER" in banner_text(pilot.app)
        await burst(pilot, label_id)
        assert "LABEL OK" in banner_text(pilot.app)
        with hub.services.db.read() as s:
            label = s.get(Label, label_id)
            assert label is not None and label.status == "confirmed"


async def test_bad_barcode_shows_the_refused_scan(station_app: Any) -> None:
    async with station_app.run_test(size=(80, 24)) as pilot:
        station = pilot.app.station
        await burst(pilot, WORKER)
        await burst(pilot, "4006381333932")  # check digit wrong
        text = banner_text(pilot.app)
        assert text.startswith("error :: BAD BARCODE"), text
        assert "Scanned: 4006381333932" in text
        await pilot.press("escape")
        await settle(pilot)
        assert station.state == "idle"
        await burst(pilot, MUG_EAN)
        assert station.state == "grading"


async def test_control_characters_and_markup_are_shown_not_obeyed(station_app: Any) -> None:
    async with station_app.run_test(size=(80, 24)) as pilot:
        await burst(pilot, WORKER)
        pilot.app.screen.query_one("#scan").post_message(events.Paste("[red]x\x1b[2J\x07"))
        await settle(pilot)
        text = banner_text(pilot.app)
        assert text.startswith("error ::"), text
        assert "[red]x\\x1b[2J\\x07" in text
        assert "\x1b" not in text and "\x07" not in text
        # The banner renders a Text, never markup: the brackets survive to the screen.
        from floor_app.tui.widgets.answer_banner import AnswerBanner

        rendered = pilot.app.screen.query_one(AnswerBanner).render()
        plain = "".join(getattr(r, "plain", "") for r in rendered.renderables)
        assert "[red]x" in plain


async def test_database_locked_is_an_error_then_the_grade_can_be_retried(
    station_app: Any, hub: Any
) -> None:
    path = hub.services.settings.database_url().removeprefix("sqlite:///")
    async with station_app.run_test(size=(80, 24)) as pilot:
        station = pilot.app.station
        await burst(pilot, WORKER)
        await burst(pilot, MUG_EAN)
        assert station.state == "grading"
        other = sqlite3.connect(path, timeout=0.1, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
        try:
            await press_alone(pilot, "1")
            text = banner_text(pilot.app)
            assert text.startswith("error :: DATABASE PROBLEM"), text
            assert "locked" in text
        finally:
            other.execute("ROLLBACK")
            other.close()
        await pilot.press("enter")
        await settle(pilot)
        assert station.state == "grading"  # the same unit, ready to grade again
        await press_alone(pilot, "1")
        assert "RESTOCK BIN" in banner_text(pilot.app), banner_text(pilot.app)


async def test_badge_not_on_roster_is_not_allowed(station_app: Any, hub: Any) -> None:
    hub.services.settings.roster.operators = ["OP-W1"]
    async with station_app.run_test(size=(80, 24)) as pilot:
        await burst(pilot, WORKER)
        text = banner_text(pilot.app)
        assert text.startswith("error :: NOT ALLOWED"), text
        assert pilot.app.station.operator is None


async def test_undo_after_the_window_is_refused(station_app: Any, hub: Any) -> None:
    async with station_app.run_test(size=(80, 24)) as pilot:
        await burst(pilot, WORKER)
        await burst(pilot, MUG_EAN)
        await press_alone(pilot, "1")
        hub.clock.advance(hub.services.settings.station.undo_window_seconds + 1)
        await pilot.press("f8")
        await settle(pilot)
        text = banner_text(pilot.app)
        assert text.startswith("error :: REFUSED") and "undo window" in text, text


async def test_no_bell_when_the_config_says_so(station_app: Any, hub: Any) -> None:
    hub.services.settings.station.bell = False
    async with station_app.run_test(size=(80, 24)) as pilot:
        bells = count_bells(pilot.app)
        await burst(pilot, WORKER)
        await burst(pilot, "4006381333932")
        assert banner_text(pilot.app).startswith("error ::")
        assert bells[0] == 0
