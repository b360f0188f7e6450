"""The camera as a scanner: a stoppable background frame loop that emits wedge-like scans.

Usage (the station's side)::

    scanner = CameraScanner(settings.scanner.camera_device, on_scan, on_status)
    scanner.start()        # returns at once; OpenCV and the decoders load in the thread
    ...
    scanner.stop()         # sets the stop event; joins the threads (bounded wait)

``on_scan(text, symbology)`` receives exactly what a keyboard-wedge scanner with AIM
prefixes would send for the code (``"]E04006381333931"``, ``"]C1" + GS1 data with ASCII 29
separators``, ``"]d2..."``, ``"]Q3..."``, ``"]Q1..."``), so the same barcode parser reads
both. ``on_status(CameraStatus)`` reports running / no camera / error / ended.

Both callbacks run on a dispatcher thread of their own, never on the frame loop and never
on the caller of ``start``/``stop``: a slow callback delays later callbacks, not frame
decoding. From a Textual app, post a message (``app.call_from_thread`` or
``widget.post_message``) inside the callback.

Like toolong's ``LineReader``: a thread, a queue and an exit event. The frame thread puts
events on the queue without blocking; the dispatcher thread takes them off and calls back.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from floor_app.scanning import symbols as sym

if TYPE_CHECKING:
    from floor_app.config import Settings
    from floor_app.scanning.pipeline import DecodePipeline, Tally

log = logging.getLogger(__name__)

ScanCallback = Callable[[str, str], None]


class CameraState(StrEnum):
    STARTING = "starting"
    RUNNING = "running"
    NO_CAMERA = "no_camera"  # nothing configured, or the device/file cannot be opened
    ERROR = "error"  # the loop failed (decoder missing, device lost...)
    ENDED = "ended"  # a video file or image sequence played to its end
    STOPPED = "stopped"


@dataclass(frozen=True)
class CameraStatus:
    state: CameraState
    message: str = ""
    decoders: tuple[str, ...] = ()
    frames: int = 0

    @property
    def running(self) -> bool:
        return self.state is CameraState.RUNNING

    def __str__(self) -> str:
        label = {
            CameraState.STARTING: "camera starting",
            CameraState.RUNNING: "camera on",
            CameraState.NO_CAMERA: "no camera",
            CameraState.ERROR: "camera error",
            CameraState.ENDED: "camera source ended",
            CameraState.STOPPED: "camera off",
        }[self.state]
        return f"{label}: {self.message}" if self.message else label


class FrameConfirmer:
    """Agreement across consecutive frames for 1-D codes.

    The last ``window`` frames' reads are pooled as if they were views of one image, so a
    1-D code read by one decoder only is accepted once it has been read in
    ``SINGLE_DECODER_LOOKS`` of them, while a code both decoders read in one frame, or a
    2-D code, is accepted at once.
    """

    def __init__(self, window: int = 5) -> None:
        self._frames: deque[Tally] = deque(maxlen=window)
        self._count = 0

    def feed(self, tally: Tally) -> tuple[dict[tuple[str, str], sym.Code], set[tuple[str, str]]]:
        """Codes confirmed and present in this frame, and every code seen in it at all."""
        from floor_app.scanning.pipeline import Tally

        self._count += 1
        self._frames.append(tally)
        pooled = Tally()
        for age, frame in enumerate(self._frames):
            for cand in frame.candidates.values():
                pooled.add(cand.reads, f"f{self._count - len(self._frames) + age}")
        here = set(tally.candidates)
        confirmed = {}
        for key, code in pooled.accepted_by_key().items():
            if key in here:
                confirmed[key] = code
        return confirmed, here


class ScanDeduper:
    """The same code held in view is one scan.

    A code is emitted when it becomes confirmed; it is emitted again only after it has
    been out of view for ``rearm_frames`` consecutive frames and at least
    ``rearm_seconds`` (a code seen but not yet confirmed counts as in view).
    """

    def __init__(
        self,
        rearm_frames: int = 15,
        rearm_seconds: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rearm_frames = rearm_frames
        self.rearm_seconds = rearm_seconds
        self._clock = clock
        self._frame = 0
        self._last_seen: dict[tuple[str, str], tuple[int, float]] = {}

    def update(
        self, confirmed: dict[tuple[str, str], sym.Code], seen: set[tuple[str, str]]
    ) -> list[sym.Code]:
        self._frame += 1
        now = self._clock()
        for key, (frame, when) in list(self._last_seen.items()):
            gone = self._frame - frame > self.rearm_frames and now - when >= self.rearm_seconds
            if gone:  # absent from every frame since `frame`; back now or not
                del self._last_seen[key]
        new = [code for key, code in confirmed.items() if key not in self._last_seen]
        for key in set(confirmed) | seen:
            if key in confirmed or key in self._last_seen:
                self._last_seen[key] = (self._frame, now)
        return new


class CameraScanner:
    """A camera (or video file, or image folder) scanning in the background.

    ``source`` is the ``[scanner] camera_device`` string. ``pipeline`` may be passed to
    reuse loaded decoders (tests pass one with a single decoder). ``max_fps`` paces files
    and folders (a camera paces itself; None: as fast as frames decode).
    """

    def __init__(
        self,
        source: str,
        on_scan: ScanCallback,
        on_status: Callable[[CameraStatus], None] | None = None,
        *,
        pipeline: DecodePipeline | None = None,
        rearm_frames: int = 15,
        rearm_seconds: float = 0.0,
        max_fps: float | None = None,
    ) -> None:
        self.source = source
        self._on_scan = on_scan
        self._on_status = on_status
        self._pipeline = pipeline
        self._rearm = (rearm_frames, rearm_seconds)
        self._min_interval = 1.0 / max_fps if max_fps else 0.0
        self._status = CameraStatus(CameraState.STOPPED)
        self._run: _Run | None = None
        self.scans = 0  # scans emitted by the current run, for the status line and tests

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        on_scan: ScanCallback,
        on_status: Callable[[CameraStatus], None] | None = None,
    ) -> CameraScanner:
        """The camera configured in ``[scanner] camera_device`` (empty: no camera)."""
        return cls(settings.scanner.camera_device, on_scan, on_status)

    @property
    def status(self) -> CameraStatus:
        return self._status

    def start(self) -> None:
        """Start scanning; returns at once. Calling it while running does nothing.

        Each start is a fresh run with its own queue and exit event, so a stop followed
        at once by a start never waits for the old threads; whatever the old run still
        reports is dropped.
        """
        if self._run is not None and self._run.active:
            return
        run = _Run()
        self._run = run
        self.scans = 0
        self._set_status(run, CameraStatus(CameraState.STARTING, self.source))
        run.dispatcher = threading.Thread(
            target=self._dispatch, args=(run,), name="floor-camera-events", daemon=True
        )
        run.frames = threading.Thread(
            target=self._frames, args=(run,), name="floor-camera", daemon=True
        )
        run.dispatcher.start()
        run.frames.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop scanning: no scan is reported after this returns, except one whose
        callback is already running. Waits up to ``timeout`` seconds for the threads to
        end (0: do not wait)."""
        run = self._run
        if run is None:
            return
        run.exit.set()
        for t in (run.frames, run.dispatcher):
            if t is not None and timeout > 0 and t is not threading.current_thread():
                t.join(timeout)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the run ends (a file or folder played out, or a stop) and every
        callback for it has been made; True if it did within ``timeout``."""
        run = self._run
        if run is None:
            return True
        for t in (run.frames, run.dispatcher):
            if t is not None:
                t.join(timeout)
                if t.is_alive():
                    return False
        return True

    # -- the frame thread ---------------------------------------------------------------

    def _frames(self, run: _Run) -> None:
        try:
            self._loop(run)
        except Exception as exc:  # report it; the station keeps working without a camera
            log.exception("camera loop failed")
            self._set_status(run, CameraStatus(CameraState.ERROR, f"{type(exc).__name__}: {exc}"))
        finally:
            run.events.put(("done", None))

    def _loop(self, run: _Run) -> None:
        from floor_app.scanning.capture import NoCamera, open_source

        try:
            pipeline = self._pipeline or _default_pipeline()
        except RuntimeError as exc:
            self._set_status(run, CameraStatus(CameraState.ERROR, str(exc)))
            return
        try:
            source = open_source(self.source)
        except NoCamera as exc:
            self._set_status(run, CameraStatus(CameraState.NO_CAMERA, str(exc)))
            return
        note = "; ".join(pipeline.problems)
        running = CameraStatus(CameraState.RUNNING, note or source.description, pipeline.names)
        self._set_status(run, running)
        confirmer = FrameConfirmer()
        deduper = ScanDeduper(*self._rearm)
        frames = 0
        try:
            while not run.exit.is_set():
                started = time.monotonic()
                frame = source.read()
                if frame is None:
                    if source.live:
                        raise RuntimeError(f"{source.description} stopped delivering frames")
                    ended = CameraStatus(
                        CameraState.ENDED, source.description, pipeline.names, frames
                    )
                    self._set_status(run, ended)
                    return
                frames += 1
                self._process(run, pipeline, confirmer, deduper, frame)
                spare = self._min_interval - (time.monotonic() - started)
                if spare > 0:
                    run.exit.wait(spare)
        finally:
            source.close()
        self._set_status(run, CameraStatus(CameraState.STOPPED, "", pipeline.names, frames))

    def _process(
        self,
        run: _Run,
        pipeline: DecodePipeline,
        confirmer: FrameConfirmer,
        deduper: ScanDeduper,
        frame: object,
    ) -> None:
        from floor_app.scanning.imaging import to_gray

        gray = to_gray(frame)  # type: ignore[arg-type]
        confirmed, seen = confirmer.feed(pipeline.tally_camera(gray))
        for code in deduper.update(confirmed, seen):
            if run is self._run:
                self.scans += 1
            run.events.put(("scan", (code.text, code.symbology)))

    def _set_status(self, run: _Run, status: CameraStatus) -> None:
        if run is self._run:  # an old run's last words do not overwrite the new run's
            self._status = status
        run.events.put(("status", status))

    # -- the dispatcher thread ----------------------------------------------------------

    def _dispatch(self, run: _Run) -> None:
        while True:
            kind, payload = run.events.get()
            current = run is self._run
            try:
                if kind == "done":
                    return
                if kind == "scan" and current and not run.exit.is_set():
                    self._on_scan(*payload)  # type: ignore[misc]
                elif kind == "status" and current and self._on_status is not None:
                    self._on_status(payload)  # type: ignore[arg-type]
            except Exception:  # a callback's bug must not kill the camera
                log.exception("camera callback failed")


class _Run:
    """One start..stop of the camera: its exit event, event queue and two threads."""

    def __init__(self) -> None:
        self.exit = threading.Event()
        self.events: queue.Queue[tuple[str, object]] = queue.Queue()
        self.frames: threading.Thread | None = None
        self.dispatcher: threading.Thread | None = None

    @property
    def active(self) -> bool:
        return not self.exit.is_set() and self.frames is not None and self.frames.is_alive()


def _default_pipeline() -> DecodePipeline:
    import cv2

    from floor_app.scanning.pipeline import DecodePipeline

    cv2.setNumThreads(1)  # one core for the camera: the station's own work keeps the other
    return DecodePipeline()
