"""HQ on PostgreSQL (production): the protocol and the fault scenario on a throwaway
cluster. The change log's commit order there rests on the advisory write lock."""

from __future__ import annotations

import random
from pathlib import Path

import fault_scenario
import pytest
from sync_world import World


@pytest.mark.postgres
@pytest.mark.parametrize("seed", range(3))
def test_sync_under_faults_on_postgres(seed: int, fast_dir: Path, pg_hq_url: str,
                                       _migrated_sqlite: Path) -> None:  # fmt: skip
    counts = fault_scenario.run(fast_dir, pg_hq_url, _migrated_sqlite, seed)
    assert counts["fills"] > 0


@pytest.mark.postgres
def test_offline_then_catch_up_on_postgres(fast_dir: Path, pg_hq_url: str,
                                           _migrated_sqlite: Path) -> None:  # fmt: skip
    world = World(fast_dir, pg_hq_url, _migrated_sqlite)
    try:
        assert world.hq.engine.dialect.name == "postgresql"
        for h in ("HUB-A", "HUB-B"):
            world.add_hub(h)
        world.seed(random.Random(2), skus=3, lines=10)
        for hub in world.hubs.values():
            hub.sync(world.clock)
            assert hub.transport is not None
            hub.transport.faults.lost_request = 1.0
        for i in range(12):
            world.process(world.hubs["HUB-A" if i % 2 else "HUB-B"], i % 3)
        world.heal()
        world.check_exactly_once()
        world.check_no_double_fill()
        world.check_converged()
    finally:
        world.close()
