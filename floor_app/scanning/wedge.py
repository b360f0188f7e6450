"""Keyboard-wedge scanners: telling a scan from hand typing by the keys' arrival times.

A wedge scanner "types" its whole code in a burst (a few milliseconds between keys) and ends
it with Enter; a person types tens to hundreds of milliseconds apart. :class:`WedgeBuffer`
records each key with its time and, at Enter, splits what it holds into the part typed by
hand and the trailing burst (the scan). That lets one field serve both, and lets a note
field or a grade prompt hand a scan that arrives while it is open to the screen, instead of
swallowing it as text or as single-key commands.

Plain Python on purpose: the TUI feeds it Textual key times, tests feed it numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

GS = "\x1d"  # ASCII 29, the GS1 group separator a scanner sends between variable-length AIs

#: Fewer characters than this in a burst are not a scan (two quick key presses are typing).
MIN_SCAN_CHARS = 4
#: Hard cap on what one field holds: a runaway scanner or a 10 kB paste must not grow the
#: buffer without bound. The decoder refuses over-long codes with a clear message anyway.
MAX_CHARS = 4096


@dataclass(frozen=True)
class Submission:
    """What Enter produced: text typed by hand, and the scan that ended the line, if any."""

    typed: str
    scan: str | None
    #: True when ``scan`` arrived as a burst (a scanner), False for a paste or camera.
    burst: bool = True

    @property
    def text(self) -> str:
        """Everything on the line, as one string (a hand-typed code is ``typed``)."""
        return self.typed + (self.scan or "")


@dataclass
class WedgeBuffer:
    """The characters of the current line with the time each arrived (seconds, monotonic)."""

    burst_ms: float = 35.0
    min_scan_chars: int = MIN_SCAN_CHARS
    max_chars: int = MAX_CHARS
    _chars: list[str] = field(default_factory=list)
    _times: list[float] = field(default_factory=list)
    overflowed: bool = False

    @property
    def text(self) -> str:
        return "".join(self._chars)

    def __len__(self) -> int:
        return len(self._chars)

    @property
    def last_time(self) -> float | None:
        return self._times[-1] if self._times else None

    def clear(self) -> None:
        self._chars.clear()
        self._times.clear()
        self.overflowed = False

    def key(self, char: str, t: float) -> None:
        """One character arrived at time ``t``."""
        if len(self._chars) >= self.max_chars:
            self.overflowed = True
            return
        self._chars.append(char)
        self._times.append(t)

    def backspace(self) -> None:
        if self._chars:
            self._chars.pop()
            self._times.pop()

    def _gap_ok(self, earlier: float, later: float) -> bool:
        return (later - earlier) * 1000.0 <= self.burst_ms

    def burst_start(self, t_enter: float) -> int | None:
        """Index where the trailing burst (ending with Enter at ``t_enter``) starts, or None.

        Walk back from Enter while every gap is within ``burst_ms``; the run is a scan when
        it is at least ``min_scan_chars`` long.
        """
        if not self._times or not self._gap_ok(self._times[-1], t_enter):
            return None
        i = len(self._times) - 1
        while i > 0 and self._gap_ok(self._times[i - 1], self._times[i]):
            i -= 1
        if len(self._times) - i < self.min_scan_chars:
            return None
        return i

    def enter(self, t: float) -> Submission:
        """Enter at time ``t``: split the line into hand-typed text and a trailing scan."""
        start = self.burst_start(t)
        text = self.text
        self.clear()
        if start is None:
            return Submission(typed=text, scan=None, burst=False)
        return Submission(typed=text[:start], scan=text[start:], burst=True)


def split_paste(text: str) -> list[str]:
    """The scans in a pasted text: one per line, line ends removed, blank lines skipped.

    A paste keeps every other character (GS, AIM prefix) so it reaches the decoder intact.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [line for line in lines if line.strip()]


def visible(text: str, limit: int = 120) -> str:
    """``text`` for display: GS shown as ``<GS>``, other control characters escaped, and cut
    to ``limit`` characters so a 10 kB paste cannot flood the screen."""
    out: list[str] = []
    for ch in text:
        if ch == GS:
            out.append("<GS>")
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 256:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(f"\\u{ord(ch):04x}")
    shown = "".join(out)
    if len(shown) > limit:
        return shown[: limit - 1] + f"… ({len(text)} chars)"
    return shown
