"""The label as plain text for the station's preview and the CLI.

The result is meant for Textual's ``Text`` (never markup) or a terminal: it holds no
control characters and no escape sequences, and square brackets stay literal.
"""

from __future__ import annotations

import textwrap

from floor_app.domain.label_content import LabelContent
from floor_app.labels.layout import barcode_value, blocks


def render_text(content: LabelContent, width: int = 44) -> str:
    """A boxed, wrapped text rendering of the full (4x6) label."""
    width = max(20, width)
    inner = width - 4
    items = blocks(content, "4x6")
    rule = "+" + "-" * (width - 2) + "+"
    out = [rule]

    def row(text: str) -> None:
        for line in textwrap.wrap(text, inner) or [""]:
            out.append(f"| {line.ljust(inner)} |")

    row(items[0].text.upper().center(inner))
    out.append(rule)
    for b in items[1:]:
        row(b.text)
    out.append(rule)
    row(f"[barcode] {barcode_value(content)}")
    out.append(rule)
    return "\n".join(out)
