"""Fixtures for the lead's area: a migrated hub with a known state and a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from lead_hubstate import CONFIG_LEAD, NOW, seed


@pytest.fixture
def lead_settings(settings: Any) -> Any:
    settings.roster.leads = [CONFIG_LEAD]
    return settings


@pytest.fixture
def hub(lead_settings: Any, db: Any) -> Iterator[Any]:
    """Services on the seeded hub, the clock stopped at ``NOW``."""
    from floor_app.services.context import Services

    seed(db)
    services = Services.open(lead_settings, db=db, clock=lambda: NOW)
    yield services


@pytest.fixture
def anyio_backend() -> str:
    # Pilot tests are coroutines; anyio's pytest plugin (installed with httpx) runs them.
    return "asyncio"
