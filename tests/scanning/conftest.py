"""Fixtures for the scanning tests: decoders loaded once, generated frames and videos.

Barcodes are drawn by zxing-cpp's writer (``floor_app.scanning.synthetic``) and placed in
a cluttered scene, so no test needs a camera or files outside the repository, except the
corpus test, which reads ``<repo>/../shared/barcode-samples`` and fails if it is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from floor_app.scanning.pipeline import DecodePipeline

FRAME_SIZE = (640, 480)  # small frames keep the loop tests fast; the bench does 720p


@pytest.fixture(scope="session")
def pipeline() -> DecodePipeline:
    pipe = DecodePipeline()
    assert pipe.names == ("zxing", "zbar"), pipe.problems  # the Makefile installs libzbar0
    return pipe


@pytest.fixture(scope="session")
def frames() -> Callable[..., list]:
    """``frames(None, 5)`` blank scene frames, ``frames(symbol, 60)`` frames showing it."""
    from floor_app.scanning.synthetic import scene

    def make(symbol, count: int, *, seed: int = 0) -> list:
        w, h = FRAME_SIZE
        # The label drifts a little from frame to frame, as in a hand-held presentation.
        return [
            scene(symbol, width=w, height=h, seed=seed + i, angle=3.0 + 0.05 * i)
            for i in range(count)
        ]

    return make


@pytest.fixture(scope="session")
def symbols() -> dict:
    from floor_app.scanning.synthetic import barcode_image

    return {
        "ean13": barcode_image("400638133393", "ean13", scale=2),
        "gs1_128": barcode_image("(01)09504000059101(10)L1(21)S9", "code128", scale=2, gs1=True),
        "qr": barcode_image("hello floor", "qr", scale=4),
    }


def write_video(path: Path, frames: Sequence) -> Path:
    import cv2

    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (w, h))
    assert writer.isOpened(), "OpenCV cannot write MJPG/AVI here"
    for f in frames:
        writer.write(f)
    writer.release()
    return path


def write_sequence(folder: Path, frames: Sequence) -> Path:
    import cv2

    folder.mkdir(parents=True, exist_ok=True)
    for i, f in enumerate(frames):
        assert cv2.imwrite(str(folder / f"frame{i:04d}.jpg"), f)
    return folder


@pytest.fixture
def video(tmp_path: Path) -> Callable[[Sequence], Path]:
    """Write frames as an MJPG .avi in tmp_path (works headless) and return its path."""
    return lambda frames: write_video(tmp_path / "camera.avi", frames)


@pytest.fixture
def sequence(tmp_path: Path) -> Callable[[Sequence], Path]:
    """Write frames as numbered JPEGs in a folder and return the folder."""
    return lambda frames: write_sequence(tmp_path / "frames", frames)
