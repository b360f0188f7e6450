"""What a decoder read, in the form a keyboard-wedge scanner would have sent it.

Plain Python (no OpenCV, no decoder libraries), so the station can import it at start.

Every read carries the AIM symbology identifier (``]E0``, ``]C1``, ``]d2``, ``]Q3``...) and
the payload exactly as a wedge scanner with AIM prefixes enabled transmits it: UPC-A and
UPC-E as their 13-digit EAN-13 form, GS1 field separators as ASCII 29. The text a camera
scan emits is therefore ``aim + payload``, which the wedge parser reads unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from floor_app.domain import gtin as gtin_math

GS = "\x1d"

# Canonical symbology names used across decoders (zxing-cpp's names, where it has one).
EAN13 = "EAN-13"
EAN8 = "EAN-8"
UPCA = "UPC-A"
UPCE = "UPC-E"
ITF = "ITF"
CODE128 = "Code 128"
CODE39 = "Code 39"
CODE93 = "Code 93"
CODABAR = "Codabar"
DATABAR = "DataBar"
DATABAR_EXP = "DataBar Expanded"
QR = "QR Code"
DATAMATRIX = "Data Matrix"
PDF417 = "PDF417"
AZTEC = "Aztec"

# EAN/UPC share one number space: a UPC-A is an EAN-13 with a leading 0.
EAN_UPC = frozenset({EAN13, EAN8, UPCA, UPCE})
# Symbologies with Reed-Solomon error correction: one decoder's read is trustworthy.
MATRIX = frozenset({QR, DATAMATRIX, PDF417, AZTEC, "Micro QR Code", "rMQR Code"})
# AIM identifiers that announce a GS1 element string (FNC1 in first position).
GS1_AIM = frozenset({"]C1", "]d2", "]Q3", "]e0", "]z1", "]J1"})


def family(symbology: str) -> str:
    """The group of symbologies whose reads can be compared with one another."""
    return "EAN/UPC" if symbology in EAN_UPC else symbology


@dataclass(frozen=True)
class Read:
    """One decoder's read of one symbol in one image."""

    symbology: str
    aim: str  # AIM symbology identifier, e.g. "]E0"
    payload: str  # data after the AIM identifier, as a wedge sends it
    decoder: str  # "zxing" or "zbar"
    box: tuple[int, int, int, int] | None = None  # x0, y0, x1, y1 in image pixels

    @property
    def key(self) -> tuple[str, str]:
        """Reads with the same key are the same code (a UPC-A equals its EAN-13)."""
        if self.symbology in EAN_UPC:
            g = gtin_of(self.symbology, self.aim, self.payload)
            if g is not None:
                return ("EAN/UPC", g)
        return (family(self.symbology), self.payload)

    @property
    def is_gs1(self) -> bool:
        return self.aim in GS1_AIM


@dataclass(frozen=True)
class Code:
    """A code the pipeline accepts: what the station receives as one scan."""

    symbology: str
    aim: str
    payload: str
    gtin: str | None  # 14 digits, from an EAN/UPC/ITF-14 or from GS1 AI 01
    decoders: tuple[str, ...] = ()  # which decoders read it
    votes: int = 1  # how many reads (decoders x image variants) agreed
    box: tuple[int, int, int, int] | None = field(default=None, compare=False)

    @property
    def text(self) -> str:
        """What a keyboard-wedge scanner with AIM prefixes would have sent."""
        return self.aim + self.payload

    @property
    def is_gs1(self) -> bool:
        return self.aim in GS1_AIM


def gtin_of(symbology: str, aim: str, payload: str) -> str | None:
    """The 14-digit GTIN a code carries, or None.

    EAN/UPC codes are GTINs themselves; an ITF of 14 digits with a valid check digit is an
    ITF-14; a GS1 element string carries one under AI 01 (fixed length, first or after a
    separator).
    """
    if symbology in EAN_UPC or (symbology == ITF and len(payload) == 14):
        if symbology == UPCE and len(payload) == 8:
            expanded = gtin_math.expand_upce(payload)
            return gtin_math.normalize(expanded) if expanded else None
        return gtin_math.normalize(payload)
    if aim in GS1_AIM:
        return _gs1_ai01(payload)
    return None


def _gs1_ai01(data: str) -> str | None:
    # AI 01 is fixed-length (14 digits); it is first in practice, else after a separator.
    for chunk in data.split(GS):
        if chunk.startswith("01") and len(chunk) >= 16:
            candidate = chunk[2:16]
            return candidate if gtin_math.is_valid(candidate) else None
    return None


def gs1_gtin_invalid(payload: str) -> bool:
    """True when a GS1 string has an AI 01 whose check digit is wrong: a misread."""
    for chunk in payload.split(GS):
        if chunk.startswith("01") and len(chunk) >= 16:
            return not gtin_math.is_valid(chunk[2:16])
    return False


def display_text(text: str) -> str:
    """A decoded text made safe for a terminal: GS shown as <GS>, other controls escaped."""
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
    return "".join(out)
