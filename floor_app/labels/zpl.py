"""ZPL II relabel instructions for Zebra-style thermal printers (4x6 and 2x1 in, 203/300 dpi).

Every piece of text from a :class:`LabelContent` goes out as ``^FH^FD<escaped>^FS``:
the caret, the tilde and the hex escape character itself are written as ``_5E``, ``_7E``
and ``_5F``, so no name or note can ever start a ZPL command, and ``^CI28`` makes the
printer read the remaining bytes as UTF-8 (so ``Zoë Łódź`` prints as written). Inside a
field block (``^FB``) a backslash starts an escape of its own, so it is doubled.
The only commands in the output are the ones listed in :data:`TEMPLATE_COMMANDS`.
"""

from __future__ import annotations

from floor_app.domain.label_content import LabelContent
from floor_app.labels.layout import SIZES, Block, barcode_value, blocks, code128_modules

#: Every command the templates emit; a test parses the output against this list.
TEMPLATE_COMMANDS = frozenset(
    {"^XA", "^XZ", "^CI", "^PW", "^LL", "^LH", "^FO", "^GB", "^FR", "^A0", "^FB", "^FH", "^FD",
     "^FS", "^BY", "^BC"}
)  # fmt: skip

_ESCAPES = {"^": "_5E", "~": "_7E", "_": "_5F", "\\": "\\\\"}

BASE_DPI = 203


def field_data(text: str) -> str:
    """``text`` (already cleaned of controls) as ``^FH`` field data that cannot end the field."""
    return "".join(_ESCAPES.get(ch, ch) for ch in text)


class _Zpl:
    """A tiny ZPL writer in 203-dpi design units, scaled to the printer's resolution."""

    def __init__(self, dpi: int) -> None:
        self.scale = dpi / BASE_DPI
        self.parts: list[str] = []

    def d(self, v: float) -> int:
        return max(1, round(v * self.scale))

    def text(
        self,
        x: float,
        y: float,
        width: float,
        height: float,
        text: str,
        *,
        lines: int = 1,
        center: bool = False,
        reverse: bool = False,
    ) -> None:
        h = self.d(height)
        self.parts.append(
            f"^FO{self.d(x)},{self.d(y)}^A0N,{h},{h}"
            f"^FB{self.d(width)},{lines},0,{'C' if center else 'L'},0"
            f"{'^FR' if reverse else ''}^FH^FD{field_data(text)}^FS"
        )

    def box(self, x: float, y: float, w: float, h: float) -> None:
        self.parts.append(
            f"^FO{self.d(x)},{self.d(y)}^GB{self.d(w)},{self.d(h)},{self.d(h)},B,0^FS"
        )

    def barcode(self, x: int, y: float, module: int, height: float, value: str) -> None:
        # Subset B from the start (">:"-style invocation codes are not needed: ids are
        # printable ASCII); the interpretation line below shows the id to a person.
        self.parts.append(
            f"^FO{x},{self.d(y)}^BY{module},3,{self.d(height)}"
            f"^BCN,{self.d(height)},Y,N,N^FH^FD{field_data(value)}^FS"
        )


def _lines_needed(text: str, width: float, height: float, max_lines: int) -> int:
    # Font 0 averages a little over half its height per character; err on the wide side.
    per_line = max(1, int(width / (height * 0.56)))
    return max(1, min(max_lines, -(-len(text) // per_line)))


def _headline_height(text: str, width: float, big: float) -> tuple[float, int]:
    """The largest font (down to 40% of ``big``) that fits the headline in two lines."""
    h = big
    while h > big * 0.4:
        if _lines_needed(text, width, h, 99) <= 1:
            return h, 1
        h *= 0.9
    return h, min(2, _lines_needed(text, width, h, 2))


def barcode_module(value: str, width_dots: int, dpi: int) -> int:
    """Widest module (in dots) that fits the symbol and its quiet zones in ``width_dots``."""
    best = 3 if dpi <= BASE_DPI else 4
    fit = width_dots // (code128_modules(value) + 20)
    return max(1, min(best, fit))


def render_zpl(content: LabelContent, size: str = "4x6", dpi: int = 203) -> bytes:
    """One label as ZPL II bytes (UTF-8)."""
    if size not in SIZES:
        raise ValueError(f"unknown label size {size!r}")
    if dpi not in (203, 300):
        raise ValueError(f"unsupported resolution {dpi} dpi")
    w_in, h_in = SIZES[size]
    z = _Zpl(dpi)
    width, height = w_in * BASE_DPI, h_in * BASE_DPI
    value = barcode_value(content)
    if size == "4x6":
        _layout_4x6(z, blocks(content, "4x6"), width, height, value, dpi)
    else:
        _layout_2x1(z, blocks(content, "2x1"), width, height, value, dpi)
    head = f"^XA^CI28^PW{z.d(width)}^LL{z.d(height)}^LH0,0"
    return (head + "".join(z.parts) + "^XZ\n").encode("utf-8")


_SIZE_4X6 = {"location": 80, "order": 52, "ship_to": 46, "sku": 42, "name": 36, "unit": 34,
             "step": 32, "note": 26}  # fmt: skip
_LINES_4X6 = {"ship_to": 2, "name": 2, "step": 2, "note": 2}


def _layout_4x6(
    z: _Zpl, items: list[Block], width: float, height: float, value: str, dpi: int
) -> None:
    m = 24
    inner = width - 2 * m
    head = items[0]
    h, lines = _headline_height(head.text, inner - 20, 100)
    box_h = lines * h + 36
    z.box(m, m, inner, box_h)
    z.text(m + 10, m + 20, inner - 20, h, head.text, lines=lines, center=True, reverse=True)
    y = m + box_h + 22
    bar_h = 150
    bar_top = height - m - bar_h - 40
    for b in items[1:]:
        fh = _SIZE_4X6[b.role]
        n = _lines_needed(b.text, inner, fh, _LINES_4X6.get(b.role, 1))
        if y + n * fh > bar_top - 10:
            break  # no room left above the barcode: the barcode matters more
        if b.role == "step" and (b.text.startswith("1.") or y == 0):
            y += 8
        z.text(m, y, inner, fh, b.text, lines=n)
        y += n * fh + (14 if b.role not in ("step",) else 8)
    module = barcode_module(value, z.d(width) - 2 * z.d(m), dpi)
    x = (z.d(width) - code128_modules(value) * module) // 2
    z.barcode(x, bar_top, module, bar_h, value)


def _layout_2x1(
    z: _Zpl, items: list[Block], width: float, height: float, value: str, dpi: int
) -> None:
    m = 10
    inner = width - 2 * m
    head = items[0]
    h, _ = _headline_height(head.text, inner, 34)
    z.text(m, 6, inner, h, head.text, center=True)
    y = 6 + h + 4
    small = [b for b in items[1:] if b.role in ("location", "order", "ship_to", "sku", "unit")]
    for b in small[:3]:
        z.text(m, y, inner, 18, b.text)
        y += 21
    bar_h = max(30.0, height - y - 28)
    module = barcode_module(value, z.d(width) - 2 * z.d(m), dpi)
    x = (z.d(width) - code128_modules(value) * module) // 2
    z.barcode(x, y + 2, module, bar_h, value)
