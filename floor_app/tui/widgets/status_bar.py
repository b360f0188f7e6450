"""The top line: hub, operator, database, sync and printer state, and the station's mode."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from floor_app.scanning.wedge import visible
from floor_app.services.status import StationStatus


class StatusBar(Widget):
    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    hub: reactive[str] = reactive("")
    operator: reactive[str] = reactive("")
    database: reactive[str] = reactive("")
    mode: reactive[str] = reactive("")
    status: reactive[StationStatus | None] = reactive(None)

    def render(self) -> Text:
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append(f" {visible(self.hub, 30)} ", style="bold reverse")
        t.append(" ")
        if self.operator:
            t.append(visible(self.operator, 30), style="bold")
        else:
            t.append("signed out", style="italic")
        t.append(" ")
        if self.mode:
            t.append(f"  {self.mode} ", style="bold reverse")
        st = self.status
        if st is not None:
            t.append(" sync ")
            if st.sync_online is None:
                t.append("off", style="dim")
            elif st.sync_online:
                t.append("up", style="bold green")
            else:
                t.append("DOWN", style="bold red")
            t.append(f" ({st.unsynced} unsent)")
            t.append(" printer ")
            if st.printer_online is None:
                t.append("?", style="dim")
            elif st.printer_online:
                t.append("ok", style="bold green")
            else:
                t.append("OFF", style="bold red")
            if st.pending_labels:
                t.append(f" {st.pending_labels} pending", style="bold yellow")
        t.append(f" · {visible(self.database, 40)}", style="dim")
        return t
