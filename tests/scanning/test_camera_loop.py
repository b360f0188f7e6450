"""The frame loop on generated videos and image sequences: scans, de-duplication, status."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from floor_app.scanning.camera import CameraScanner, CameraState, CameraStatus


def run_source(source: str, pipeline, **kwargs) -> tuple[list[tuple[str, str]], list]:
    scans: list[tuple[str, str]] = []
    statuses: list[CameraStatus] = []
    scanner = CameraScanner(
        source,
        lambda text, symbology: scans.append((text, symbology)),
        statuses.append,
        pipeline=pipeline,
        **kwargs,
    )
    scanner.start()
    assert scanner.wait(60), "the frame loop did not finish"
    return scans, statuses


EAN = "]E04006381333931"
GS1_128 = "]C1010950400005910110L1\x1d21S9"


def test_video_file_held_code_is_one_scan(pipeline, frames, symbols, video) -> None:
    clip = (
        frames(None, 5)  # nothing in view
        + frames(symbols["ean13"], 60, seed=100)  # held in front of the camera: one scan
        + frames(None, 20, seed=200)  # out of view long enough to re-arm
        + frames(symbols["gs1_128"], 10, seed=300)
        + frames(symbols["ean13"], 10, seed=400)  # the first code again: a second scan
    )
    scans, statuses = run_source(str(video(clip)), pipeline)
    assert scans == [(EAN, "EAN-13"), (GS1_128, "Code 128"), (EAN, "EAN-13")]
    states = [s.state for s in statuses]
    assert states == [CameraState.STARTING, CameraState.RUNNING, CameraState.ENDED]
    assert statuses[-1].frames == len(clip)


def test_image_sequence_and_short_dropout(pipeline, frames, symbols, sequence) -> None:
    # A code that leaves the view for 3 frames (a hand passing) is still one scan; a QR
    # code is accepted from a single frame.
    clip = (
        frames(None, 3)
        + frames(symbols["ean13"], 30, seed=10)
        + frames(None, 3, seed=50)
        + frames(symbols["ean13"], 30, seed=60)
        + frames(symbols["qr"], 1, seed=90)
        + frames(None, 2, seed=95)
    )
    scans, statuses = run_source(str(sequence(clip)), pipeline)
    assert scans == [(EAN, "EAN-13"), ("]Q1hello floor", "QR Code")]
    assert statuses[-1].state is CameraState.ENDED


def test_rearm_frames_is_configurable(pipeline, frames, symbols, sequence) -> None:
    clip = frames(symbols["ean13"], 8) + frames(None, 3, seed=20) + frames(symbols["ean13"], 8)
    scans, _ = run_source(str(sequence(clip)), pipeline, rearm_frames=2)
    assert scans == [(EAN, "EAN-13"), (EAN, "EAN-13")]


def test_scans_parse_like_wedge_scans(pipeline, frames, symbols, sequence) -> None:
    from floor_app.domain.barcodes import parse_scan

    clip = frames(symbols["ean13"], 4) + frames(None, 16) + frames(symbols["gs1_128"], 4)
    scans, _ = run_source(str(sequence(clip)), pipeline)
    parsed = [parse_scan(text) for text, _ in scans]
    assert [p.gtin for p in parsed] == ["04006381333931", "09504000059101"]
    assert (parsed[1].lot, parsed[1].serial) == ("L1", "S9")


@pytest.mark.parametrize(
    ("source", "needle"),
    [("", "no camera configured"), ("/nonexistent/cam", "neither"), ("97", "camera 97")],
)
def test_no_camera_is_a_clear_status(pipeline, source: str, needle: str) -> None:
    scans, statuses = run_source(source, pipeline)
    assert scans == []
    assert statuses[-1].state is CameraState.NO_CAMERA
    assert needle in statuses[-1].message
    assert str(statuses[-1]).startswith("no camera")


def test_start_and_stop_never_block(pipeline, frames, symbols, sequence) -> None:
    folder = sequence(frames(symbols["ean13"], 5) + frames(None, 5))
    gate = threading.Event()
    entered = threading.Event()
    scans: list[str] = []

    def slow_station(text: str, symbology: str) -> None:
        entered.set()
        gate.wait(5)  # a station that is busy: must not stall the frame loop
        scans.append(text)

    scanner = CameraScanner(str(folder), slow_station, pipeline=pipeline, max_fps=20)
    t0 = time.perf_counter()
    scanner.start()
    assert time.perf_counter() - t0 < 1.0  # generous: the test machine is shared
    deadline = time.monotonic() + 10
    while scanner.scans == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert scanner.scans == 1  # decoded and queued although the callback is still busy
    assert entered.wait(10)
    t0 = time.perf_counter()
    scanner.stop(timeout=0)  # the callback is still blocked: stop must not wait for it
    assert time.perf_counter() - t0 < 1.0
    gate.set()
    scanner.stop()
    assert scans == [EAN]
    assert scanner.status.state in (CameraState.STOPPED, CameraState.ENDED)


def test_without_zbar_the_camera_runs_on_zxing(monkeypatch, frames, symbols, sequence) -> None:
    from floor_app.scanning import decoders
    from floor_app.scanning.pipeline import DecodePipeline

    def no_zbar(*args, **kwargs):
        raise decoders.DecoderUnavailable("zbar is not available; install the libzbar0 package")

    monkeypatch.setattr(decoders.ZbarDecoder, "__init__", no_zbar)
    pipe = DecodePipeline()
    assert pipe.names == ("zxing",)
    clip = frames(symbols["ean13"], 6) + frames(None, 2)
    scans, statuses = run_source(str(sequence(clip)), pipe)
    running = [s for s in statuses if s.state is CameraState.RUNNING]
    assert "libzbar0" in running[0].message
    # zxing alone: a 1-D code needs three frames to agree, and then it is one scan.
    assert scans == [(EAN, "EAN-13")]


def test_a_failing_callback_does_not_kill_the_camera(pipeline, frames, symbols, sequence):
    folder: Path = sequence(
        frames(symbols["ean13"], 3) + frames(None, 16) + frames(symbols["qr"], 2)
    )
    seen: list[str] = []

    def flaky(text: str, symbology: str) -> None:
        seen.append(text)
        if len(seen) == 1:
            raise RuntimeError("station bug")

    scanner = CameraScanner(str(folder), flaky, pipeline=pipeline)
    scanner.start()
    assert scanner.wait(30)
    assert seen == [EAN, "]Q1hello floor"]


def test_stop_then_start_at_once_is_a_fresh_run(pipeline, frames, symbols, sequence) -> None:
    folder = sequence(frames(symbols["ean13"], 6) + frames(None, 4))
    scans: list[str] = []
    statuses: list[CameraStatus] = []
    scanner = CameraScanner(
        str(folder), lambda t, s: scans.append(t), statuses.append, pipeline=pipeline, max_fps=5
    )
    scanner.start()
    scanner.stop(timeout=0)  # the old threads are still winding down...
    scanner.start()  # ...and this does not wait for them
    assert scanner.wait(30)
    assert scans == [EAN]  # from the second run; the first was stopped before reporting
    assert statuses[-1].state is CameraState.ENDED
    assert scanner.status.state is CameraState.ENDED
    # No stale "stopped" from the first run after the second run's statuses began.
    second = max(i for i, s in enumerate(statuses) if s.state is CameraState.STARTING)
    assert all(s.state is not CameraState.STOPPED for s in statuses[second:])


def test_from_settings_uses_camera_device(settings, sequence, frames, symbols) -> None:
    folder = sequence(frames(symbols["qr"], 2))
    scans: list[str] = []
    scanner = CameraScanner.from_settings(settings, lambda t, s: scans.append(t))
    assert scanner.source == ""  # the default: no camera
    scanner.start()
    assert scanner.wait(60)
    assert scanner.status.state is CameraState.NO_CAMERA
    configured = settings.model_copy(
        update={"scanner": settings.scanner.model_copy(update={"camera_device": str(folder)})}
    )
    scanner = CameraScanner.from_settings(configured, lambda t, s: scans.append(t))
    scanner.start()
    assert scanner.wait(60)
    assert scans == ["]Q1hello floor"]
