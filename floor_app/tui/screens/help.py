"""F1 / ?: every key the station answers to, from the configuration in use."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from floor_app.tui.screens.modal import ScanAwareModal


class HelpScreen(ScanAwareModal):
    def compose(self) -> ComposeResult:
        st = self.station
        t = Text()
        t.append("FLOOR STATION - KEYS\n\n", style="bold")
        rows = [
            ("scan", "badge to sign in; RMA and/or product to grade; the label to confirm"),
            ("grade", "  ".join(f"{g}{('/' + k) if k else ''}" for g, k in st.grade_keys)),
            ("check", "  ".join(f"{k} {item.replace('_', ' ')}" for k, item in st.toggle_keys)),
            ("N", "type a note for the unit being graded (Enter to keep it)"),
            ("Esc", "cancel the unit being graded; acknowledge an error (or Enter)"),
            (
                "U / F8 / Ctrl+Z",
                f"undo your last decision (within {st.settings.station.undo_window_seconds} s)",
            ),
            ("H / F3", "your last units"),
            ("F2", "receive-only mode (bulk intake; HOT units flagged)"),
            ("F4", "sign out"),
            ("F5", "the last label as text"),
            ("F6", "camera scanner on/off (if [scanner] camera_device is set)"),
            ("L / F9", "lead screens (lead badge)"),
            ("Ctrl+P", "command palette: every station action by name"),
            ("? / F1", "this help"),
            ("Ctrl+Q", "quit"),
        ]
        for key, what in rows:
            t.append(f"{key:<8}", style="bold")
            t.append(f"{what}\n")
        t.append(
            "\nU, H and L act only when pressed alone on an empty field; a scan never "
            "triggers them. A scan while this help is open closes it and is processed.",
            style="italic",
        )
        with VerticalScroll(id="dialog"):
            yield Static(t)
