"""Sync under faults, over 50 seeds (SYNC.md): lost requests, responses lost after HQ
committed, duplicated requests and replayed old batches, while HQ cancels and reassigns.
After healing: every event applied at HQ exactly once, HQ's fills equal the hubs',
nothing pending, and HQ never answered one event two ways."""

from __future__ import annotations

from pathlib import Path

import fault_scenario
import pytest

SEEDS = range(50)


@pytest.mark.parametrize("seed", SEEDS)
def test_sync_under_faults(seed: int, fast_dir: Path, hq_url: str, _migrated_sqlite: Path) -> None:
    counts = fault_scenario.run(fast_dir, hq_url, _migrated_sqlite, seed)
    # The scenario really exercised what it claims to (not a quiet run).
    assert counts["fills"] > 0 and counts["syncs"] > 0
    assert counts["lost_request"] + counts["lost_response"] + counts["duplicate"] > 0
