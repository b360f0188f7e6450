"""The services a station, a CLI command or a test works with, built in one place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from floor_app.config import Settings
from floor_app.services.station import StationService
from floor_app.store.engine import Database


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Callable[[], datetime]
    station: StationService

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        db: Database | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> Services:
        database = db or Database(settings.database_url())
        clk = clock or utcnow
        return cls(
            settings=settings,
            db=database,
            clock=clk,
            station=StationService(settings, database, clock=clk),
        )

    def close(self) -> None:
        self.db.dispose()
