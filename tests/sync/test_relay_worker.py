"""The relay's retry policy (capped exponential backoff with full jitter, 5xx retried,
4xx stops), the background worker (stoppable, even mid-backoff), the header's status,
pull of catalogue and expected returns, and the clock-skew warning."""

from __future__ import annotations

import random
import threading
import time
from datetime import timedelta

import httpx
import pytest
from sqlmodel import select
from sync_world import World

from floor_app.store.models import CatalogItem, ExpectedReturn, Gtin
from floor_app.sync import state
from floor_app.sync.client import FatalError, TransientError
from floor_app.sync.hq import admin
from floor_app.sync.retry import Backoff
from floor_app.sync.worker import SyncWorker, status, sync_round


def test_backoff_is_capped_exponential_with_full_jitter() -> None:
    slept: list[float] = []
    calls = iter([TransientError("down")] * 8 + ["ok"])

    def call() -> str:
        item = next(calls)
        if isinstance(item, Exception):
            raise item
        return item

    top = Backoff(base=0.5, cap=4.0, sleep=slept.append, rand=lambda: 1.0)
    assert top.run(call, lambda _e: None) == "ok"
    assert slept == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0, 4.0]
    rng = random.Random(4)
    jittered = Backoff(base=0.5, cap=4.0, rand=rng.random)
    delays = [jittered.delay(a) for a in range(8)]
    assert all(0 <= d < min(4.0, 0.5 * 2**a) for a, d in enumerate(delays))
    assert len(set(delays)) == len(delays)  # jitter, not a fixed schedule


def test_backoff_gives_up_only_when_told() -> None:
    failures: list[str] = []
    b = Backoff(base=0.0, max_attempts=3, sleep=lambda _d: None)

    def down() -> None:
        raise TransientError("still down")

    with pytest.raises(TransientError):
        b.run(down, failures.append)
    assert len(failures) == 3


class Flaky(httpx.BaseTransport):
    """Answers ``codes`` first (503s, a 409...), then hands requests to ``inner``."""

    def __init__(self, inner: httpx.BaseTransport, codes: list[int]) -> None:
        self.inner, self.codes, self.seen = inner, list(codes), 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen += 1
        if self.codes:
            return httpx.Response(self.codes.pop(0), json={"detail": "injected"})
        return self.inner.handle_request(request)


def test_5xx_is_retried_and_4xx_stops_with_an_alert(world: World) -> None:
    hub = world.add_hub("HUB-A")
    world.seed(random.Random(1), skus=2, lines=2)
    world.process(hub, 0)
    inner = hub.client._http._transport  # the in-process HQ behind the faulty layer
    flaky = Flaky(inner, [503, 502, 500])
    hub.client._http._transport = flaky
    result = hub.sync(world.clock)
    assert result.pushed > 0 and flaky.seen >= 5
    world.process(hub, 1)
    hub.client._http._transport = Flaky(inner, [409])
    with pytest.raises(FatalError):
        hub.sync(world.clock)
    with hub.db.read() as s:
        assert "409" in state.get(s, state.SYNC_ERROR)
        assert state.get(s, state.SYNC_ONLINE) == "0"
    assert status(hub.db).unsynced > 0  # nothing acknowledged, nothing lost


def test_worker_syncs_in_the_background_and_stops_mid_backoff(world: World) -> None:
    hub = world.add_hub("HUB-A")
    world.seed(random.Random(2), skus=2, lines=3)
    rounds: list[object] = []
    hub.settings.sync.interval_seconds = 0.05
    worker = SyncWorker(hub.settings, hub.db, clock=world.clock, client=hub.client,
                        on_round=rounds.append)  # fmt: skip
    worker.start()
    try:
        deadline = time.monotonic() + 20
        while not rounds and time.monotonic() < deadline:
            time.sleep(0.02)
        assert rounds, "the worker never finished a round"
        world.process(hub, 0)
        deadline = time.monotonic() + 20
        while status(hub.db).unsynced and time.monotonic() < deadline:
            time.sleep(0.02)
        st = status(hub.db)
        assert st.unsynced == 0 and st.online and st.last_push_at and st.last_pull_at
        # HQ goes away: the worker backs off (cap 4 x interval), and stop() still ends it.
        assert hub.transport is not None
        hub.transport.faults.lost_request = 1.0
        world.process(hub, 1)
        time.sleep(0.3)
        assert not status(hub.db).online
    finally:
        t0 = time.monotonic()
        worker.stop(timeout=10)
        assert not worker.is_alive() and time.monotonic() - t0 < 5


def test_pull_brings_catalogue_and_expected_returns(world: World) -> None:
    hub = world.add_hub("HUB-A")
    world.add_hub("HUB-B")
    world.seed(random.Random(3), skus=2, lines=2)
    rows = [{"rma": "RMA-1001", "sku": "SKU-0", "order_id": "O-1", "qty": 2,
             "customer_name": "Siân", "expected_at": None}]  # fmt: skip
    with world.hq.write() as s:
        admin.upsert_returns(s, rows, "HUB-A", now=world.clock())
        admin.upsert_returns(s, [{**rows[0], "rma": "RMA-2002"}], "HUB-B", now=world.clock())
    hub.sync(world.clock)
    with hub.db.write() as s:
        er = s.exec(select(ExpectedReturn)).one()  # HUB-B's return is not ours
        assert (er.rma, er.qty, er.customer_name) == ("RMA-1001", 2, "Siân")
        er.qty_received = 1
        s.add(er)
    with world.hq.write() as s:
        admin.upsert_returns(s, [{**rows[0], "qty": 3}], "HUB-A", now=world.clock())
        admin.upsert_catalog(s, [{"sku": "SKU-0", "name": "Renamed", "variant": "M",
                                  "unit_value_cents": 5, "min_grade": None,
                                  "gtins": ["00000000000017"]}], now=world.clock())  # fmt: skip
    hub.sync(world.clock)
    with hub.db.read() as s:
        er = s.exec(select(ExpectedReturn)).one()
        assert (er.qty, er.qty_received) == (3, 1)  # the hub's own count survives
        item = s.get(CatalogItem, "SKU-0")
        assert item is not None and item.name == "Renamed"
        assert s.get(Gtin, "00000000000017") is not None


def test_clock_skew_is_reported(world: World) -> None:
    hub = world.add_hub("HUB-A")
    world.process(hub, 0)
    hub_clock = lambda: world.clock.now - timedelta(minutes=20)  # noqa: E731
    sync_round(hub.db, hub.client, hub_id="HUB-A", batch_size=10, clock=hub_clock)
    skew = status(hub.db).clock_skew_seconds
    assert skew is not None and 19 * 60 < skew < 21 * 60


def test_stop_event_interrupts_a_long_backoff() -> None:
    stop = threading.Event()
    b = Backoff(base=30.0, cap=60.0, sleep=stop.wait, stop=stop, rand=lambda: 1.0)

    def down() -> None:
        raise TransientError("down")

    threading.Timer(0.2, stop.set).start()
    t0 = time.monotonic()
    from floor_app.sync.retry import Stopped

    with pytest.raises(Stopped):
        b.run(down, lambda _e: None)
    assert time.monotonic() - t0 < 5
