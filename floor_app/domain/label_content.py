"""What a relabel instruction says: one model for every decision kind.

Renderers (ZPL, PDF, text) in :mod:`floor_app.labels` turn this into bytes; they escape
the outside text (names, notes) for their own medium.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

ACTIONS = {
    "fill_backorder": "FILL BACKORDER",
    "restock": "RESTOCK",
    "restock_open_box": "RESTOCK OPEN BOX",
    "send_to_dc": "SEND TO DC",
    "refurbish": "REFURBISH",
    "liquidate": "LIQUIDATE",
    "recycle": "RECYCLE",
    "hold_unknown": "HOLD - UNKNOWN ITEM",
    "hold_wrong_item": "HOLD - WRONG ITEM",
}


@dataclass(frozen=True)
class LabelContent:
    label_id: str
    decision: str  # a decision kind from the decision JSON contract
    action: str  # the large headline, e.g. "FILL BACKORDER" or "RESTOCK BIN A-03"
    unit_id: str
    sku: str | None = None
    name: str = ""
    variant: str = ""
    serial: str | None = None
    grade: str | None = None
    order_id: str | None = None
    ship_to_name: str = ""
    ship_to_city: str = ""
    ship_to_postcode: str = ""
    location: str = ""  # bin, lane or tote the unit goes to
    steps: tuple[str, ...] = field(default_factory=tuple)
    reason: str | None = None
    hub_id: str = ""
    created_at: str = ""  # ISO 8601

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["steps"] = list(self.steps)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LabelContent:
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        known["steps"] = tuple(known.get("steps") or ())
        return cls(**known)


def _bucket(text: str, n: int) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big") % n


def restock_bin(sku: str) -> str:
    """A stable bin for a SKU, so the same SKU always goes to the same place."""
    return f"{'ABCDEF'[_bucket(sku, 6)]}-{_bucket(sku + '#', 24) + 1:02d}"


def outbound_lane(priority: str, postcode: str) -> str:
    if priority == "expedite":
        return "LANE X1 (EXPEDITE)"
    return f"LANE {_bucket(postcode or '-', 4) + 1}"


def packing_steps(decision: str, grade: str | None) -> tuple[str, ...]:
    if decision == "fill_backorder":
        steps = ["Cover the old return label completely", "Apply this label on top"]
        if grade and grade != "A":
            steps.insert(0, "Repack in a new outer box")
        return (*steps, "Scan this label to confirm")
    if decision.startswith("restock"):
        return ("Cover the old return label", "Put the unit in the bin shown", "Scan to confirm")
    if decision.startswith("hold"):
        return ("Put the unit on the exception shelf", "Tell the shift lead")
    return ("Cover the old return label", "Put the unit in the tote shown", "Scan to confirm")


def headline(decision: str, location: str) -> str:
    base = ACTIONS.get(decision, decision.upper().replace("_", " "))
    if decision in ("restock", "restock_open_box") and location:
        return f"{base} BIN {location}"
    return base


def disposition_location(decision: str, sku: str | None) -> str:
    if decision in ("restock", "restock_open_box"):
        return restock_bin(sku or "")
    return {
        "send_to_dc": "TOTE DC",
        "refurbish": "TOTE REFURB",
        "liquidate": "TOTE LIQ",
        "recycle": "TOTE RECYCLE",
        "hold_unknown": "EXCEPTION SHELF",
        "hold_wrong_item": "EXCEPTION SHELF",
    }.get(decision, "")
