"""Sign-out, idle sign-out, receive mode, help, history, palette, lead and camera keys."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlmodel import select
from tui_support import JACKET_EAN, LEAD, MUG_EAN, WORKER, banner_text, burst, press_alone, settle

from floor_app.store.models import Unit

pytestmark = pytest.mark.anyio


async def test_sign_out_key_and_idle_sign_out(station_app: Any, hub: Any) -> None:
    hub.services.settings.station.idle_signout_seconds = 60
    async with station_app.run_test(size=(80, 24)) as pilot:
        station = pilot.app.station
        await burst(pilot, WORKER)
        await pilot.press("f4")
        await settle(pilot)
        assert station.operator is None and station.state == "signed_out"

        await burst(pilot, WORKER)
        hub.idle.t += 30
        station.check_idle()
        assert station.operator is not None  # 30 s idle: still signed in
        await burst(pilot, MUG_EAN)  # activity resets the idle time
        hub.idle.t += 45
        station.check_idle()
        assert station.operator is not None
        hub.idle.t += 16
        station.check_idle()
        await settle(pilot)
        assert station.operator is None
        assert "idle" in banner_text(pilot.app)


async def test_receive_mode_flags_hot_units(station_app: Any, hub: Any) -> None:
    async with station_app.run_test(size=(80, 24)) as pilot:
        station = pilot.app.station
        await burst(pilot, WORKER)
        await pilot.press("f2")
        await settle(pilot)
        assert station.receive_mode
        await burst(pilot, JACKET_EAN)
        text = banner_text(pilot.app)
        assert text.startswith("hot :: HOT - INSPECT FIRST"), text
        await burst(pilot, MUG_EAN)
        assert banner_text(pilot.app).startswith("ok :: RECEIVED")
        with hub.services.db.read() as s:
            units = {u.sku: u for u in s.exec(select(Unit))}
        assert units["JKT-RED-M"].hot and not units["MUG-01"].hot
        assert all(u.status == "received" for u in units.values())
        await pilot.press("f2")
        await settle(pilot)
        assert not station.receive_mode


async def test_help_opens_with_f1_and_question_mark_and_a_scan_closes_it(
    station_app: Any,
) -> None:
    from floor_app.tui.screens.help import HelpScreen

    async with station_app.run_test(size=(80, 24)) as pilot:
        station = pilot.app.station
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(pilot.app.screen, HelpScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is station
        await press_alone(pilot, "?")
        assert isinstance(pilot.app.screen, HelpScreen)
        await burst(pilot, WORKER)  # a badge scan while help is open signs in
        assert pilot.app.screen is station
        assert station.operator is not None and station.operator.badge_id == WORKER


async def test_history_lists_my_units(station_app: Any) -> None:
    from floor_app.tui.screens.history import HistoryScreen
    from floor_app.tui.widgets.history_list import HistoryList

    async with station_app.run_test(size=(120, 40)) as pilot:
        await burst(pilot, WORKER)
        await burst(pilot, MUG_EAN)
        await press_alone(pilot, "1")
        await burst(pilot, JACKET_EAN)
        await press_alone(pilot, "1")
        rows = pilot.app.screen.query_one(HistoryList).rows
        assert [r.sku for r in rows] == ["JKT-RED-M", "MUG-01"]
        await press_alone(pilot, "h")
        assert isinstance(pilot.app.screen, HistoryScreen)
        plain = pilot.app.screen.query_one(HistoryList).render().plain
        assert "FILL BACKORDER" in plain and "MUG-01" in plain


async def test_command_palette_runs_station_actions(station_app: Any) -> None:
    from floor_app.tui.commands import StationCommands

    async with station_app.run_test(size=(80, 24)) as pilot:
        station = pilot.app.station
        await burst(pilot, WORKER)
        provider = StationCommands(pilot.app.screen, None)
        hits = [hit async for hit in provider.search("receive")]
        assert hits, "the palette finds the receive-mode action"
        hits[0].command()
        await settle(pilot)
        assert station.receive_mode
        await pilot.press("ctrl+p")
        await settle(pilot)
        from textual.command import CommandPalette

        assert isinstance(pilot.app.screen, CommandPalette)


async def test_lead_key_needs_a_lead(station_app: Any) -> None:
    async with station_app.run_test(size=(80, 24)) as pilot:
        station = pilot.app.station
        await burst(pilot, WORKER)
        await press_alone(pilot, "l")
        assert pilot.app.screen is station  # a worker gets a notice, not the lead screens
        await burst(pilot, LEAD)
        assert station.operator is not None and station.operator.role == "lead"
        await pilot.press("f9")
        await settle(pilot)
        try:
            from floor_app.tui.lead import LeadScreen  # type: ignore[attr-defined]
        except ImportError:
            assert pilot.app.screen is station
            assert any("not installed" in str(n.message) for n in pilot.app._notifications)
        else:
            assert isinstance(pilot.app.screen, LeadScreen)


async def test_camera_scans_are_routed_like_wedge_scans(
    station_app: Any, hub: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import floor_app.scanning.camera as camera_mod

    class FakeCamera:
        """Calls back from its own thread, like the real scanner's dispatcher."""

        def __init__(self, source: str, on_scan: Any, on_status: Any = None) -> None:
            self.on_scan = on_scan
            self.stopped = False

        def start(self) -> None:
            threading.Thread(target=self.on_scan, args=(MUG_EAN, "EAN-13")).start()

        def stop(self, timeout: float = 2.0) -> None:
            self.stopped = True

    monkeypatch.setattr(camera_mod, "CameraScanner", FakeCamera)
    hub.services.settings.scanner.camera_device = "0"
    async with station_app.run_test(size=(80, 24)) as pilot:
        station = pilot.app.station
        await burst(pilot, WORKER)
        await pilot.press("f6")
        await pilot.pause(0.1)
        await settle(pilot)
        assert station.state == "grading" and station.codes == [MUG_EAN]
        camera = station.camera
        await pilot.press("f6")
        assert camera.stopped and station.camera is None


async def test_keys_before_the_focus_lands_still_reach_the_scan_field(station_app: Any) -> None:
    async with station_app.run_test(size=(80, 24)) as pilot:
        station = pilot.app.station
        pilot.app.set_focus(None)  # as in the instant between the first paint and focus
        await burst(pilot, WORKER)
        assert station.operator is not None and station.operator.badge_id == WORKER


async def test_lazy_start_queues_a_scan_until_the_database_is_open(hub: Any) -> None:
    import threading

    from floor_app.tui.app import make_lazy_app

    gate = threading.Event()

    def open_services() -> Any:
        gate.wait(10)  # the database is still opening when the badge is scanned
        return hub.services

    app = make_lazy_app(hub.services.settings, open_services)
    async with app.run_test(size=(80, 24)) as pilot:
        station = app.station
        assert station.state == "starting"
        await burst(pilot, WORKER, settle_workers=False)
        assert station.operator is None and station._queue
        gate.set()
        await settle(pilot)
        assert station.operator is not None and station.operator.badge_id == WORKER


async def test_lazy_start_reports_a_database_that_cannot_open(hub: Any) -> None:
    from floor_app.tui.app import make_lazy_app

    class BadInput(Exception):
        pass

    def open_services() -> Any:
        raise BadInput("database is not initialised: run `floor init` first")

    app = make_lazy_app(hub.services.settings, open_services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
    assert app.return_code == 2
    assert "floor init" in app.exit_message


async def test_camera_key_without_a_device_says_which_key_to_set(station_app: Any) -> None:
    async with station_app.run_test(size=(80, 24)) as pilot:
        await burst(pilot, WORKER)
        await pilot.press("f6")
        await settle(pilot)
        messages = [str(n.message) for n in pilot.app._notifications]
        # Shown as text, not markup: "[scanner]" must not be eaten as a style tag.
        assert any("[scanner] camera_device" in m for m in messages), messages
        assert pilot.app.station.camera is None


async def test_high_contrast_theme_from_config(hub: Any) -> None:
    from floor_app.tui.app import make_app

    hub.services.settings.station.theme = "high-contrast"
    app = make_app(hub.services, idle_clock=hub.idle)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.theme == "floor-high-contrast"
        banner = app.screen.query_one("#banner")
        await burst(pilot, WORKER)
        await burst(pilot, "4006381333932")  # an error: red on black, not the dark theme's
        r, g, b = banner.styles.background.rgb
        assert r >= 250 and g <= 5 and b <= 5  # pure red
        app.action_toggle_contrast()
        await pilot.pause()
        assert app.theme == "floor-dark"
