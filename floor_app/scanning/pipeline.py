"""The decode pipeline: zxing-cpp and zbar together, with rules that keep false reads out.

Neither decoder wins everywhere (zbar reads more blurry EAN-13, zxing-cpp reads Data
Matrix and more QR and UPC), and each sometimes misreads a worn 1-D code as another code
whose check digit happens to be valid. So:

- **2-D codes** (QR, Data Matrix, PDF417, Aztec) carry Reed-Solomon error correction: one
  decoder's read is accepted.
- **1-D codes** need a second, independent look that agrees: the other decoder, or a
  decoder on another view of the image (rescaled, sharpened, smoothed), or in the camera
  the next frames (:class:`~floor_app.scanning.camera.FrameConfirmer`). Two different
  reads of the same place are a conflict: the one with more votes wins, a tie keeps both
  out.
- **Check digits**: EAN/UPC and ITF-14 must pass the GS1 mod-10 check; a GS1 string
  (AIM ``]C1``, ``]d2``, ``]Q3``...) whose AI 01 fails it is refused.

zbar does not apply Code 128's FNC4 (characters above 127 come out with the high bit
cleared), so Code 128 reads are compared modulo that bit and zxing-cpp's text is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from floor_app.domain import gtin as gtin_math
from floor_app.scanning import symbols as sym

if TYPE_CHECKING:
    import numpy as np

    from floor_app.scanning.decoders import Decoder

# A 1-D code only one decoder reads must be read in this many views (or frames). Measured
# on the sample photos: zbar repeats some EAN/UPC misreads in two views of an image, never
# in three where the other decoder saw nothing.
SINGLE_DECODER_LOOKS = 3

# Payloads are taken from the first decoder in this order that read the code.
_PREFERRED = ("zxing", "zbar")


@dataclass
class Candidate:
    """All reads of one code (one key) gathered over the looks at an image."""

    key: tuple[str, str]
    reads: list[sym.Read] = field(default_factory=list)
    looks: set[tuple[str, str]] = field(default_factory=set)  # (decoder, view) pairs

    @property
    def votes(self) -> int:
        return len(self.looks)

    @property
    def decoders(self) -> tuple[str, ...]:
        return tuple(d for d in _PREFERRED if any(r.decoder == d for r in self.reads))

    @property
    def score(self) -> tuple[int, int]:
        """Independent decoders first, then looks: ranks reads that disagree."""
        return (len(self.decoders), self.votes)

    @property
    def confirmed(self) -> bool:
        """A 1-D read confirmed by the other decoder, or by one decoder in enough views."""
        return len(self.decoders) >= 2 or self.votes >= SINGLE_DECODER_LOOKS

    @property
    def is_matrix(self) -> bool:
        return self.reads[0].symbology in sym.MATRIX

    @property
    def best(self) -> sym.Read:
        for name in _PREFERRED:
            for r in self.reads:
                if r.decoder == name:
                    return r
        return self.reads[0]

    @property
    def box(self) -> tuple[int, int, int, int] | None:
        boxes = [r.box for r in self.reads if r.box is not None]
        if not boxes:
            return None
        return (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )

    def to_code(self) -> sym.Code:
        r = self.best
        symbology = r.symbology
        # zxing-cpp names UPC-E itself; zbar expands it and calls it EAN-13.
        if any(x.symbology == sym.UPCE for x in self.reads):
            symbology = sym.UPCE
        return sym.Code(
            symbology=symbology,
            aim=r.aim,
            payload=r.payload,
            gtin=sym.gtin_of(r.symbology, r.aim, r.payload),
            decoders=self.decoders,
            votes=self.votes,
            box=self.box,
        )


def read_key(read: sym.Read) -> tuple[str, str]:
    """The identity used for agreement (see the module docstring on Code 128)."""
    fam, value = read.key
    if fam == sym.CODE128:
        value = "".join(chr(ord(c) & 0x7F) if ord(c) < 256 else c for c in value)
    return (fam, value)


def plausible(read: sym.Read) -> bool:
    """Check-digit and GS1 rules a read must pass before it can vote at all."""
    if read.symbology in sym.EAN_UPC:
        return sym.gtin_of(read.symbology, read.aim, read.payload) is not None
    if read.symbology == sym.ITF and len(read.payload) == 14:
        return gtin_math.is_valid(read.payload)
    if read.is_gs1 and not read.payload:
        return False
    return not (read.is_gs1 and sym.gs1_gtin_invalid(read.payload))


class Tally:
    """Reads from several looks, grouped by code, with the acceptance rules."""

    def __init__(self) -> None:
        self.candidates: dict[tuple[str, str], Candidate] = {}

    def add(self, reads: Iterable[sym.Read], view: str, scale: float = 1.0) -> None:
        for read in reads:
            if not plausible(read):
                continue
            if scale != 1.0 and read.box is not None:
                x0, y0, x1, y1 = read.box
                read = sym.Read(
                    read.symbology,
                    read.aim,
                    read.payload,
                    read.decoder,
                    (int(x0 * scale), int(y0 * scale), int(x1 * scale), int(y1 * scale)),
                )
            key = read_key(read)
            cand = self.candidates.setdefault(key, Candidate(key))
            cand.reads.append(read)
            cand.looks.add((read.decoder, view))

    def unsettled(self) -> bool:
        """True while a 1-D read lacks a second vote or two reads are in conflict."""
        conflicts = self._conflicts()
        for c in self.candidates.values():
            if c.is_matrix:
                continue
            if not c.confirmed or any(o.score >= c.score for o in conflicts.get(c.key, [])):
                return True
        return False

    def _conflicts(self) -> dict[tuple[str, str], list[Candidate]]:
        linear = [c for c in self.candidates.values() if not c.is_matrix]
        out: dict[tuple[str, str], list[Candidate]] = {}
        for i, a in enumerate(linear):
            for b in linear[i + 1 :]:
                if a.key[1] in b.key[1] or b.key[1] in a.key[1]:
                    continue  # a piece of the other read, not a rival (see _partial)
                if a.key[0] == b.key[0] and _overlap(a.box, b.box):
                    out.setdefault(a.key, []).append(b)
                    out.setdefault(b.key, []).append(a)
        return out

    def accepted(self) -> list[sym.Code]:
        """The codes that pass the rules, top to bottom, left to right."""
        codes = list(self.accepted_by_key().values())
        codes.sort(key=lambda c: (c.box[1], c.box[0]) if c.box else (0, 0))
        return codes

    def accepted_by_key(self) -> dict[tuple[str, str], sym.Code]:
        conflicts = self._conflicts()
        codes: dict[tuple[str, str], sym.Code] = {}
        for cand in self.candidates.values():
            if not cand.is_matrix:
                if not cand.confirmed or self._partial(cand):
                    continue
                if any(o.score >= cand.score for o in conflicts.get(cand.key, [])):
                    continue
            codes[cand.key] = cand.to_code()
        return codes

    def _partial(self, cand: Candidate) -> bool:
        """A 1-D read that is a piece of a longer read of the same symbology.

        Codes without a fixed length (ITF, Code 39, Codabar) are sometimes read from a
        scan line that misses their ends; the piece is a valid code by itself.
        """
        fam, value = cand.key
        return any(
            other is not cand
            and other.key[0] == fam
            and len(other.key[1]) > len(value)
            and value in other.key[1]
            and other.score >= cand.score
            for other in self.candidates.values()
        )


def _overlap(a: tuple[int, int, int, int] | None, b: tuple[int, int, int, int] | None) -> bool:
    if a is None or b is None:
        return True  # no position: assume the same place, the cautious side
    # 1-D positions are often a scan line (a box with no height): allow a margin.
    m = max(8, (a[3] - a[1] + b[3] - b[1]) // 4)
    return a[0] - m <= b[2] and b[0] - m <= a[2] and a[1] - m <= b[3] and b[1] - m <= a[3]


class DecodePipeline:
    """Decoders combined; build once and reuse (decoder libraries load in ``__init__``)."""

    def __init__(self, decoders: Sequence[Decoder] | None = None) -> None:
        from floor_app.scanning.decoders import load_decoders

        if decoders is None:
            loaded, self.problems = load_decoders()
            self.decoders: list[Decoder] = loaded
        else:
            self.decoders, self.problems = list(decoders), []
        if not self.decoders:
            raise RuntimeError("no barcode decoder is available: " + "; ".join(self.problems))
        # The camera's per-frame plan, to stay within 33 ms for a 720p frame on one core:
        # zxing-cpp on the full frame (it reads 2-D codes and downscales by itself), zbar
        # on a half-size frame, 1-D symbologies only, every other scan line.
        self._camera_plan: list[tuple[Decoder, float]] = []
        for d in self.decoders:
            if d.name == "zbar":
                from floor_app.scanning.decoders import ZbarDecoder

                self._camera_plan.append((ZbarDecoder(linear_only=True, density=2), 0.5))
            else:
                self._camera_plan.append((d, 1.0))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.decoders)

    def tally_camera(self, gray: np.ndarray) -> Tally:
        """The camera's look at one frame (see ``_camera_plan``)."""
        from floor_app.scanning.imaging import rescale

        tally = Tally()
        for d, factor in self._camera_plan:
            view = gray if factor == 1.0 else rescale(gray, factor)
            tally.add(d.decode(view), "frame", 1.0 / factor)
        return tally

    def tally_frame(self, gray: np.ndarray) -> Tally:
        """One look per decoder at full resolution: the first step for a still image."""
        tally = Tally()
        for d in self.decoders:
            tally.add(d.decode(gray), "frame")
        return tally

    def decode_frame(self, gray: np.ndarray) -> list[sym.Code]:
        """Codes one camera frame settles by itself (2-D, or 1-D read by both decoders)."""
        return self.tally_camera(gray).accepted()

    def decode_image(self, gray: np.ndarray) -> list[sym.Code]:
        """A still image, looked at harder: extra views only while something is unsettled."""
        from floor_app.scanning.imaging import still_variants

        tally = self.tally_frame(gray)
        if not tally.candidates or tally.unsettled():
            for d in self.decoders:
                tally.add(d.decode(gray, harder=True), "frame")  # same view: no new vote
            for name, view, scale in still_variants(gray):
                if tally.candidates and not tally.unsettled():
                    break
                for d in self.decoders:
                    tally.add(d.decode(view), name, scale)
        return tally.accepted()
