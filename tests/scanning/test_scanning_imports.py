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


def test_camera_scanner_loads_opencv_on_its_own_thread() -> None:
    # start() hands everything to the frame thread: the caller never pays for OpenCV.
    code = (
        "import sys, threading\n"
        "importers = []\n"
        "class Spy:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'cv2':\n"
        "            importers.append(threading.current_thread().name)\n"
        "        return None\n"
        "sys.meta_path.insert(0, Spy())\n"
        "from floor_app.scanning.camera import CameraScanner\n"
        "s = CameraScanner('', lambda t, y: None)\n"
        "s.start()\n"
        "s.wait(60)\n"
        "print(','.join(sorted(set(importers))), s.status.state)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["floor-camera", "no_camera"]
