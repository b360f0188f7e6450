"""The station pushes the lead's screen for a lead (F9 or L) and the screen picks up the
badge signed in on the station underneath; a worker gets no queues."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from lead_hubstate import INSPECT_ORDER

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui"))
from tui_support import FakeMonotonic, burst, press_alone

from floor_app.tui.lead.screen import LeadScreen
from floor_app.tui.lead.table import QueueTable

pytestmark = pytest.mark.anyio


async def _wait(pilot: Any, cond: Any, what: str) -> None:
    for _ in range(200):
        if cond():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def test_a_lead_signed_in_at_the_station_opens_the_queues(hub: Any) -> None:
    from floor_app.tui.app import make_app

    app = make_app(hub, idle_clock=FakeMonotonic())
    async with app.run_test(size=(160, 45)) as pilot:
        await burst(pilot, "BADGE:L1")
        await press_alone(pilot, "f9")
        await _wait(
            pilot,
            lambda: isinstance(app.screen, LeadScreen) and bool(app.screen.query("#lead-status")),
            "lead screen",
        )
        screen = app.screen
        assert isinstance(screen, LeadScreen) and screen.operator == "L1"
        table = screen.query_one("#table-inspect", QueueTable)
        await _wait(pilot, lambda: table.row_count == len(INSPECT_ORDER), "rows")
        assert [str(r.key.value) for r in table.ordered_rows] == INSPECT_ORDER
        await pilot.press("escape")
        await _wait(pilot, lambda: not isinstance(app.screen, LeadScreen), "back to station")


async def test_a_worker_signed_in_at_the_station_gets_no_queues(hub: Any) -> None:
    from floor_app.tui.app import make_app

    app = make_app(hub, idle_clock=FakeMonotonic())
    async with app.run_test(size=(160, 45)) as pilot:
        await burst(pilot, "BADGE:W1")
        await press_alone(pilot, "f9")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, LeadScreen)
        # pushed anyway (say by another path), the screen itself refuses the worker
        screen = LeadScreen(hub)
        app.push_screen(screen)
        await _wait(pilot, lambda: bool(screen.query("#lead-refused.shown")), "refusal")
        assert screen.operator == "W1"
        assert screen.query_one("#table-inspect", QueueTable).row_count == 0
