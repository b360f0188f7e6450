"""The station starts fast: importing the scanning package loads no heavy library."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("cv2", "numpy", "zxingcpp", "pyzbar", "biip", "PIL")


def test_scanning_imports_are_light() -> None:
    code = (
        "import sys\n"
        "import floor_app.scanning, floor_app.scanning.camera, floor_app.scanning.capture\n"
        "import floor_app.scanning.pipeline, floor_app.scanning.decoders\n"
        "import floor_app.scanning.imaging, floor_app.scanning.synthetic, floor_app.scanning.gs1\n"
        "import floor_app.commands.decode\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_camera_scanner_start_does_not_import_opencv_on_the_caller() -> None:
    # start() hands everything to the thread: the caller returns before OpenCV loads.
    code = (
        "import sys, time\n"
        "from floor_app.scanning.camera import CameraScanner\n"
        "s = CameraScanner('', lambda t, y: None)\n"
        "t = time.perf_counter(); s.start(); took = time.perf_counter() - t\n"
        "s.wait(30)\n"
        "print(round(took, 3), s.status.state)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    took, state = out.stdout.split()
    assert float(took) < 0.05
    assert state == "no_camera"
