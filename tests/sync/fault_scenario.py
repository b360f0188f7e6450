"""The seeded "sync under faults" scenario of SYNC.md, shared by the fault test and the
mutation check (which expects it to fail once a deliberate bug is switched on)."""

from __future__ import annotations

import random
from pathlib import Path

from sync_world import Faults, World

FAULTS = Faults(lost_request=0.10, lost_response=0.10, duplicate=0.10, replay_old=0.05)


def run(
    tmp: Path, hq_url: str, hub_template: Path, seed: int, *, steps: int = 40, lines: int = 40
) -> dict[str, int]:
    """Two hubs work and sync through a faulty network while HQ cancels and reassigns
    lines; then the network heals. Raises AssertionError on any broken invariant."""
    rng = random.Random(seed)
    world = World(tmp, hq_url, hub_template)
    try:
        for hub_id in ("HUB-A", "HUB-B"):
            world.add_hub(hub_id, rng=random.Random(rng.random()))
        world.seed(rng, skus=5, lines=lines, max_qty=3)
        for hub in world.hubs.values():
            hub.sync(world.clock)  # first pull on a good link
            assert hub.transport is not None
            hub.transport.faults = FAULTS
        hubs = list(world.hubs.values())
        counts = {"fills": 0, "syncs": 0, "hq_changes": 0}
        for _ in range(steps):
            hub = rng.choice(hubs)
            roll = rng.random()
            if roll < 0.08:
                world.hq_cancel_or_reassign(rng)
                counts["hq_changes"] += 1
            elif roll < 0.55:
                grade = rng.choice("AAAB")
                if world.process(hub, rng.randrange(len(world.skus)), grade):
                    counts["fills"] += 1
            elif roll < 0.62:
                world.confirm_one(hub, rng)
            elif roll < 0.67:
                world.void_one(hub, rng)
            else:
                hub.sync(world.clock)
                counts["syncs"] += 1
                world.check_hub_not_ahead()  # also checked at every request on the wire
                world.check_no_double_fill()
        world.heal()
        world.check_answers_consistent()
        world.check_exactly_once()
        world.check_no_double_fill()
        world.check_converged()
        for hub in hubs:
            assert hub.transport is not None
            for k, v in hub.transport.injected.items():
                counts[k] = counts.get(k, 0) + v
        return counts
    finally:
        world.close()
