"""A small world for sync tests: one HQ, hubs running the real station service, a
transport that can lose, duplicate and replay requests, and the invariants to check."""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from anyio.from_thread import start_blocking_portal
from sqlalchemy import func, select

from floor_app.config import Settings
from floor_app.domain.gtin import check_digit
from floor_app.services.errors import ServiceError
from floor_app.services.station import StationService
from floor_app.store.engine import Database
from floor_app.store.models import Allocation, BackorderLine, HubException, Outbox
from floor_app.sync import state
from floor_app.sync.client import HQClient
from floor_app.sync.hq import admin
from floor_app.sync.hq import tables as t
from floor_app.sync.hq.app import create_app
from floor_app.sync.retry import Backoff
from floor_app.sync.worker import RoundResult, sync_round

HQ_TOKENS = {
    "HUB-A": "token-for-hub-a-0123456789abcdef",
    "HUB-B": "token-for-hub-b-0123456789abcdef",
    "HUB-C": "token-for-hub-c-0123456789abcdef",
}
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
LIVE = ("reserved", "relabelled")


def gtin_for(i: int) -> str:
    body = f"200000{i:06d}"
    return body + str(check_digit(body))


class Clock:
    """A fake clock every part of the world shares; each reading moves it on a second."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


class InProcessHQ(httpx.BaseTransport):
    """Sends httpx requests to the HQ app in this process through ASGI (no sockets, fast
    enough for many seeds); an anyio portal runs the async transport for sync callers."""

    def __init__(self, app: Any) -> None:
        self._portal_cm = start_blocking_portal()
        self.portal = self._portal_cm.__enter__()
        self.asgi = httpx.ASGITransport(app=app)

    async def _send(self, request: httpx.Request) -> httpx.Response:
        resp = await self.asgi.handle_async_request(request)
        content = await resp.aread()
        return httpx.Response(resp.status_code, headers=resp.headers, content=content)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        return self.portal.call(self._send, request)

    def close(self) -> None:
        self._portal_cm.__exit__(None, None, None)


@dataclass
class Faults:
    lost_request: float = 0.0
    lost_response: float = 0.0  # after HQ committed
    duplicate: float = 0.0
    replay_old: float = 0.0


class FaultyTransport(httpx.BaseTransport):
    """Loses requests, loses responses after HQ committed, duplicates requests and replays
    old batches, drawn from a seeded RNG so a failure replays. It also checks, at every
    request, that HQ never gave two different final answers for one event id."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        rng: random.Random,
        on_request: Callable[[], None] | None = None,
    ) -> None:
        self.inner = inner
        self.rng = rng
        self.faults = Faults()
        self.on_request = on_request
        self.next_fault: str | None = None  # one-shot: "lost_request", "lost_response"...
        self.old_pushes: list[httpx.Request] = []
        self.answers: dict[str, tuple[str, str | None]] = {}
        self.violations: list[str] = []
        self.injected: dict[str, int] = {
            "lost_request": 0,
            "lost_response": 0,
            "duplicate": 0,
            "replay_old": 0,
        }

    def _send(self, request: httpx.Request) -> httpx.Response:
        resp = self.inner.handle_request(request)
        resp.read()
        if request.method == "POST" and resp.status_code == 200:
            body = resp.json()
            results = {r["event_id"]: (r["status"], r.get("reason")) for r in body["results"]}
            sent = json.loads(request.content)["events"]
            first = sent[0]["event_id"] if sent else None
            if first in self.answers and first not in results:
                # SYNC.md: an event HQ has seen returns its stored result, whatever its seq.
                self.violations.append(f"event {first} sent again: no stored result ({body})")
            for event_id, got in results.items():
                seen = self.answers.setdefault(event_id, got)
                if seen != got:
                    self.violations.append(f"event {event_id}: answered {seen}, then {got}")
        return resp

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.on_request is not None:
            self.on_request()
        request.read()
        f = self.faults
        once, self.next_fault = self.next_fault, None
        if once is not None:
            f = Faults(**{once: 1.0})
        roll = self.rng.random()
        if roll < f.lost_request:
            self.injected["lost_request"] += 1
            raise httpx.ConnectError("injected: request lost", request=request)
        if request.method == "POST":
            if self.old_pushes and self.rng.random() < f.replay_old:
                self.injected["replay_old"] += 1
                self._send(self.rng.choice(self.old_pushes))
            self.old_pushes.append(request)
            del self.old_pushes[:-20]
        resp = self._send(request)
        if self.rng.random() < f.duplicate:
            self.injected["duplicate"] += 1
            resp = self._send(request)
        if self.rng.random() < f.lost_response:
            self.injected["lost_response"] += 1
            raise httpx.ReadTimeout("injected: response lost", request=request)
        return httpx.Response(resp.status_code, headers=resp.headers, content=resp.content)

    def close(self) -> None:
        self.inner.close()


@dataclass
class Hub:
    hub_id: str
    settings: Settings
    db: Database
    station: StationService
    client: HQClient
    transport: FaultyTransport | None
    fills: list[str] = field(default_factory=list)  # allocation ids, newest last

    def sync(self, clock: Clock, batch_size: int = 7) -> RoundResult:
        backoff = Backoff(base=0.001, cap=0.002, sleep=lambda _d: None)
        return sync_round(
            self.db,
            self.client,
            hub_id=self.hub_id,
            batch_size=batch_size,
            clock=clock,
            backoff=backoff,
        )

    def pushed_seq(self) -> int:
        with self.db.read() as s:
            return state.get_int(s, state.PUSHED_SEQ)


class World:
    def __init__(self, tmp: Path, hq_url: str, hub_template: Path) -> None:
        self.tmp = tmp
        self.hub_template = hub_template
        self.clock = Clock()
        self.hq = Database(hq_url)
        self.app = create_app(self.hq, clock=self.clock)
        self.hubs: dict[str, Hub] = {}
        self.skus: list[str] = []

    # -- building ---------------------------------------------------------------------------
    def add_hub(
        self,
        hub_id: str,
        *,
        base_url: str = "http://hq",
        rng: random.Random | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> Hub:
        with self.hq.write() as s:
            admin.add_hub(s, hub_id, HQ_TOKENS[hub_id], now=self.clock())
        path = self.tmp / f"{hub_id}.sqlite"
        shutil.copyfile(self.hub_template, path)
        settings = Settings(base_dir=self.tmp)
        settings.hub.id = hub_id
        settings.database.url = f"sqlite:///{path}"
        settings.roster.leads = ["LEAD"]
        db = Database(settings.database_url())
        faulty = None
        if transport is None:
            faulty = FaultyTransport(
                InProcessHQ(self.app),
                rng or random.Random(0),
                on_request=lambda: self.check_hub_not_ahead(hub_id),
            )
            transport = faulty
        client = HQClient(base_url, hub_id, HQ_TOKENS[hub_id], transport=transport)
        hub = Hub(
            hub_id, settings, db, StationService(settings, db, clock=self.clock), client, faulty
        )
        self.hubs[hub_id] = hub
        return hub

    def seed(self, rng: random.Random, *, skus: int, lines: int, max_qty: int = 2) -> None:
        """A catalogue of ``skus`` items and ``lines`` backorder lines spread over the hubs."""
        now = self.clock()
        self.skus = [f"SKU-{i}" for i in range(skus)]
        items = [
            {
                "sku": s,
                "name": f"Item {i}",
                "variant": "",
                "unit_value_cents": 1000,
                "min_grade": "B",
                "gtins": ["0" + gtin_for(i)],
            }
            for i, s in enumerate(self.skus)
        ]
        hub_ids = sorted(self.hubs)
        with self.hq.write() as s:
            admin.upsert_catalog(s, items, now=now)
            for n in range(lines):
                row = {
                    "backorder_id": f"BO-{n:04d}",
                    "order_id": f"ORD-{n:04d}",
                    "sku": rng.choice(self.skus),
                    "qty": rng.randint(1, max_qty),
                    "min_grade": None,
                    "priority": "normal",
                    "ordered_at": T0 - timedelta(days=n % 9),
                    "promised_at": None,
                    "unit_value_cents": 1000,
                    "ship_to_name": "A. Customer",
                    "ship_to_city": "Lyon",
                    "ship_to_postcode": "69001",
                }
                admin.upsert_lines(s, [row], hub_ids[n % len(hub_ids)], now=now)

    def close(self) -> None:
        for hub in self.hubs.values():
            hub.client.close()
            hub.db.dispose()
        self.hq.dispose()

    # -- actions ----------------------------------------------------------------------------
    def process(self, hub: Hub, sku_index: int, grade: str = "A") -> str | None:
        try:
            res = hub.station.process([gtin_for(sku_index)], grade, "W1")
        except ServiceError:
            return None
        if res.allocation_id:
            hub.fills.append(res.allocation_id)
        return res.allocation_id

    def void_one(self, hub: Hub, rng: random.Random) -> bool:
        with hub.db.read() as s:
            live = list(
                s.scalars(
                    select(Allocation.allocation_id)
                    .where(Allocation.status.in_(LIVE))
                    .order_by(Allocation.created_at, Allocation.allocation_id)
                )
            )
        if not live:
            return False
        try:
            hub.station.void(rng.choice(live), "wrong unit", "LEAD")
        except ServiceError:
            return False
        return True

    def confirm_one(self, hub: Hub, rng: random.Random) -> bool:
        with hub.db.read() as s:
            rows = list(
                s.scalars(
                    select(Allocation)
                    .where(Allocation.status == "reserved")
                    .order_by(Allocation.created_at, Allocation.allocation_id)
                )
            )
        if not rows:
            return False
        a = rng.choice(rows)
        try:
            hub.station.confirm(a.label_id or "", "W1")
        except ServiceError:
            return False
        return True

    def hq_cancel_or_reassign(self, rng: random.Random) -> str:
        """HQ cancels or reassigns a line: half the time one a hub has filled and HQ has not
        heard of yet (the conflicts worth testing), else any open line. Reassigning may
        name the same hub: that still bumps the epoch, like HQ re-issuing the line."""
        with self.hq.read() as s:
            ids = sorted(
                s.scalars(
                    select(t.backorder_line.c.backorder_id).where(
                        t.backorder_line.c.status == "open"
                    )
                )
            )
        recent = []
        for hub in self.hubs.values():
            with hub.db.read() as s:
                recent += [
                    bid
                    for bid in s.scalars(
                        select(Allocation.backorder_id).where(Allocation.hq_status == "pending")
                    )
                    if bid in ids
                ]
        if recent and rng.random() < 0.5:
            ids = sorted(set(recent))
        if not ids:
            return "none"
        line = rng.choice(ids)
        with self.hq.write() as s:
            if rng.random() < 0.3:
                admin.cancel_line(s, line, now=self.clock())
                return f"cancel {line}"
            to = rng.choice(sorted(self.hubs))
            admin.reassign_line(s, line, to, now=self.clock())
            return f"reassign {line} to {to}"

    def heal(self, rounds: int = 6) -> None:
        """Faults off; sync every hub until nothing is left to say."""
        for hub in self.hubs.values():
            if hub.transport is not None:
                hub.transport.faults = Faults()
        for _ in range(rounds):
            for hub in self.hubs.values():
                hub.sync(self.clock)
            if all(self.pending(h) == 0 and self.unsynced(h) == 0 for h in self.hubs.values()):
                return

    # -- observations -----------------------------------------------------------------------
    def pending(self, hub: Hub) -> int:
        with hub.db.read() as s:
            return int(
                s.scalar(
                    select(func.count())
                    .select_from(Allocation)
                    .where(Allocation.hq_status == "pending")
                )
                or 0
            )

    def unsynced(self, hub: Hub) -> int:
        with hub.db.read() as s:
            top = s.scalar(select(func.max(Outbox.seq))) or 0
            return top - state.get_int(s, state.PUSHED_SEQ)

    def hq_last_seq(self, hub_id: str) -> int:
        with self.hq.read() as s:
            return int(s.scalar(select(t.hub.c.last_seq).where(t.hub.c.hub_id == hub_id)) or 0)

    # -- invariants -------------------------------------------------------------------------
    def check_hub_not_ahead(self, only: str | None = None) -> None:
        for hub in self.hubs.values():
            if only is not None and hub.hub_id != only:
                continue
            pushed, hq = hub.pushed_seq(), self.hq_last_seq(hub.hub_id)
            assert pushed <= hq, f"{hub.hub_id} believes seq {pushed} is pushed; HQ has {hq}"

    def check_no_double_fill(self) -> None:
        with self.hq.read() as s:
            lines = {r.backorder_id: r for r in s.execute(select(t.backorder_line))}
            accepted = list(
                s.execute(select(t.allocation).where(t.allocation.c.status == "accepted"))
            )
            every = list(s.execute(select(t.allocation)))
        for r in lines.values():
            assert 0 <= r.qty_filled <= r.qty, f"{r.backorder_id} filled {r.qty_filled} of {r.qty}"
        per_line: dict[str, int] = {}
        for a in accepted:
            per_line[a.backorder_id] = per_line.get(a.backorder_id, 0) + 1
        for bid, n in per_line.items():
            assert n <= lines[bid].qty, f"{bid}: {n} accepted fills for qty {lines[bid].qty}"
            assert n == lines[bid].qty_filled, f"{bid}: HQ filled {lines[bid].qty_filled}, {n} live"
        for a in every:
            if a.status in ("accepted", "released") and a.reason is None:
                # The fence: HQ took it only under the epoch the hub had seen.
                assert a.epoch == a.line_epoch, f"{a.allocation_id} accepted at a stale epoch"

    def check_exactly_once(self) -> None:
        for hub in self.hubs.values():
            with hub.db.read() as s:
                local = [
                    (r.seq, r.event_id) for r in s.scalars(select(Outbox).order_by(Outbox.seq))
                ]
            with self.hq.read() as s:
                remote = [
                    (r.seq, r.event_id)
                    for r in s.execute(
                        select(t.event.c.seq, t.event.c.event_id)
                        .where(t.event.c.hub_id == hub.hub_id)
                        .order_by(t.event.c.seq)
                    )
                ]
            assert remote == local, f"{hub.hub_id}: HQ's events differ from the outbox"
            assert self.hq_last_seq(hub.hub_id) == (local[-1][0] if local else 0)

    def check_converged(self) -> None:
        hub_live: dict[str, str] = {}
        for hub in self.hubs.values():
            with hub.db.read() as s:
                allocs = list(s.scalars(select(Allocation)))
                excs = {
                    e.unit_id
                    for e in s.scalars(
                        select(HubException).where(HubException.kind == "hq_rejected")
                    )
                }
            for a in allocs:
                assert a.hq_status != "pending", f"{a.allocation_id} still pending"
                if a.status in LIVE:
                    assert a.hq_status == "accepted", f"{a.allocation_id} live but {a.hq_status}"
                    hub_live[a.allocation_id] = a.backorder_id
                if a.status == "rejected":
                    assert a.unit_id in excs, f"no exception for rejected {a.allocation_id}"
        with self.hq.read() as s:
            hq_live = {
                r.allocation_id: r.backorder_id
                for r in s.execute(select(t.allocation).where(t.allocation.c.status == "accepted"))
            }
        assert hub_live == hq_live, "HQ's live fills differ from the hubs'"
        for h in self.hubs.values():
            assert self.unsynced(h) == 0
        # The owner's copy of a line agrees with HQ; any other hub's copy is closed to it.
        with self.hq.read() as s:
            owners = {
                r.backorder_id: (r.hub_id, r.epoch, r.status)
                for r in s.execute(select(t.backorder_line))
            }
        for hub in self.hubs.values():
            with hub.db.read() as s:
                for ln in s.scalars(select(BackorderLine)):
                    owner, epoch, st = owners[ln.backorder_id]
                    if owner == hub.hub_id:
                        assert (ln.hub_id, ln.epoch) == (owner, epoch), ln
                        assert ln.status == ("cancelled" if st == "cancelled" else "open"), ln
                    else:
                        assert ln.status in ("revoked", "cancelled"), (hub.hub_id, ln)

    def check_answers_consistent(self) -> None:
        for hub in self.hubs.values():
            if hub.transport is not None:
                assert not hub.transport.violations, hub.transport.violations[:3]


def dump(obj: Any) -> str:
    return json.dumps(obj, default=str)
