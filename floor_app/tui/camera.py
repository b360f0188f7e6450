"""The camera toggle: ``floor_app.scanning.camera.CameraScanner`` feeding the station.

The scanner's callbacks run on its own dispatcher thread; they cross into Textual only with
``call_from_thread``/``post_message``, and each code is routed exactly like a wedge scan.
OpenCV loads in the camera's thread, so the station starts without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from floor_app.tui.messages import CameraScan

if TYPE_CHECKING:
    from floor_app.tui.screens.station import StationScreen


def toggle_camera(screen: StationScreen) -> None:
    device = screen.settings.scanner.camera_device
    if screen.camera is not None:
        screen.camera.stop(timeout=0)
        screen.camera = None
        screen.notify("Camera off")
        return
    if not device:
        screen.notify(
            "No camera: set [scanner] camera_device in config.toml",
            severity="warning",
            markup=False,
        )
        return
    try:
        from floor_app.scanning.camera import CameraScanner
    except ImportError as exc:
        screen.notify(f"Camera scanner not available: {exc}", severity="error", markup=False)
        return
    app = screen.app

    def on_scan(text: str, symbology: str) -> None:
        app.call_from_thread(screen.post_message, CameraScan(text))

    def on_status(status: Any) -> None:
        message = f"Camera {status.state}: {status.message}".rstrip(": ")
        app.call_from_thread(lambda: screen.notify(message, markup=False))

    screen.camera = CameraScanner(device, on_scan, on_status)
    screen.camera.start()
    screen.notify(f"Camera on ({device})", markup=False)
