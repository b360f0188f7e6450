"""Letters three rows tall, drawn with half blocks, for the answer a worker reads from a metre.

A 3x5 pixel font: each glyph is 3 columns wide and 5 pixel rows tall, drawn two pixel rows
per terminal row with ``▀ ▄ █``; letters are 4 columns apart. Plain characters only, so it
works over SSH on any terminal that shows Unicode block elements.
"""

from __future__ import annotations

_FONT: dict[str, str] = {
    "A": "010 101 111 101 101",
    "B": "110 101 110 101 110",
    "C": "011 100 100 100 011",
    "D": "110 101 101 101 110",
    "E": "111 100 110 100 111",
    "F": "111 100 110 100 100",
    "G": "011 100 101 101 011",
    "H": "101 101 111 101 101",
    "I": "111 010 010 010 111",
    "J": "001 001 001 101 010",
    "K": "101 101 110 101 101",
    "L": "100 100 100 100 111",
    "M": "101 111 111 101 101",
    "N": "110 101 101 101 101",
    "O": "010 101 101 101 010",
    "P": "110 101 110 100 100",
    "Q": "010 101 101 110 011",
    "R": "110 101 110 101 101",
    "S": "011 100 010 001 110",
    "T": "111 010 010 010 010",
    "U": "101 101 101 101 111",
    "V": "101 101 101 101 010",
    "W": "101 101 111 111 101",
    "X": "101 101 010 101 101",
    "Y": "101 101 010 010 010",
    "Z": "111 001 010 100 111",
    "0": "111 101 101 101 111",
    "1": "010 110 010 010 111",
    "2": "110 001 010 100 111",
    "3": "110 001 010 001 110",
    "4": "101 101 111 001 001",
    "5": "111 100 110 001 110",
    "6": "011 100 111 101 111",
    "7": "111 001 010 010 010",
    "8": "111 101 111 101 111",
    "9": "111 101 111 001 110",
    "-": "000 000 111 000 000",
    "/": "001 001 010 100 100",
    ".": "000 000 000 000 010",
    ":": "000 010 000 010 000",
    "!": "010 010 010 000 010",
    "✓": "000 001 001 101 010",
    "✗": "000 101 010 101 000",
    " ": "000 000 000 000 000",
}
_HALF = {(0, 0): " ", (1, 0): "▀", (0, 1): "▄", (1, 1): "█"}
GLYPH_WIDTH = 4  # three columns and a gap
ROWS = 3


def supported(text: str) -> bool:
    return all(ch in _FONT for ch in text.upper())


def width_of(text: str) -> int:
    return max(0, len(text) * GLYPH_WIDTH - 1)


def render_line(text: str) -> list[str]:
    """Three terminal rows showing ``text`` (upper-cased; unknown characters as blanks)."""
    pixels: list[list[int]] = [[] for _ in range(6)]
    for i, ch in enumerate(text.upper()):
        rows = _FONT.get(ch, _FONT[" "]).split()
        for r in range(5):
            pixels[r].extend(int(b) for b in rows[r])
            if i < len(text) - 1:
                pixels[r].append(0)
    pixels[5] = [0] * len(pixels[0])
    out = []
    for r in range(0, 6, 2):
        top, bottom = pixels[r], pixels[r + 1]
        out.append("".join(_HALF[(t, b)] for t, b in zip(top, bottom, strict=True)))
    return out


def wrap_big(text: str, width: int, max_lines: int = 2) -> list[list[str]] | None:
    """``text`` in big letters, wrapped at spaces to fit ``width`` columns in at most
    ``max_lines`` lines of three rows; None when it cannot fit (show it plain instead)."""
    if not text or not supported(text):
        return None
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if width_of(candidate) <= width:
            current = candidate
            continue
        if not current or width_of(word) > width:
            return None
        lines.append(current)
        current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        return None
    return [render_line(line) for line in lines]
