"""Pilot tests of the lead's screens on the known hub state: rows, order, actions, roles."""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lead_hubstate import (
    AWAITING_ORDER,
    BACKORDER_ORDER,
    EXPECTED_ORDER,
    INSPECT_ORDER,
    LEAD,
    NOW,
    WORKER,
)
from sqlmodel import select
from textual.widgets import Input, Sparkline, Static, TabbedContent

from floor_app.tui.lead.app import LeadApp
from floor_app.tui.lead.numbers import NumbersPane, summary_rows
from floor_app.tui.lead.screen import LeadScreen
from floor_app.tui.lead.table import QueueTable

pytestmark = pytest.mark.anyio

SIZE = (180, 50)


async def until(pilot: Any, cond: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Wait for the workers: poll ``cond`` while letting the app run."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not cond():
        if loop.time() > end:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


def keys_of(table: QueueTable) -> list[str]:
    return [str(r.key.value) for r in table.ordered_rows]


def lead_screen(app: LeadApp) -> LeadScreen:
    screen = app.screen
    assert isinstance(screen, LeadScreen)
    return screen


async def mounted(pilot: Any, app: LeadApp) -> LeadScreen:
    """The lead screen with its widgets (a pushed screen composes a moment later)."""

    def done() -> bool:
        return isinstance(app.screen, LeadScreen) and bool(app.screen.query("#lead-status"))

    await until(pilot, done, "lead screen")
    return lead_screen(app)


async def ready(pilot: Any, app: LeadApp) -> QueueTable:
    """The lead screen is allowed and its first tab loaded."""
    await mounted(pilot, app)
    table = app.screen.query_one("#table-inspect", QueueTable)
    await until(pilot, lambda: table.row_count > 0, "inspect rows")
    return table


async def open_tab(pilot: Any, app: LeadApp, key: str, tab: str, n: int) -> QueueTable:
    await ready(pilot, app)
    await pilot.press(key)
    table = app.screen.query_one(f"#table-{tab}", QueueTable)
    await until(pilot, lambda: table.row_count == n, f"{tab} rows")
    return table


async def test_each_queue_shows_its_rows_in_order(hub: Any) -> None:
    app = LeadApp(hub, operator=LEAD)
    async with app.run_test(size=SIZE) as pilot:
        table = await ready(pilot, app)
        await until(pilot, lambda: table.row_count == len(INSPECT_ORDER), "inspect rows")
        assert keys_of(table) == INSPECT_ORDER
        assert table.current_key() == INSPECT_ORDER[0]
        tabs = app.screen.query_one(TabbedContent)
        assert str(tabs.get_tab("inspect").label) == "Inspect next (7)"
        assert keys_of(await open_tab(pilot, app, "2", "expected", 3)) == [
            f"{r}/{s}" for r, s in zip(EXPECTED_ORDER, ["SKU-A", "SKU-B", "SKU-D"], strict=True)
        ]
        assert keys_of(await open_tab(pilot, app, "3", "awaiting", 2)) == AWAITING_ORDER
        exc = await open_tab(pilot, app, "4", "exceptions", 3)
        assert keys_of(exc)[2] == "LBL-17"
        assert keys_of(await open_tab(pilot, app, "5", "backorders", 4)) == BACKORDER_ORDER
        # markup in a customer's name is shown as typed, not obeyed
        expected = app.screen.query_one("#table-expected", QueueTable)
        assert expected.get_cell("RMA-4/SKU-D", "customer").plain == "[bold]Di[/bold]"


async def test_numbers_tab(hub: Any) -> None:
    app = LeadApp(hub, operator=LEAD)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await pilot.press("6")
        screen = lead_screen(app)
        await until(pilot, lambda: len(screen.query(Sparkline)) == 2, "sparklines")
        await pilot.pause(0.3)
        assert screen.query_one(TabbedContent).active == "numbers"
        sparks = list(screen.query(Sparkline))
        pane = screen.query_one(NumbersPane)
        assert pane.numbers is not None
        assert list(sparks[0].data or [])[13] == 2  # W1: two units in the 13:00 hour
        shown = {name: (today, week) for name, today, week in summary_rows(pane.numbers)}
        assert shown["Local fills"] == ("2", "3")
        assert shown["Cost saved"] == ("$60.00", "$90.00")
        assert shown["Revenue protected"] == ("$70.00", "$100.00")
        assert shown["Median return-to-resale"] == ("8.5 h", "24.0 h")
        assert shown["Units per operator-hour"] == ("1.3", "1.2")  # 4/3 h and 6/5 h


async def test_a_worker_badge_is_refused(hub: Any) -> None:
    app = LeadApp(hub, operator=WORKER)
    async with app.run_test(size=SIZE) as pilot:
        screen = await mounted(pilot, app)
        refused = screen.query_one("#lead-refused", Static)
        await until(pilot, lambda: refused.has_class("shown"), "refusal")
        assert "is not a shift lead" in str(refused.render())
        assert screen.query_one(TabbedContent).display is False
        assert screen.query_one("#table-inspect", QueueTable).row_count == 0
        await pilot.press("e")  # actions do nothing for a refused badge
        assert len(app.screen_stack) == 3  # default screen, sign-in, lead screen


async def test_sign_in_with_a_lead_badge_opens_the_queues(hub: Any) -> None:
    app = LeadApp(hub)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"BADGE:L1", "enter")
        table = await ready(pilot, app)
        await until(pilot, lambda: table.row_count == 7, "rows")
        assert lead_screen(app).operator == LEAD


async def test_refresh_keeps_the_cursor_on_its_row(hub: Any) -> None:
    from floor_app.store.models import Unit

    app = LeadApp(hub, operator=LEAD)
    async with app.run_test(size=SIZE) as pilot:
        table = await ready(pilot, app)
        await until(pilot, lambda: table.row_count == 7, "rows")
        await pilot.press("down", "down")
        assert table.current_key() == "U-2"
        with hub.db.write() as s:  # an older SKU-B unit arrives: it goes first
            s.add(Unit(unit_id="U-99", sku="SKU-B", codes=[], status="received", hot=True,
                       received_at=NOW.replace(hour=1), received_by=WORKER))  # fmt: skip
        await pilot.press("f5")
        await until(pilot, lambda: table.row_count == 8, "new row")
        assert keys_of(table)[0] == "U-99"
        assert table.current_key() == "U-2" and table.cursor_row == 3


async def test_filter_and_sort(hub: Any) -> None:
    app = LeadApp(hub, operator=LEAD)
    async with app.run_test(size=SIZE) as pilot:
        table = await ready(pilot, app)
        await until(pilot, lambda: table.row_count == 7, "rows")
        await pilot.press("slash", *"sku-b", "enter")
        assert keys_of(table) == ["U-14", "U-3", "U-2"]
        await pilot.press("s")  # by Unit ascending
        assert keys_of(table) == ["U-14", "U-2", "U-3"]
        await pilot.press("s")  # by Unit descending
        assert keys_of(table) == ["U-3", "U-2", "U-14"]
        await pilot.press("slash", "escape")  # clear the filter
        assert table.row_count == 7


async def test_void_an_allocation_with_a_reason(hub: Any) -> None:
    from floor_app.store.models import Allocation, AuditLog

    app = LeadApp(hub, operator=LEAD)
    async with app.run_test(size=SIZE) as pilot:
        table = await open_tab(pilot, app, "3", "awaiting", 2)
        await pilot.press("v")
        await until(pilot, lambda: len(app.screen.query("#prompt-input")) == 1, "prompt")
        await pilot.press(*"wrong size", "enter")
        await until(pilot, lambda: table.row_count == 1, "row gone")
        assert keys_of(table) == ["A-17"]
    with hub.db.read() as s:
        alloc = s.get(Allocation, "A-10")
        assert (alloc.status, alloc.void_reason) == ("voided", "wrong size")
        assert any(
            a.action == "void" and a.operator == LEAD for a in s.exec(select(AuditLog)).all()
        )


async def test_resolve_an_exception(hub: Any) -> None:
    from floor_app.store.models import HubException

    app = LeadApp(hub, operator=LEAD)
    async with app.run_test(size=SIZE) as pilot:
        table = await open_tab(pilot, app, "4", "exceptions", 3)
        await pilot.press("x")
        await until(pilot, lambda: len(app.screen.query("#prompt-input")) == 1, "prompt")
        await pilot.press(*"GTIN added", "enter")
        await until(pilot, lambda: table.row_count == 2, "row gone")
    with hub.db.read() as s:
        row = s.exec(select(HubException).where(HubException.unit_id == "U-7")).one()
        assert (row.resolved_by, row.resolution) == (LEAD, "GTIN added")


async def test_reprint_a_label(hub: Any, tmp_path: Path) -> None:
    from floor_app.store.models import Label

    hub.settings.printer.kind = "file"
    hub.settings.printer.address = str(tmp_path / "spool")
    app = LeadApp(hub, operator=LEAD)
    async with app.run_test(size=SIZE) as pilot:
        table = await open_tab(pilot, app, "3", "awaiting", 2)
        await pilot.press("down", "r")
        assert table.current_key() == "A-17"

        def reprinted() -> bool:
            with hub.db.read() as s:
                return s.get(Label, "LBL-17").status != "pending"

        await until(pilot, reprinted, "label sent")
    assert list((tmp_path / "spool").iterdir())


async def test_export_a_table_to_csv(hub: Any, tmp_path: Path) -> None:
    target = tmp_path / "out" / "backorders.csv"
    app = LeadApp(hub, operator=LEAD)
    async with app.run_test(size=SIZE) as pilot:
        await open_tab(pilot, app, "5", "backorders", 4)
        await pilot.press("e")
        await until(pilot, lambda: len(app.screen.query("#prompt-input")) == 1, "prompt")
        prompt = app.screen.query_one("#prompt-input", Input)
        assert prompt.value.endswith(".csv")
        prompt.value = str(target)
        await pilot.press("enter")
        await until(pilot, target.exists, "csv file")
    with target.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:3] == ["Backorder", "Order", "SKU"]
    assert [r[0] for r in rows[1:]] == BACKORDER_ORDER
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id["BO-3"][3] == "'=cmd|' /C calc'!A0"  # a formula-like name is defused
    assert by_id["BO-4"][9] == "50.0"  # value at risk in dollars


@pytest.mark.parametrize("tab", ["inspect", "backorders"])
async def test_tables_do_not_flicker_on_refresh(hub: Any, tab: str) -> None:
    """A refresh with unchanged data touches no row: the same row objects stay."""
    app = LeadApp(hub, operator=LEAD)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        if tab != "inspect":
            await pilot.press("5")
        table = app.screen.query_one(f"#table-{tab}", QueueTable)
        await until(pilot, lambda: table.row_count > 0, "rows")
        before = {k: id(r) for k, r in table.rows.items()}
        updates = table._update_count
        await pilot.press("f5")
        await pilot.pause(0.5)
        assert {k: id(r) for k, r in table.rows.items()} == before
        assert table._update_count - updates <= 2  # the resort only, no row rebuilt
