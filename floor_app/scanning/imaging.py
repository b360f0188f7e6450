"""Image loading and the few preprocessing variants that help the decoders.

OpenCV and numpy are imported inside the functions: importing this module costs nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


class ImageUnreadable(ValueError):
    """A file that is not an image either OpenCV or Pillow can read."""


def load_gray(path: str | Path) -> np.ndarray:
    """A file as a 2-D uint8 grayscale array.

    OpenCV first (fast); Pillow when OpenCV declines, which it does for some valid files
    such as 1-pixel-wide WebP images.
    """
    import cv2
    import numpy as np

    _quiet_opencv()
    p = Path(path)
    if not p.is_file():
        raise ImageUnreadable(f"no such file: {p}")
    data = np.fromfile(str(p), dtype=np.uint8)  # imdecode: works for any path encoding
    gray = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE) if data.size else None
    if gray is not None:
        return gray
    try:
        from PIL import Image

        with Image.open(p) as im:
            return np.asarray(im.convert("L")).copy()
    except Exception as exc:
        raise ImageUnreadable(f"not a readable image: {p} ({type(exc).__name__})") from None


def _quiet_opencv() -> None:
    # A file OpenCV cannot parse is reported by us; its own log line on stderr is noise.
    import cv2

    with contextlib.suppress(AttributeError):  # a build without the logging utilities
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)


def to_gray(frame: np.ndarray) -> np.ndarray:
    """A camera frame (BGR, BGRA or already gray) as 2-D uint8."""
    import cv2

    if frame.ndim == 2:
        return frame
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def rescale(gray: np.ndarray, factor: float) -> np.ndarray:
    """``gray`` resized by ``factor`` (never to zero pixels: a 1-pixel strip stays one)."""
    import cv2

    h, w = gray.shape[:2]
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    interp = cv2.INTER_CUBIC if factor > 1 else cv2.INTER_AREA
    return cv2.resize(gray, size, interpolation=interp)


def _scale(factor: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda gray: rescale(gray, factor)


def _sharpen(gray: np.ndarray) -> np.ndarray:
    import cv2

    # Unsharp mask: restores edges of slightly defocused 1-D bars.
    blur = cv2.GaussianBlur(gray, (0, 0), 2.0)
    return cv2.addWeighted(gray, 1.8, blur, -0.8, 0)


def _smooth(gray: np.ndarray) -> np.ndarray:
    import cv2

    # A light blur removes print dots and JPEG noise that split thin bars.
    return cv2.GaussianBlur(gray, (3, 3), 0)


def _equalize(gray: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(gray)


def still_variants(gray: np.ndarray) -> Iterator[tuple[str, np.ndarray, float]]:
    """Extra looks at a still image, cheapest first, as (name, image, scale to original).

    Used only when the first look left a 1-D read unconfirmed or found nothing, so a
    clean image costs one pass per decoder.
    """
    h, w = gray.shape[:2]
    longest = max(h, w)
    if longest < 1000:
        yield "x2", _scale(2.0)(gray), 0.5
    if longest > 400:
        yield "half", _scale(0.5)(gray), 2.0
    yield "sharpen", _sharpen(gray), 1.0
    yield "smooth", _smooth(gray), 1.0
    yield "clahe", _equalize(gray), 1.0
