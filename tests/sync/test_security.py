"""HQ's door: tokens (hashed, constant-time, never logged), one hub per token, bodies
that are too big or malformed refused with a clear 4xx and nothing applied."""

from __future__ import annotations

import hashlib
import logging
import random

import httpx
import pytest
from sqlalchemy import func, select
from sync_http import ServerThread
from sync_world import HQ_TOKENS, World

from floor_app.store.models import SyncState
from floor_app.sync import state
from floor_app.sync.client import FatalError, HQClient
from floor_app.sync.hq import tables as t
from floor_app.sync.hq.app import MAX_BODY_BYTES


def _event(seq: int, hub: str = "HUB-A", **over: object) -> dict[str, object]:
    ev: dict[str, object] = {
        "event_id": f"E-{hub}-{seq}",
        "seq": seq,
        "hub_id": hub,
        "type": "unit.received",
        "aggregate_id": f"U-{seq}",
        "payload": {"unit_id": f"U-{seq}"},
        "occurred_at": "2026-03-02T08:00:00+00:00",
    }
    ev.update(over)
    return ev


def _nothing_applied(world: World) -> None:
    with world.hq.read() as s:
        assert s.scalar(select(func.count()).select_from(t.event)) == 0
        assert set(s.scalars(select(t.hub.c.last_seq))) == {0}


@pytest.fixture
def served(world: World):  # type: ignore[no-untyped-def]
    world.add_hub("HUB-A")
    world.add_hub("HUB-B")
    with ServerThread(world.app) as server:
        yield world, server


def test_tokens_are_stored_hashed(served) -> None:  # type: ignore[no-untyped-def]
    world, _ = served
    with world.hq.read() as s:
        stored = dict(s.execute(select(t.hub.c.hub_id, t.hub.c.token_hash)).all())
    assert stored["HUB-A"] == hashlib.sha256(HQ_TOKENS["HUB-A"].encode()).hexdigest()
    assert HQ_TOKENS["HUB-A"] not in stored.values()


@pytest.mark.parametrize(
    ("token", "status"),
    [("wrong-token-wrong-token-wrong", 401), (HQ_TOKENS["HUB-B"], 403), ("", 401)],
    ids=["wrong", "other-hub", "missing"],
)
def test_bad_tokens_are_refused_and_nothing_applied(served, token: str, status: int) -> None:  # type: ignore[no-untyped-def]
    world, server = served
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    push = httpx.post(f"{server.url}/v1/hubs/HUB-A/events", json={"events": [_event(1)]},
                      headers=headers)  # fmt: skip
    pull = httpx.get(f"{server.url}/v1/hubs/HUB-A/changes", headers=headers)
    assert (push.status_code, pull.status_code) == (status, status)
    _nothing_applied(world)


def test_relay_stops_and_alerts_on_a_refused_token(served) -> None:  # type: ignore[no-untyped-def]
    world, server = served
    hub = world.hubs["HUB-A"]
    world.process(hub, 0)  # an event to push (unknown item: held, still an event)
    bad = HQClient(server.url, "HUB-A", HQ_TOKENS["HUB-B"])
    hub.client = bad
    with pytest.raises(FatalError) as err:
        hub.sync(world.clock)
    assert err.value.status == 403
    with hub.db.read() as s:
        assert state.get(s, state.SYNC_ONLINE) == "0"
        assert "403" in state.get(s, state.SYNC_ERROR)
        assert state.get_int(s, state.PUSHED_SEQ) == 0
    bad.close()
    _nothing_applied(world)


def test_a_token_never_reaches_a_log_line(world: World, caplog: pytest.LogCaptureFixture) -> None:
    world.add_hub("HUB-A")
    world.add_hub("HUB-B")
    caplog.set_level(logging.DEBUG)
    server = ServerThread(world.app, log_config=None, log_level="debug")
    with server:
        for tok in (HQ_TOKENS["HUB-A"], HQ_TOKENS["HUB-B"], "not-a-real-token-at-all-x"):
            client = HQClient(server.url, "HUB-A", tok)
            try:
                client.push([_event(1)])
                client.changes(0, 10)
            except FatalError:
                pass
            client.close()
    text = caplog.text + "".join(str(r.args) for r in caplog.records)
    # The capture worked (access lines and refusals are there), and no token is in it.
    assert "/v1/hubs/HUB-A/events" in text
    assert "refused" in text
    for tok in (*HQ_TOKENS.values(), "not-a-real-token-at-all-x"):
        assert tok not in text


def test_oversized_bodies_get_413_and_nothing_applied(served) -> None:  # type: ignore[no-untyped-def]
    world, server = served
    auth = {"Authorization": f"Bearer {HQ_TOKENS['HUB-A']}"}
    big = [_event(i + 1, payload={"pad": "x" * 1000}) for i in range(MAX_BODY_BYTES // 1000 + 10)]
    r = httpx.post(f"{server.url}/v1/hubs/HUB-A/events", json={"events": big}, headers=auth)
    assert r.status_code == 413 and "too large" in r.text

    def chunks():  # no Content-Length: the limit is enforced while reading
        yield b'{"events": ['
        for _ in range(6000):
            yield (b'{"pad": "' + b"y" * 1000 + b'"},')
        yield b"{}]}"

    r = httpx.post(f"{server.url}/v1/hubs/HUB-A/events", content=chunks(),
                   headers={**auth, "Content-Type": "application/json"})  # fmt: skip
    assert r.status_code == 413
    _nothing_applied(world)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 422),
        (b'{"events": "nope"}', 422),
        (b'{"events": []}', 422),
        (b'{"events": [{"event_id": "E-1"}]}', 422),
        (b"\xff\xfe\x00garbage", 422),
    ],
    ids=["not-json", "events-not-list", "empty", "missing-fields", "binary"],
)
def test_malformed_bodies_get_4xx_and_nothing_applied(served, body: bytes, status: int) -> None:  # type: ignore[no-untyped-def]
    world, server = served
    r = httpx.post(f"{server.url}/v1/hubs/HUB-A/events", content=body,
                   headers={"Authorization": f"Bearer {HQ_TOKENS['HUB-A']}",
                            "Content-Type": "application/json"})  # fmt: skip
    assert r.status_code == status, r.text
    _nothing_applied(world)


def test_a_hub_cannot_write_events_for_another_hub(served) -> None:  # type: ignore[no-untyped-def]
    world, server = served
    r = httpx.post(f"{server.url}/v1/hubs/HUB-A/events",
                   json={"events": [_event(1), _event(2, hub="HUB-B")]},
                   headers={"Authorization": f"Bearer {HQ_TOKENS['HUB-A']}"})  # fmt: skip
    assert r.status_code == 403 and "HUB-B" in r.text
    _nothing_applied(world)


def test_a_hub_cannot_read_another_hubs_changes(served) -> None:  # type: ignore[no-untyped-def]
    world, server = served
    world.seed(random.Random(3), skus=2, lines=4)
    client = HQClient(server.url, "HUB-A", HQ_TOKENS["HUB-A"])
    mine = client.changes(0, 100)["changes"]
    client.close()
    lines = [c for c in mine if c["kind"] == "line"]
    assert lines and all(c["data"]["hub_id"] == "HUB-A" for c in lines)
    r = httpx.get(f"{server.url}/v1/hubs/HUB-B/changes",
                  headers={"Authorization": f"Bearer {HQ_TOKENS['HUB-A']}"})  # fmt: skip
    assert r.status_code == 403


def test_openapi_describes_push_and_pull(served) -> None:  # type: ignore[no-untyped-def]
    _, server = served
    spec = httpx.get(f"{server.url}/openapi.json").json()
    assert "/v1/hubs/{hub_id}/events" in spec["paths"]
    assert "/v1/hubs/{hub_id}/changes" in spec["paths"]


def test_sync_state_table_is_the_hubs(world: World) -> None:
    # The keys the header reads exist after one round.
    world.add_hub("HUB-A")
    hub = world.hubs["HUB-A"]
    world.process(hub, 0)
    hub.sync(world.clock)
    with hub.db.read() as s:
        keys = set(s.scalars(select(SyncState.key)))
    assert {"pushed_seq", "pull_cursor", "last_push_at", "last_pull_at", "sync_online"} <= keys
