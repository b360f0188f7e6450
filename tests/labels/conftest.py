"""Fixtures for the label tests: label content, loopback "printers", the offline renderer.

The printers are real sockets on 127.0.0.1 served by threads:
- ``recording_printer`` reads everything and keeps the bytes of each connection;
- ``refused_address`` is a port nobody listens on;
- ``deaf_printer`` accepts and never reads (tiny receive buffer, so a send blocks);
- ``cutoff_printer`` reads a few bytes, then resets the connection.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import struct
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from label_support import RENDER_DIR, RecordingPrinter

# --- loopback printers ------------------------------------------------------------------


def _listener() -> socket.socket:
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.2)
    return srv


def _serve(srv: socket.socket, stop: threading.Event, handle) -> threading.Thread:  # type: ignore[no-untyped-def]
    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    return t


@pytest.fixture
def recording_printer() -> Iterator[RecordingPrinter]:
    srv = _listener()
    stop = threading.Event()
    printer = RecordingPrinter(f"127.0.0.1:{srv.getsockname()[1]}")

    def handle(conn: socket.socket) -> None:
        chunks = []
        with conn:
            conn.settimeout(5)
            try:
                while chunk := conn.recv(65536):
                    chunks.append(chunk)
            except OSError:
                return
        printer.jobs.append(b"".join(chunks))

    t = _serve(srv, stop, handle)
    yield printer
    stop.set()
    t.join(2)
    srv.close()


@pytest.fixture
def refused_address() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nobody listens here now: connecting gets ECONNREFUSED
    return f"127.0.0.1:{port}"


@pytest.fixture
def deaf_printer() -> Iterator[str]:
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Accepted sockets inherit the listener's small receive buffer, so the window fills
    # after a few kB and the sender's writes block.
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.2)
    stop = threading.Event()
    held: list[socket.socket] = []

    def handle(conn: socket.socket) -> None:
        held.append(conn)  # never read, never close until the test ends

    t = _serve(srv, stop, handle)
    yield f"127.0.0.1:{srv.getsockname()[1]}"
    stop.set()
    t.join(2)
    for c in held:
        c.close()
    srv.close()


@pytest.fixture
def cutoff_printer() -> Iterator[str]:
    srv = _listener()
    stop = threading.Event()

    def handle(conn: socket.socket) -> None:
        conn.settimeout(5)
        with contextlib.suppress(OSError):
            conn.recv(64)
        # SO_LINGER 0: close with a reset, like a printer that powers off mid-job.
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()

    t = _serve(srv, stop, handle)
    yield f"127.0.0.1:{srv.getsockname()[1]}"
    stop.set()
    t.join(2)
    srv.close()


# --- the offline ZPL renderer and the decoder --------------------------------------------


@pytest.fixture(scope="session")
def zpl_to_png():  # type: ignore[no-untyped-def]
    """``render(jobs)`` where each job is (zpl bytes, width_in, height_in, dpi, out path)."""
    node = shutil.which("node")
    module = RENDER_DIR / "node_modules" / "zpl-renderer-js"
    if node is None or not module.is_dir():
        pytest.fail(
            "offline ZPL renderer not installed (needs node and "
            "tests/labels/zpl_render/node_modules): run `make node-deps`"
        )

    def render(jobs: list[tuple[bytes, float, float, int, Path]]) -> None:
        payload = [
            {
                "zpl": z.decode("utf-8"),
                "width_mm": w * 25.4,
                "height_mm": h * 25.4,
                "dpmm": 8 if dpi == 203 else 12,
                "out": str(out),
            }
            for z, w, h, dpi, out in jobs
        ]
        proc = subprocess.run(
            [node, str(RENDER_DIR / "render.cjs")],
            input=json.dumps(payload).encode(),
            capture_output=True,
            timeout=300,
            cwd=RENDER_DIR,
        )
        assert proc.returncode == 0, proc.stderr.decode(errors="replace")

    return render


@pytest.fixture(scope="session")
def decode_image():  # type: ignore[no-untyped-def]
    """``decode(path) -> [text, ...]`` with the project's own camera pipeline."""
    from floor_app.scanning.imaging import load_gray
    from floor_app.scanning.pipeline import DecodePipeline

    pipeline = DecodePipeline()

    def decode(path: Path) -> list[tuple[str, str]]:
        return [(c.payload, c.symbology) for c in pipeline.decode_image(load_gray(path))]

    return decode
