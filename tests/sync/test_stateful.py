"""A hypothesis state machine: hubs receive and grade, leads void, HQ cancels and
reassigns, hubs sync through one injected fault at a time. Invariants after every step:
no line filled twice, no hub ahead of HQ. After draining: exactly once and converged."""

from __future__ import annotations

import random
import shutil
import tempfile
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sync_world import World

from floor_app.store.engine import Database
from floor_app.sync.hq import admin

FAULTS = ("none", "lost_request", "lost_response", "duplicate", "replay_old")
HUBS = ("HUB-A", "HUB-B")


@cache
def _templates() -> tuple[Path, Path]:
    """Migrated hub and HQ files, made once per process (state machines have no fixtures)."""
    from floor_app.store import migrate
    from floor_app.sync.hq.db import upgrade

    root = Path(tempfile.mkdtemp(prefix="floor-sm-"))
    hub, hq = root / "hub.sqlite", root / "hq.sqlite"
    db = Database(f"sqlite:///{hub}")
    migrate.upgrade(db.engine)
    db.dispose()
    db = Database(f"sqlite:///{hq}")
    upgrade(db)
    db.dispose()
    return hub, hq


class SyncMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        hub_t, hq_t = _templates()
        base = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
        self.dir = Path(tempfile.mkdtemp(prefix="floor-sm-", dir=base))
        shutil.copyfile(hq_t, self.dir / "hq.sqlite")
        self.world = World(self.dir, f"sqlite:///{self.dir / 'hq.sqlite'}", hub_t)
        for h in HUBS:
            self.world.add_hub(h, rng=random.Random(h))
        self.world.seed(random.Random(7), skus=3, lines=8, max_qty=2)
        for hub in self.world.hubs.values():
            hub.sync(self.world.clock)

    @rule(hub=st.sampled_from(HUBS), sku=st.integers(0, 2), grade=st.sampled_from("AAB"))
    def receive_and_grade(self, hub: str, sku: int, grade: str) -> None:
        self.world.process(self.world.hubs[hub], sku, grade)

    @rule(hub=st.sampled_from(HUBS), seed=st.integers(0, 99))
    def lead_voids(self, hub: str, seed: int) -> None:
        self.world.void_one(self.world.hubs[hub], random.Random(seed))

    @rule(line=st.integers(0, 7))
    def hq_cancels(self, line: int) -> None:
        with self.world.hq.write() as s:
            admin.cancel_line(s, f"BO-{line:04d}", now=self.world.clock())

    @rule(line=st.integers(0, 7), to=st.sampled_from(HUBS))
    def hq_reassigns(self, line: int, to: str) -> None:
        with self.world.hq.write() as s:
            admin.reassign_line(s, f"BO-{line:04d}", to, now=self.world.clock())

    @rule(hub=st.sampled_from(HUBS), fault=st.sampled_from(FAULTS))
    def sync_with_a_fault(self, hub: str, fault: str) -> None:
        h = self.world.hubs[hub]
        assert h.transport is not None
        h.transport.next_fault = None if fault == "none" else fault
        h.sync(self.world.clock, batch_size=3)

    @invariant()
    def no_double_fill(self) -> None:
        self.world.check_no_double_fill()

    @invariant()
    def hub_never_ahead_of_hq(self) -> None:
        self.world.check_hub_not_ahead()

    def teardown(self) -> None:
        try:
            self.world.heal()
            self.world.check_answers_consistent()
            self.world.check_exactly_once()
            self.world.check_no_double_fill()
            self.world.check_converged()
        finally:
            self.world.close()
            shutil.rmtree(self.dir, ignore_errors=True)


SyncMachine.TestCase.settings = settings(
    max_examples=10,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestSyncMachine = SyncMachine.TestCase
