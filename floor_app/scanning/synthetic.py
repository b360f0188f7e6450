"""Synthetic camera frames: a barcode drawn by zxing-cpp, placed in a cluttered scene.

Used by the tests, ``bench/decode.py`` and demos, so the camera path can be exercised on a
machine with no camera. Everything is deterministic for a given seed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# Names accepted by :func:`barcode_image`, mapped to zxing-cpp format names.
FORMATS = {
    "ean13": "EAN13",
    "ean8": "EAN8",
    "upca": "UPCA",
    "upce": "UPCE",
    "itf": "ITF",
    "code128": "Code128",
    "qr": "QRCode",
    "datamatrix": "DataMatrix",
}


def barcode_image(content: str, kind: str, *, scale: int = 3, gs1: bool = False) -> np.ndarray:
    """A clean grayscale image of one symbol with quiet zones.

    For GS1 (``gs1=True``) give the content with AIs in parentheses: ``(01)09504000059101``.
    """
    import numpy as np
    import zxingcpp

    fmt = getattr(zxingcpp.BarcodeFormat, FORMATS[kind])
    options = {"gs1": True} if gs1 else {}
    symbol = zxingcpp.create_barcode(content, fmt, **options)
    return np.array(symbol.to_image(scale=scale, add_quiet_zones=True), dtype=np.uint8)


def scene(
    symbol: np.ndarray | None,
    *,
    width: int = 1280,
    height: int = 720,
    seed: int = 0,
    at: tuple[int, int] | None = None,
    angle: float = 4.0,
    blur: float = 0.8,
    noise: float = 6.0,
) -> np.ndarray:
    """A BGR frame: a textured desk with boxes and text, the symbol on a white label.

    The label is rotated by ``angle`` degrees and the frame is softened by ``blur`` and
    sensor ``noise``, roughly what a fixed 720p camera sees over a packing table.
    """
    import cv2
    import numpy as np

    rng = np.random.default_rng(seed)
    frame: np.ndarray = np.empty((height, width, 3), np.uint8)
    frame[:] = (96, 110, 124)
    # Clutter: rectangles (boxes, tape) and text (other labels) that are not barcodes.
    for _ in range(14):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        w, h = int(rng.integers(40, 260)), int(rng.integers(30, 180))
        colour = tuple(int(c) for c in rng.integers(40, 220, 3))
        cv2.rectangle(frame, (x, y), (x + w, y + h), colour, -1)
    for i in range(6):
        x, y = int(rng.integers(0, width - 300)), int(rng.integers(20, height))
        cv2.putText(
            frame, f"RETURN {1000 + i}", (x, y), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (30, 30, 30), 2
        )
    if symbol is not None:
        label = cv2.copyMakeBorder(symbol, 20, 20, 20, 20, cv2.BORDER_CONSTANT, value=255)
        label = cv2.cvtColor(label, cv2.COLOR_GRAY2BGR)
        lh, lw = label.shape[:2]
        rot = cv2.getRotationMatrix2D((lw / 2, lh / 2), angle, 1.0)
        warped = cv2.warpAffine(label, rot, (lw, lh), borderValue=(0, 0, 0))
        mask = cv2.warpAffine(np.full((lh, lw), 255, np.uint8), rot, (lw, lh))
        if at is None:
            at = ((width - lw) // 2, (height - lh) // 2)
        x, y = at
        roi = frame[y : y + lh, x : x + lw]
        m = mask[: roi.shape[0], : roi.shape[1]] > 0
        roi[m] = warped[: roi.shape[0], : roi.shape[1]][m]
    if blur > 0:
        frame = cv2.GaussianBlur(frame, (0, 0), blur)
    if noise > 0:
        # Uniform sensor noise of the same spread (std = noise); int16 keeps it cheap.
        spread = int(noise * 1.73)
        jitter = rng.integers(-spread, spread + 1, size=frame.shape, dtype=np.int16)
        frame = np.clip(frame.astype(np.int16) + jitter, 0, 255).astype(np.uint8)
    return frame
