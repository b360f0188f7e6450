"""What a scanned string identifies: the types shared by the reader and its callers."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ScanKind(StrEnum):
    PRODUCT = "product"  # a GTIN, with GS1 serial/lot/expiry when the code carried them
    RMA = "rma"  # a return label
    BADGE = "badge"  # an operator's badge
    LABEL = "label"  # a Floor relabel instruction (confirm scan)
    TRACKING = "tracking"  # a carrier tracking number (recorded, identifies nothing)
    INTERNAL = "internal"  # a plain internal code: the SKU itself


class BarcodeError(ValueError):
    """A scan that cannot be read safely; ``reason`` is shown to the worker."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ScannerRules:
    """The scanner settings the reader needs (copied from config so the domain stays plain)."""

    wedge_prefix: str = ""
    wedge_suffix: str = ""
    gs1_separator: str = ""
    rma_pattern: str = r"^RMA-?[0-9A-Z]{4,20}$"
    badge_pattern: str = r"^(?:BADGE:|OP-)[0-9A-Za-z_-]{1,32}$"
    label_pattern: str = r"^LBL-[0-9A-Z]{6,32}$"
    max_length: int = 512


@dataclass(frozen=True)
class Scan:
    kind: ScanKind
    text: str  # the payload, prefix/suffix and AIM identifier removed, GS kept as \x1d
    symbology: str | None = None  # AIM identifier such as "]E0", when the scanner sent one
    gtin: str | None = None  # always 14 digits
    serial: str | None = None  # AI 21
    lot: str | None = None  # AI 10
    expiry: str | None = None  # AI 17 as ISO date YYYY-MM-DD
    rma: str | None = None
    badge: str | None = None
    label_id: str | None = None
    tracking: str | None = None
    code: str | None = None  # the internal code, for INTERNAL
