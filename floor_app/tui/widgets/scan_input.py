"""The one scan field: a keyboard-wedge scanner, a paste, a hand-typed code, one-key commands.

Textual's ``Input`` drops what a scanner needs: ASCII 29 (the GS1 separator) arrives as the
``ctrl+right_square_bracket`` key and is not printable, so ``Input`` ignores it. This field
keeps every character, records the time each key arrived, and lets
:class:`floor_app.scanning.wedge.WedgeBuffer` tell a scan (a burst) from typing at Enter.

The field never decides what a scan means; it posts messages and the screen decides:

- :class:`ScanInput.Submitted` at Enter (hand-typed text and/or a burst) or for a paste;
- :class:`ScanInput.Command` for a one-key command (a grade letter, a checklist toggle),
  posted only when no other key followed within the command's wait, so the first character
  of a scan is never taken for a command.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from floor_app.scanning.wedge import GS, WedgeBuffer, split_paste, visible

#: Keys that end a line: a terminal sends CR (enter); some scanners are set to LF (ctrl+j).
ENTER_KEYS = frozenset({"enter", "ctrl+j", "ctrl+m"})
#: The key Textual's xterm parser produces for byte 0x1d (see textual/_ansi_sequences.py).
GS_KEY = "ctrl+right_square_bracket"


class ScanInput(Widget, can_focus=True):
    """A single-line field that keeps the GS separator and knows scans from typing."""

    DEFAULT_CSS = """
    ScanInput {
        height: 3;
        border: tall $accent;
        padding: 0 1;
        background: $surface;
    }
    ScanInput:focus {
        border: tall $primary;
    }
    """

    prompt: reactive[str] = reactive("Scan")

    class Submitted(Message):
        """Enter was pressed (or a scan was pasted / delivered by the camera)."""

        def __init__(self, scan_input: ScanInput, typed: str, scan: str | None, source: str):
            super().__init__()
            self.scan_input = scan_input
            #: Characters typed by hand before the scan (or the whole line when no burst).
            self.typed = typed
            #: The burst, the pasted line or the camera text; None when the line was typed.
            self.scan = scan
            #: "wedge", "paste", "camera" or "typed".
            self.source = source

        @property
        def control(self) -> ScanInput:
            return self.scan_input

    class Command(Message):
        """A single key, alone, while a command was expected (grade, toggle, undo...)."""

        def __init__(self, scan_input: ScanInput, key: str) -> None:
            super().__init__()
            self.scan_input = scan_input
            self.key = key

        @property
        def control(self) -> ScanInput:
            return self.scan_input

    def __init__(
        self,
        *,
        burst_ms: float = 35.0,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.buffer = WedgeBuffer(burst_ms=burst_ms)
        #: Upper-cased command character -> milliseconds it must stay alone to count.
        self.commands: dict[str, float] = {}
        self._seq = 0
        self._last_key_time: float | None = None
        self._repaint_pending = False

    # -- what the screen calls ------------------------------------------------------------

    def set_commands(self, commands: dict[str, float]) -> None:
        self.commands = {k.upper(): v for k, v in commands.items()}

    def clear(self) -> None:
        self.buffer.clear()
        self._seq += 1
        self.refresh()

    def deliver(self, text: str, source: str) -> None:
        """A scan from elsewhere (camera, a modal that caught a burst): route it like a scan."""
        self.post_message(self.Submitted(self, "", text, source))

    # -- rendering -------------------------------------------------------------------------

    def render(self) -> Text:
        # Text objects, never markup: whatever was scanned is shown, not interpreted.
        line = Text(f"{self.prompt} › ", style="bold")
        line.append(visible(self.buffer.text, limit=max(10, self.size.width - 12)))
        if self.has_focus:
            line.append(" ", style="reverse")
        return line

    def watch_prompt(self) -> None:
        self.refresh()

    # -- input -------------------------------------------------------------------------------

    def on_key(self, event: events.Key) -> None:  # runs before the bindings of parents
        key = event.key
        if key in ENTER_KEYS:
            self._take(event)
            sub = self.buffer.enter(event.time)
            self._seq += 1
            source = "wedge" if sub.scan is not None else "typed"
            self.post_message(self.Submitted(self, sub.typed, sub.scan, source))
        elif key == GS_KEY or event.character == GS:
            self._take(event)
            self._add(GS, event.time)
        elif key == "backspace":
            self._take(event)
            self.buffer.backspace()
            self._seq += 1
        elif key == "escape" and len(self.buffer):
            self._take(event)
            self.clear()
        elif event.is_printable and event.character is not None:
            self._take(event)
            self._add(event.character, event.time)
        else:
            return
        self._repaint(event.time)

    def _repaint(self, t: float) -> None:
        # Inside a scanner burst, one repaint when it pauses instead of one per key: each
        # screen update costs milliseconds, and the Enter that ends the burst matters more.
        previous = self._last_key_time
        self._last_key_time = t
        in_burst = previous is not None and 0 <= (t - previous) * 1000 <= self.buffer.burst_ms
        if not in_burst or not len(self.buffer):
            self.refresh()
        elif not self._repaint_pending:
            self._repaint_pending = True
            self.set_timer(self.buffer.burst_ms / 1000, self._deferred_repaint)

    def _deferred_repaint(self) -> None:
        self._repaint_pending = False
        self.refresh()

    def _take(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()

    def _add(self, char: str, t: float) -> None:
        was_empty = len(self.buffer) == 0
        self.buffer.key(char, t)
        self._seq += 1
        wait = self.commands.get(char.upper()) if was_empty else None
        if wait is not None:
            seq = self._seq
            # A command key counts only if nothing follows it within ``wait``: the first
            # character of a scan must not grade a unit or undo a decision.
            self.set_timer(max(wait, 1.0) / 1000.0, lambda: self._maybe_command(seq))

    def _maybe_command(self, seq: int) -> None:
        if seq != self._seq or len(self.buffer) != 1:
            return
        char = self.buffer.text
        self.clear()
        self.post_message(self.Command(self, char))

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
        for line in split_paste(event.text):
            self.post_message(self.Submitted(self, "", line, "paste"))
