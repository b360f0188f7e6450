"""The shift's numbers: figures for today and the last 7 days, a sparkline per operator,
and the ages of the open backorders. Updated in place on each refresh."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Label, Sparkline, Static

from floor_app.scanning.wedge import visible
from floor_app.services.kpis import ShiftNumbers, WindowNumbers


def _money(cents: int) -> str:
    return f"${cents / 100:,.2f}"


def _hours(h: float | None) -> str:
    return "-" if h is None else f"{h:.1f} h"


def summary_rows(n: ShiftNumbers) -> list[tuple[str, str, str]]:
    """(figure, today, last 7 days) as shown and as exported."""

    def both(f: Any) -> tuple[str, str]:
        return f(n.today), f(n.week)

    def rate(w: WindowNumbers) -> str:
        hours = sum(r.active_hours for r in w.operators)
        return f"{w.units / hours:.1f}" if hours else "-"

    figures = [
        ("Units decided", lambda w: str(w.units)),
        ("Units per operator-hour", rate),
        ("Local fills", lambda w: str(w.local_fills)),
        ("Median return-to-resale", lambda w: _hours(w.median_resale_hours)),
        ("Units resold", lambda w: str(w.resold_units)),
        ("Cost saved", lambda w: _money(w.cost_saved_cents)),
        ("Revenue protected", lambda w: _money(w.revenue_protected_cents)),
    ]
    return [(name, *both(f)) for name, f in figures]


class NumbersPane(VerticalScroll):
    DEFAULT_CSS = """
    NumbersPane { padding: 0 1; }
    NumbersPane #numbers-operators { height: auto; }
    NumbersPane .op-row { height: 1; }
    NumbersPane .op-name { width: 28; }
    NumbersPane Sparkline { width: 1fr; height: 1; }
    NumbersPane .section { margin-top: 1; text-style: bold; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.numbers: ShiftNumbers | None = None
        self._ops: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("Loading the shift's numbers...", id="numbers-summary")
        yield Label("Units per hour, per operator (today, hour by hour)", classes="section")
        yield Vertical(id="numbers-operators")
        yield Label("Open backorders by age", classes="section")
        yield Static(id="numbers-ages")

    def show(self, n: ShiftNumbers) -> None:
        self.numbers = n
        table = Table(box=None, pad_edge=False, show_edge=False)
        table.add_column("")
        table.add_column("Today", justify="right")
        table.add_column("Last 7 days", justify="right")
        for name, today, week in summary_rows(n):
            table.add_row(name, today, week)
        self.query_one("#numbers-summary", Static).update(table)
        self._show_operators(n)
        ages = Table(box=None, pad_edge=False, show_edge=False)
        ages.add_column("Age")
        ages.add_column("Lines", justify="right")
        ages.add_column("Value", justify="right")
        ages.add_column("")
        most = max((b.lines for b in n.backorder_ages), default=0) or 1
        for b in n.backorder_ages:
            ages.add_row(b.label, str(b.lines), _money(b.value_cents), "█" * (30 * b.lines // most))
        self.query_one("#numbers-ages", Static).update(ages)

    def _show_operators(self, n: ShiftNumbers) -> None:
        box = self.query_one("#numbers-operators", Vertical)
        ops = [r.operator for r in n.today.operators]
        if ops != self._ops:  # new faces: rebuild once; otherwise update in place
            box.remove_children()
            box.mount_all(
                Horizontal(
                    Label(classes="op-name"), Sparkline([], summary_function=max), classes="op-row"
                )
                for _ in ops
            )
            self._ops = ops
            if not ops:
                box.mount(Label("No decisions yet today"))
            self.call_after_refresh(self._fill_operators, n)
        else:
            self._fill_operators(n)

    def _fill_operators(self, n: ShiftNumbers) -> None:
        rows = list(self.query_one("#numbers-operators", Vertical).query(".op-row"))
        for row, rate in zip(rows, n.today.operators, strict=False):
            name = Text(visible(rate.operator, 12))
            name.append(f"  {rate.units} u, {rate.per_hour:.1f}/h")
            row.query_one(Label).update(name)
            row.query_one(Sparkline).data = list(rate.hourly)
