"""A modal that hands a scan back to the station instead of swallowing it.

Help, history and label screens are read-only; while one is open, a scanner burst (keys
within ``burst_ms`` ending in Enter) closes it and the scan goes to the station screen as if
the modal had not been there. Keys typed slowly are ignored (no letter closes it: a scan
may start with any letter); Esc or Enter close.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.binding import Binding
from textual.screen import ModalScreen

from floor_app.scanning.wedge import GS, WedgeBuffer, split_paste
from floor_app.tui.widgets.scan_input import ENTER_KEYS, GS_KEY

if TYPE_CHECKING:
    from floor_app.tui.screens.station import StationScreen


class ScanAwareModal(ModalScreen[None]):
    BINDINGS = [Binding("escape", "close", "Close"), Binding("f1", "close", "Close", show=False)]

    def __init__(self, station: StationScreen) -> None:
        super().__init__()
        self.station = station
        self.buffer = WedgeBuffer(burst_ms=station.settings.scanner.burst_ms)

    def action_close(self) -> None:
        self.dismiss()

    def _hand_over(self, text: str, source: str) -> None:
        station = self.station
        self.dismiss()
        station.route_scan(text, source)

    def on_key(self, event: events.Key) -> None:
        if event.key in ENTER_KEYS:
            event.stop()
            sub = self.buffer.enter(event.time)
            if sub.scan is not None:
                self._hand_over(sub.scan, "wedge")
            elif not sub.typed:
                self.dismiss()
        elif event.key == GS_KEY or event.character == GS:
            event.stop()
            self.buffer.key(GS, event.time)
        elif event.is_printable and event.character:
            event.stop()
            self.buffer.key(event.character, event.time)

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        lines = split_paste(event.text)
        if lines:
            station = self.station
            self.dismiss()
            for line in lines:
                station.route_scan(line, "paste")
