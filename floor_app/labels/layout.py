"""What goes where on a label, shared by the ZPL, PDF and text renderers.

:func:`blocks` turns a :class:`LabelContent` into an ordered list of cleaned text blocks
with a role (headline, location, ship-to...). Each renderer decides sizes and positions for
its medium, so all three say the same thing in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from floor_app.domain.label_content import LabelContent
from floor_app.labels.sanitize import clean

LabelSize = Literal["4x6", "2x1"]

#: Width and height in inches of each label stock.
SIZES: dict[str, tuple[float, float]] = {"4x6": (4.0, 6.0), "2x1": (2.0, 1.0)}

Role = Literal["headline", "location", "order", "ship_to", "sku", "name", "unit", "step", "note"]


@dataclass(frozen=True)
class Block:
    role: Role
    text: str


def barcode_value(content: LabelContent) -> str:
    """The label id as it goes into the Code 128: printable ASCII only, never empty."""
    value = "".join(ch for ch in clean(content.label_id, limit=48) if 32 < ord(ch) < 127)
    if not value:
        raise ValueError("a label needs a printable label id for its barcode")
    return value


def blocks(content: LabelContent, size: str = "4x6") -> list[Block]:
    """The label's text, cleaned, in reading order. ``2x1`` keeps only what fits."""
    c = content
    out: list[Block] = [Block("headline", clean(c.action or c.decision, limit=60))]
    location = clean(c.location, limit=40)
    # The headline of a restock already names the bin; don't say it twice.
    if location and location not in out[0].text:
        out.append(Block("location", location))
    order_id = clean(c.order_id, limit=40)
    if order_id:
        out.append(Block("order", f"ORDER {order_id}"))
    city = " ".join(
        p for p in (clean(c.ship_to_city, limit=40), clean(c.ship_to_postcode, limit=16)) if p
    )
    ship_to = ", ".join(p for p in (clean(c.ship_to_name, limit=60), city) if p)
    if ship_to:
        out.append(Block("ship_to", f"SHIP TO {ship_to}"))
    sku = clean(c.sku, limit=40) if c.sku else ""
    variant = clean(c.variant, limit=40)
    sku_line = "  ".join(p for p in (f"SKU {sku}" if sku else "", variant) if p)
    if sku_line:
        out.append(Block("sku", sku_line))
    name = clean(c.name, limit=120 if size == "4x6" else 40)
    if name:
        out.append(Block("name", name))
    unit_bits = [f"UNIT {clean(c.unit_id, limit=40)}"]
    serial, grade = clean(c.serial, limit=40), clean(c.grade, limit=8)
    if serial:
        unit_bits.append(f"SN {serial}")
    if grade:
        unit_bits.append(f"GRADE {grade}")
    out.append(Block("unit", "  ".join(unit_bits)))
    if size == "4x6":
        for i, step in enumerate(c.steps, 1):
            text = clean(step, limit=90)
            if text:
                out.append(Block("step", f"{i}. {text}"))
        reason = clean(c.reason, limit=120)
        if reason:
            out.append(Block("note", reason))
    footer = "  ".join(p for p in (clean(c.hub_id, limit=20), clean(c.created_at, limit=25)) if p)
    if footer and size == "4x6":
        out.append(Block("note", footer))
    return out


def code128_modules(value: str) -> int:
    """Modules of a Code 128 subset B symbol: start, data, check (11 each) and stop (13)."""
    return 11 * (len(value) + 2) + 13
