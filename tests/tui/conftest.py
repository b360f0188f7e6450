"""Station fixtures: services on a temporary, migrated database with a tiny catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tui_support import FakeClock, FakeMonotonic, Hub, seed_tiny_hub


@pytest.fixture
def hub(settings: Any, db: Any) -> Iterator[Hub]:
    from floor_app.services.context import Services

    settings.roster.leads = ["OP-L1"]
    settings.printer.address = str(settings.base_dir / "spool")
    seed_tiny_hub(db)
    clock = FakeClock()
    services = Services.open(settings, db=db, clock=clock)
    yield Hub(services, clock, FakeMonotonic())


@pytest.fixture
def station_app(hub: Hub) -> Any:
    from floor_app.tui.app import make_app

    return make_app(hub.services, idle_clock=hub.idle)


@pytest.fixture
def anyio_backend() -> str:
    # Pilot tests are coroutines; anyio's pytest plugin (installed with httpx) runs them.
    return "asyncio"
