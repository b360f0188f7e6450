"""The station app and its factory.

``make_app(services)`` builds the app on services the caller owns: the ``floor`` command
opens them on the configured database; tests pass services on a temporary database with a
fake clock. Nothing here reads a config file or opens a database by itself.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import App
from textual.binding import Binding

from floor_app.tui.commands import StationCommands
from floor_app.tui.screens.station import StationScreen
from floor_app.tui.themes import FLOOR_DARK, FLOOR_HIGH_CONTRAST, THEMES

if TYPE_CHECKING:
    from floor_app.config import Settings
    from floor_app.services.context import Services

#: When set, the app writes this file (and exits if FLOOR_EXIT_WHEN_READY=1) as soon as the
#: scan field has focus: ``bench/startup.py`` measures process start to ready-to-scan.
READY_FILE_ENV = "FLOOR_READY_FILE"
EXIT_WHEN_READY_ENV = "FLOOR_EXIT_WHEN_READY"


class FloorApp(App[None]):
    CSS_PATH = Path(__file__).with_name("station.tcss")
    TITLE = "Floor"
    COMMANDS = App.COMMANDS | {StationCommands}
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", priority=True, show=False)]
    # No mouse needed; keep it off so a remote terminal never receives mouse reports.
    ENABLE_COMMAND_PALETTE = True

    def __init__(
        self,
        settings: Settings,
        services: Services | None = None,
        *,
        open_services: Callable[[], Services] | None = None,
        idle_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        if services is None and open_services is None:
            raise ValueError("FloorApp needs services or a way to open them")
        self.settings = settings
        self._services = services
        self.open_services = open_services
        self.idle_clock = idle_clock
        self.exit_message = ""
        self.register_theme(FLOOR_DARK)
        self.register_theme(FLOOR_HIGH_CONTRAST)
        self.theme = THEMES[settings.station.theme]

    @property
    def services(self) -> Services | None:
        """The services, once open (the lazy start opens them after the first paint)."""
        if self._services is None:
            station = next((s for s in self.screen_stack if isinstance(s, StationScreen)), None)
            return station.services if station is not None else None
        return self._services

    def on_mount(self) -> None:
        self.push_screen(
            StationScreen(
                self.settings,
                self._services,
                open_services=self.open_services,
                idle_clock=self.idle_clock,
            )
        )

    def announce_ready(self) -> None:
        """Called by the station screen once the scan field has focus and is painted."""
        ready = os.environ.get(READY_FILE_ENV)
        if ready:
            Path(ready).write_text(f"{time.time():.6f}\n", encoding="utf-8")
            if os.environ.get(EXIT_WHEN_READY_ENV) == "1":
                self.exit()

    @property
    def station(self) -> StationScreen:
        return next(s for s in self.screen_stack if isinstance(s, StationScreen))

    def action_toggle_contrast(self) -> None:
        hc = FLOOR_HIGH_CONTRAST.name
        self.theme = FLOOR_DARK.name if self.theme == hc else hc

    def on_unmount(self) -> None:
        for screen in self.screen_stack:
            camera = getattr(screen, "camera", None)
            if camera is not None:
                camera.stop(timeout=0)


def make_app(services: Services, *, idle_clock: Callable[[], float] = time.monotonic) -> FloorApp:
    """The station app on ``services`` (tests pass their own, on a temporary database)."""
    return FloorApp(services.settings, services, idle_clock=idle_clock)


def make_lazy_app(settings: Settings, open_services: Callable[[], Services]) -> FloorApp:
    """The station app that opens its services in a worker after the first paint.

    ``floor`` uses it: SQLAlchemy, the models and Alembic's schema check load while the
    screen is already up; scans that arrive meanwhile are queued, not lost.
    """
    return FloorApp(settings, open_services=open_services)
