"""The label as plain text for the station's preview and the CLI.

The result is meant for Textual's ``Text`` (never markup) or a terminal: it holds no
control characters and no escape sequences, and square brackets stay literal. Lines are
measured in terminal cells, so a name in CJK (two cells a character) keeps the box square.
"""

from __future__ import annotations

import unicodedata

from floor_app.domain.label_content import LabelContent
from floor_app.labels.layout import barcode_value, blocks


def cells(text: str) -> int:
    """Terminal cells ``text`` takes: wide East Asian characters count two, marks none."""
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def wrap_cells(text: str, width: int) -> list[str]:
    """Greedy word wrap to ``width`` cells; a word longer than a line is cut."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        while cells(word) > width:
            room = width - cells(line) - (1 if line else 0)
            if room <= 0:
                lines.append(line)
                line = ""
                continue
            cut, used = "", 0
            for ch in word:
                if used + cells(ch) > room:
                    break
                cut, used = cut + ch, used + cells(ch)
            line = f"{line} {cut}" if line else cut
            lines.append(line)
            line, word = "", word[len(cut) :]
        candidate = f"{line} {word}" if line else word
        if cells(candidate) <= width:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line or not lines:
        lines.append(line)
    return lines


def render_text(content: LabelContent, width: int = 44) -> str:
    """A boxed, wrapped text rendering of the full (4x6) label, ``width`` cells wide."""
    width = max(20, width)
    inner = width - 4
    items = blocks(content, "4x6")
    rule = "+" + "-" * (width - 2) + "+"
    out = [rule]

    def row(text: str, center: bool = False) -> None:
        for line in wrap_cells(text, inner):
            pad = inner - cells(line)
            left = pad // 2 if center else 0
            out.append(f"| {' ' * left}{line}{' ' * (pad - left)} |")

    row(items[0].text.upper(), center=True)
    out.append(rule)
    for b in items[1:]:
        row(b.text)
    out.append(rule)
    row(f"[barcode] {barcode_value(content)}")
    out.append(rule)
    return "\n".join(out)
