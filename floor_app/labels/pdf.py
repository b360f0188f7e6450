"""PDF relabel instructions for office printers (reportlab), one label per page.

Text is drawn with ``canvas.drawString``, which prints characters and interprets no markup
(unlike ``Paragraph``). Names with accents need a font that has the glyphs: DejaVu Sans
(Debian ``fonts-dejavu-core``) when it is installed, else Helvetica with the text
transliterated to ASCII so that nothing prints as a black box.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from floor_app.domain.label_content import LabelContent
from floor_app.labels.layout import SIZES, barcode_value, blocks
from floor_app.labels.sanitize import ascii_fallback

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
_SIZES_PT = {"location": 22, "order": 15, "ship_to": 14, "sku": 13, "name": 11, "unit": 11,
             "step": 10, "note": 8}  # fmt: skip


@lru_cache(maxsize=1)
def fonts() -> tuple[str, str, bool]:
    """(regular, bold, unicode?) font names, registering DejaVu on first use if present."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
            pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
            return "DejaVuSans", "DejaVuSans-Bold", True
    return "Helvetica", "Helvetica-Bold", False


def render_pdf(contents: LabelContent | Iterable[LabelContent], size: str = "4x6") -> bytes:
    """A PDF with one page per label at the label's own size."""
    from reportlab.lib.units import inch
    from reportlab.pdfgen import canvas

    if size not in SIZES:
        raise ValueError(f"unknown label size {size!r}")
    items = [contents] if isinstance(contents, LabelContent) else list(contents)
    w_in, h_in = SIZES[size]
    page = (w_in * inch, h_in * inch)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=page, pageCompression=1)
    c.setTitle("Floor relabel instructions")
    c.setCreator("Floor")
    for content in items:
        if size == "4x6":
            _page_4x6(c, content, *page)
        else:
            _page_2x1(c, content, *page)
        c.showPage()
    c.save()
    return buf.getvalue()


def _fit(text: str, unicode_font: bool) -> str:
    return text if unicode_font else ascii_fallback(text)


def _wrap(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    from reportlab.lib.utils import simpleSplit

    lines = simpleSplit(text, font, size, width) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip()[:-1] + "…"
    return lines


def _headline_size(text: str, font: str, width: float, big: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    size = big
    while size > big * 0.4 and stringWidth(text, font, size) > width:
        size *= 0.92
    return size


def _barcode(c: Canvas, value: str, x_center: float, y: float, width: float, height: float) -> None:
    from reportlab.graphics.barcode.code128 import Code128

    # The widest bars that fit (reportlab adds a 10-module quiet zone on each side).
    probe = Code128(value, barWidth=1, barHeight=height, quiet=1)
    bar_w = min(0.03 * 72, width / probe.width)
    symbol = Code128(value, barWidth=bar_w, barHeight=height, quiet=1, humanReadable=False)
    symbol.drawOn(c, x_center - symbol.width / 2, y)


def _page_4x6(c: Canvas, content: LabelContent, width: float, height: float) -> None:
    regular, bold, uni = fonts()
    m = 0.12 * 72
    inner = width - 2 * m
    items = blocks(content, "4x6")
    head = _fit(items[0].text, uni)
    size = _headline_size(head, bold, inner - 12, 34)
    lines = [head] if size > 34 * 0.4 else _wrap(head, bold, size, inner - 12, 2)
    box_h = len(lines) * size * 1.15 + 14
    top = height - m
    c.setFillGray(0)
    c.rect(m, top - box_h, inner, box_h, stroke=0, fill=1)
    c.setFillGray(1)
    c.setFont(bold, size)
    y = top - 7 - size
    for line in lines:
        c.drawCentredString(width / 2, y, line)
        y -= size * 1.15
    c.setFillGray(0)
    y = top - box_h - 10
    bar_h = 0.7 * 72
    bar_y = m + 16
    floor_y = bar_y + bar_h + 8
    for b in items[1:]:
        pt = _SIZES_PT[b.role]
        font = bold if b.role in ("location", "order") else regular
        wrapped = _wrap(_fit(b.text, uni), font, pt, inner, 2)
        needed = len(wrapped) * pt * 1.2 + (4 if b.role == "step" else 6)
        if y - needed < floor_y:
            break  # the barcode matters more than the last lines
        c.setFont(font, pt)
        for line in wrapped:
            y -= pt * 1.2
            c.drawString(m, y, line)
        y -= 4 if b.role == "step" else 6
    value = barcode_value(content)
    _barcode(c, value, width / 2, bar_y, inner, bar_h)
    c.setFont(regular, 9)
    c.drawCentredString(width / 2, m + 4, value)


def _page_2x1(c: Canvas, content: LabelContent, width: float, height: float) -> None:
    regular, bold, uni = fonts()
    m = 0.06 * 72
    inner = width - 2 * m
    items = blocks(content, "2x1")
    head = _fit(items[0].text, uni)
    size = _headline_size(head, bold, inner, 12)
    c.setFont(bold, size)
    y = height - m - size
    c.drawCentredString(width / 2, y, head)
    small = [b for b in items[1:] if b.role in ("location", "order", "ship_to", "sku", "unit")]
    c.setFont(regular, 6.5)
    for b in small[:3]:
        y -= 7.5
        c.drawString(m, y, _wrap(_fit(b.text, uni), regular, 6.5, inner, 1)[0])
    value = barcode_value(content)
    bar_y = m + 7
    _barcode(c, value, width / 2, bar_y, inner, max(10.0, y - 3 - bar_y))
    c.setFont(regular, 5.5)
    c.drawCentredString(width / 2, m + 1, value)
