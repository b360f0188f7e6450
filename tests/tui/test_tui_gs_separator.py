"""The GS1 separator (ASCII 29) survives from the terminal to the barcode parser.

Textual's xterm parser turns byte 0x1d into the key ``ctrl+right_square_bracket`` with the
character ``\\x1d`` (textual/_ansi_sequences.py); Textual's ``Input`` drops it as not
printable. These tests drive the same parser the terminal driver uses.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select
from textual import events
from textual._xterm_parser import XTermParser
from tui_support import JACKET_EAN, JACKET_GS1, WORKER, banner_text, burst, press_alone, settle

from floor_app.scanning.wedge import GS
from floor_app.store.models import Unit

pytestmark = pytest.mark.anyio


def test_textual_parses_0x1d_as_ctrl_right_square_bracket() -> None:
    keys = [e for e in XTermParser().feed("01" + GS + "21") if isinstance(e, events.Key)]
    assert [k.key for k in keys] == ["0", "1", "ctrl+right_square_bracket", "2", "1"]
    assert keys[2].character == GS and not keys[2].is_printable


async def test_gs_and_aim_prefix_reach_the_parser(station_app: Any, hub: Any) -> None:
    async with station_app.run_test(size=(80, 24)) as pilot:
        station = pilot.app.station
        await burst(pilot, WORKER)
        await burst(pilot, JACKET_GS1)  # ]C1 01<gtin> 10LOT7 <GS> 21SER001
        assert station.codes == [JACKET_GS1]
        assert station.codes[0].startswith("]C1") and GS in station.codes[0]
        # Without the GS the lot would swallow "21SER001": the serial proves it survived.
        assert station.ident is not None and station.ident.serial == "SER001"
        await press_alone(pilot, "1")
        with hub.services.db.read() as s:
            unit = s.exec(select(Unit)).one()
        assert (unit.lot, unit.serial) == ("LOT7", "SER001")
        assert "FILL BACKORDER" in banner_text(pilot.app)


async def test_whole_burst_through_one_parser_feed(station_app: Any) -> None:
    # A terminal read delivers the whole burst at once: one parser feed, like the driver.
    async with station_app.run_test(size=(80, 24)) as pilot:
        station = pilot.app.station
        await burst(pilot, WORKER)
        app = pilot.app
        for ev in XTermParser().feed(JACKET_GS1 + "\r"):
            ev.set_sender(app)
            app._driver.send_message(ev)
        await settle(pilot)
        assert station.codes == [JACKET_GS1]


async def test_pilot_press_of_the_ctrl_key_name_also_works(station_app: Any) -> None:
    # Pilot builds the key without its character; the field knows the key name too.
    async with station_app.run_test(size=(80, 24)) as pilot:
        station = pilot.app.station
        await burst(pilot, WORKER)
        scan = pilot.app.screen.query_one("#scan")
        await pilot.press(*"]C1010" + JACKET_EAN + "10LOT7")
        await pilot.press("ctrl+right_square_bracket")
        await pilot.press(*"21SER001")
        assert scan.buffer.text == JACKET_GS1
        assert station.state == "idle"  # no Enter yet: nothing submitted


async def test_pasted_scan_keeps_gs(station_app: Any) -> None:
    async with station_app.run_test(size=(80, 24)) as pilot:
        station = pilot.app.station
        await burst(pilot, WORKER)
        pilot.app.screen.query_one("#scan").post_message(events.Paste(JACKET_GS1 + "\n"))
        await settle(pilot)
        assert station.codes == [JACKET_GS1]
        assert station.ident is not None and station.ident.serial == "SER001"


async def test_screen_shows_gs_visibly(station_app: Any) -> None:
    async with station_app.run_test(size=(80, 24)) as pilot:
        await burst(pilot, WORKER)
        await burst(pilot, JACKET_GS1, enter=False)
        scan = pilot.app.screen.query_one("#scan")
        assert "<GS>" in scan.render().plain
