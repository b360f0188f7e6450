"""This operator's last units, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from floor_app.scanning.wedge import visible

if TYPE_CHECKING:
    from floor_app.services.station import DecisionResult

TONE_STYLE = {
    "fill_backorder": "bold green",
    "restock": "bold blue",
    "restock_open_box": "bold blue",
    "send_to_dc": "bold yellow",
    "refurbish": "bold yellow",
    "hold_unknown": "bold red",
    "hold_wrong_item": "bold red",
}


class HistoryList(Widget):
    DEFAULT_CSS = """
    HistoryList {
        height: auto;
        padding: 0 1;
    }
    """

    rows: reactive[tuple[DecisionResult, ...]] = reactive((), always_update=True)

    def set_rows(self, rows: Sequence[DecisionResult]) -> None:
        self.rows = tuple(rows)

    def render(self) -> Text:
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append("LAST UNITS\n", style="bold underline")
        if not self.rows:
            t.append("none yet", style="dim")
            return t
        for r in self.rows:
            when = r.decided_at.strftime("%H:%M") if r.decided_at else "--:--"
            undone = r.reason == "undone"
            style = "strike dim" if undone else TONE_STYLE.get(r.decision, "")
            t.append(f"{when} ")
            t.append(f"{r.grade or '?'} ", style="bold")
            action = visible(r.action or r.decision, 200)
            t.append(f"{action[:22]:<22}", style=style)
            t.append(f" {visible(r.sku or '?', 16)}")
            if undone:
                t.append(" (undone)", style="italic")
            t.append("\n")
        t.rstrip()
        return t
