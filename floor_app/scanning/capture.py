"""Frame sources for the camera loop: a camera by index, a video file, or a folder of images.

The source string is ``[scanner] camera_device`` from config.toml: digits open that camera
(``0`` is the first), a file is played as a video, a folder is read as an image sequence
in name order. OpenCV is imported only when a source is opened.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

from floor_app.scanning.corpus import IMAGE_SUFFIXES


class NoCamera(RuntimeError):
    """The configured source cannot be opened; the message is shown at the station."""


class FrameSource(Protocol):
    description: str

    def read(self) -> np.ndarray | None:
        """The next frame (BGR or gray), or None when the source has ended."""
        ...

    def close(self) -> None: ...


class VideoSource:
    """``cv2.VideoCapture`` on a device index or a video file."""

    def __init__(self, target: int | str, description: str) -> None:
        import cv2

        self.description = description
        self.live = isinstance(target, int)
        self._cap = cv2.VideoCapture(target)
        if not self._cap.isOpened():
            self._cap.release()
            raise NoCamera(f"cannot open {description}")

    def read(self) -> np.ndarray | None:
        ok, frame = self._cap.read()
        return frame if ok else None

    def close(self) -> None:
        self._cap.release()


class ImageSequenceSource:
    """Every image in a folder, in name order, as consecutive frames."""

    def __init__(self, folder: Path) -> None:
        self.description = f"image sequence {folder}"
        self.live = False
        self._files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not self._files:
            raise NoCamera(f"no images in folder {folder}")
        self._next = 0

    def read(self) -> np.ndarray | None:
        from floor_app.scanning.imaging import ImageUnreadable, load_gray

        while self._next < len(self._files):
            path = self._files[self._next]
            self._next += 1
            try:
                return load_gray(path)
            except ImageUnreadable:
                continue  # a stray non-image file in the folder is not a frame
        return None

    def close(self) -> None:
        self._next = len(self._files)


def open_source(spec: str) -> VideoSource | ImageSequenceSource:
    """Open ``spec`` (see the module docstring); :class:`NoCamera` says why it cannot be."""
    spec = spec.strip()
    if not spec:
        raise NoCamera("no camera configured ([scanner] camera_device is empty)")
    if spec.isdigit():
        return VideoSource(int(spec), f"camera {spec}")
    path = Path(spec).expanduser()
    if path.is_dir():
        return ImageSequenceSource(path)
    if path.is_file():
        return VideoSource(str(path), f"video file {path}")
    raise NoCamera(f"camera_device {spec!r} is neither a camera index, a file nor a folder")
