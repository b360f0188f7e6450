"""The two decoders, zxing-cpp and zbar (through pyzbar's ctypes binding), behind one shape.

Both libraries are imported when a decoder is built, never when this module is imported,
so the station starts fast. A missing library (no ``libzbar0`` on the machine, say) makes
:func:`load_decoders` return the decoders that did load plus a message naming what is
missing; the pipeline then runs on what it has.

Each decoder turns a grayscale ``numpy`` image into :class:`~.symbols.Read` objects with
the AIM identifier and the payload as a wedge scanner would send them.
"""

from __future__ import annotations

import ctypes
import logging
from typing import TYPE_CHECKING, Any, Protocol

from floor_app.domain import gtin as gtin_math
from floor_app.scanning import symbols as sym

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)


class DecoderUnavailable(RuntimeError):
    """A decoder library cannot be loaded on this machine."""


class Decoder(Protocol):
    name: str

    def decode(self, gray: np.ndarray, *, harder: bool = False) -> list[sym.Read]:
        """Reads in a 2-D uint8 image; ``harder`` trades time for recall."""
        ...


class ZxingDecoder:
    """zxing-cpp: the stronger decoder for 2-D codes, UPC and skewed 1-D codes."""

    name = "zxing"

    def __init__(self) -> None:
        try:
            import zxingcpp
        except ImportError as exc:  # pragma: no cover - the wheel is a hard dependency
            raise DecoderUnavailable(f"zxing-cpp cannot be imported: {exc}") from exc
        self._z = zxingcpp
        self._names = {
            zxingcpp.BarcodeFormat.EAN13: sym.EAN13,
            zxingcpp.BarcodeFormat.EAN8: sym.EAN8,
            zxingcpp.BarcodeFormat.UPCA: sym.UPCA,
            zxingcpp.BarcodeFormat.UPCE: sym.UPCE,
            zxingcpp.BarcodeFormat.ITF: sym.ITF,
            zxingcpp.BarcodeFormat.Code128: sym.CODE128,
            zxingcpp.BarcodeFormat.Code39: sym.CODE39,
            zxingcpp.BarcodeFormat.Code93: sym.CODE93,
            zxingcpp.BarcodeFormat.Codabar: sym.CODABAR,
            zxingcpp.BarcodeFormat.QRCode: sym.QR,
            zxingcpp.BarcodeFormat.DataMatrix: sym.DATAMATRIX,
            zxingcpp.BarcodeFormat.PDF417: sym.PDF417,
            zxingcpp.BarcodeFormat.Aztec: sym.AZTEC,
            zxingcpp.BarcodeFormat.DataBar: sym.DATABAR,
            zxingcpp.BarcodeFormat.DataBarExp: sym.DATABAR_EXP,
        }

    def decode(self, gray: np.ndarray, *, harder: bool = False) -> list[sym.Read]:
        z = self._z
        found = z.read_barcodes(
            gray,
            text_mode=z.TextMode.Plain,  # raw data: GS1 separators as ASCII 29, no "(01)"
            try_rotate=harder,
            try_invert=harder,
            try_downscale=True,
            binarizer=z.Binarizer.LocalAverage,
        )
        if harder:
            found += z.read_barcodes(
                gray,
                text_mode=z.TextMode.Plain,
                try_rotate=False,
                try_invert=False,
                binarizer=z.Binarizer.GlobalHistogram,
            )
        reads: list[sym.Read] = []
        for b in found:
            if not b.valid:
                continue
            name = self._names.get(b.format, str(b.format))
            payload = b.text
            aim = b.symbology_identifier or ""
            if name in (sym.UPCA, sym.UPCE) and len(payload) in (8, 12):
                payload = _ean13_form(name, payload)
            p = b.position
            xs = (p.top_left.x, p.top_right.x, p.bottom_left.x, p.bottom_right.x)
            ys = (p.top_left.y, p.top_right.y, p.bottom_left.y, p.bottom_right.y)
            box = (min(xs), min(ys), max(xs), max(ys))
            reads.append(sym.Read(name, aim, payload, self.name, box))
        return reads


# zbar type number -> (symbology, AIM identifier without / with the GS1 modifier)
_ZBAR_TYPES: dict[int, tuple[str, str, str]] = {
    13: (sym.EAN13, "]E0", "]E0"),
    12: (sym.UPCA, "]E0", "]E0"),
    9: (sym.UPCE, "]E0", "]E0"),
    8: (sym.EAN8, "]E4", "]E4"),
    25: (sym.ITF, "]I0", "]I0"),
    128: (sym.CODE128, "]C0", "]C1"),
    39: (sym.CODE39, "]A0", "]A0"),
    93: (sym.CODE93, "]G0", "]G0"),
    38: (sym.CODABAR, "]F0", "]F0"),
    34: (sym.DATABAR, "]e0", "]e0"),
    35: (sym.DATABAR_EXP, "]e0", "]e0"),
    57: (sym.PDF417, "]L2", "]L2"),
    64: (sym.QR, "]Q1", "]Q3"),
}
_LINEAR_TYPES = (13, 12, 9, 8, 25, 128, 39, 93)
_ZBAR_MOD_GS1 = 1 << 0  # zbar_modifier_t ZBAR_MOD_GS1


class ZbarDecoder:
    """zbar through pyzbar's ctypes binding; needs the ``libzbar0`` system library.

    pyzbar's own ``decode`` drops zbar's symbol modifiers, so it cannot tell GS1-128 from
    plain Code 128; this loop asks zbar for them to give the right AIM identifier.
    """

    name = "zbar"

    def __init__(self, *, linear_only: bool = False, density: int = 1) -> None:
        """``linear_only`` and ``density`` > 1 (scan every n-th line) make the camera's
        per-frame look several times cheaper; still images use the defaults."""
        self.linear_only = linear_only
        self.density = density
        try:
            from pyzbar import wrapper as zw
        except Exception as exc:  # ImportError, or OSError from a broken libzbar
            raise DecoderUnavailable(
                f"zbar is not available ({exc}); install the libzbar0 package"
            ) from exc
        self._w = zw
        self._modifiers: Any = None
        try:
            self._modifiers = zw.zbar_function(
                "zbar_symbol_get_modifiers", ctypes.c_uint, ctypes.POINTER(zw.zbar_symbol)
            )
        except AttributeError:  # a zbar older than 0.11: no GS1 flag, reads still work
            log.info("zbar has no zbar_symbol_get_modifiers; GS1-128 reads are not flagged")

    def decode(self, gray: np.ndarray, *, harder: bool = False) -> list[sym.Read]:
        w = self._w
        if gray.ndim != 2 or gray.size == 0:
            return []
        pixels = gray.tobytes() if gray.flags["C_CONTIGUOUS"] else gray.copy().tobytes()
        height, width = gray.shape
        scanner = w.zbar_image_scanner_create()
        image = w.zbar_image_create()
        reads: list[sym.Read] = []
        try:
            density = 1 if harder else self.density
            w.zbar_image_scanner_set_config(scanner, 0, w.ZBarConfig.CFG_X_DENSITY, density)
            w.zbar_image_scanner_set_config(scanner, 0, w.ZBarConfig.CFG_Y_DENSITY, density)
            # zbar's DataBar decoder prints assertion warnings on stderr for some photos;
            # zxing-cpp reads DataBar, so zbar leaves it to it.
            for kind in (34, 35):
                w.zbar_image_scanner_set_config(scanner, kind, w.ZBarConfig.CFG_ENABLE, 0)
            if self.linear_only and not harder:
                w.zbar_image_scanner_set_config(scanner, 0, w.ZBarConfig.CFG_ENABLE, 0)
                for kind in _LINEAR_TYPES:
                    w.zbar_image_scanner_set_config(scanner, kind, w.ZBarConfig.CFG_ENABLE, 1)
            w.zbar_image_set_format(image, 0x30303859)  # fourcc "Y800": 8-bit grayscale
            w.zbar_image_set_size(image, width, height)
            # `pixels` outlives the scan (zbar does not copy it): it is this frame's local.
            data = ctypes.cast(pixels, ctypes.c_void_p)  # type: ignore[arg-type]
            w.zbar_image_set_data(image, data, len(pixels), None)
            if w.zbar_scan_image(scanner, image) < 0:
                return []
            symbol = w.zbar_image_first_symbol(image)
            while symbol:
                read = self._read(symbol)
                if read is not None:
                    reads.append(read)
                symbol = w.zbar_symbol_next(symbol)
        finally:
            w.zbar_image_destroy(image)
            w.zbar_image_scanner_destroy(scanner)
        return reads

    def _read(self, symbol: Any) -> sym.Read | None:
        w = self._w
        kind = _ZBAR_TYPES.get(symbol.contents.type)
        if kind is None:
            return None
        name, aim, gs1_aim = kind
        data = ctypes.string_at(
            w.zbar_symbol_get_data(symbol), w.zbar_symbol_get_data_length(symbol)
        )
        payload = data.decode("utf-8", errors="replace")
        modifiers = int(self._modifiers(symbol)) if self._modifiers is not None else 0
        if modifiers & _ZBAR_MOD_GS1:
            aim = gs1_aim
        if name in (sym.UPCA, sym.UPCE):
            payload = _ean13_form(name, payload)
        elif name == sym.ITF and len(payload) == 14 and gtin_math.is_valid(payload):
            aim = "]I1"  # the mod-10 check digit was verified, as zxing-cpp reports it
        n = w.zbar_symbol_get_loc_size(symbol)
        xs = [w.zbar_symbol_get_loc_x(symbol, i) for i in range(n)]
        ys = [w.zbar_symbol_get_loc_y(symbol, i) for i in range(n)]
        box = (min(xs), min(ys), max(xs), max(ys)) if n else None
        return sym.Read(name, aim, payload, self.name, box)


def _ean13_form(symbology: str, payload: str) -> str:
    """UPC-A and UPC-E as the 13 digits a wedge scanner sends under ``]E0``."""
    if symbology == sym.UPCE and len(payload) == 8:
        expanded = gtin_math.expand_upce(payload)
        return "0" + expanded if expanded else payload
    if len(payload) == 12:
        return "0" + payload
    return payload


def load_decoders() -> tuple[list[Decoder], list[str]]:
    """The decoders that load on this machine, and a message for each one that does not."""
    decoders: list[Decoder] = []
    problems: list[str] = []
    for cls in (ZxingDecoder, ZbarDecoder):
        try:
            decoders.append(cls())
        except DecoderUnavailable as exc:
            problems.append(str(exc))
    return decoders, problems
