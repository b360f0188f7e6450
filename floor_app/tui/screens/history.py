"""Read-only pop-ups: this operator's last units, and the last label as text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from floor_app.tui.screens.modal import ScanAwareModal
from floor_app.tui.widgets.history_list import HistoryList

if TYPE_CHECKING:
    from floor_app.services.station import DecisionResult
    from floor_app.tui.screens.station import StationScreen


class HistoryScreen(ScanAwareModal):
    def __init__(self, station: StationScreen, rows: Sequence[DecisionResult]) -> None:
        super().__init__(station)
        self.rows = rows

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog"):
            history = HistoryList()
            history.set_rows(self.rows)
            yield history
            yield Static(Text("Esc to close", style="italic"))


class TextScreen(ScanAwareModal):
    def __init__(self, station: StationScreen, title: str, text: str) -> None:
        super().__init__(station)
        self.title_text = title
        self.body = text

    def compose(self) -> ComposeResult:
        t = Text(f"{self.title_text}\n\n", style="bold")
        t.append(self.body)  # plain text, never markup
        with VerticalScroll(id="dialog"):
            yield Static(t)
