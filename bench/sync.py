"""Sync throughput over real HTTP on loopback: push 10,000 events, pull 100,000 lines.

HQ runs as `floor hq serve` (uvicorn) in its own process on a SQLite file; the hub is a
migrated SQLite file in this process, pushing with the real relay and pulling with the
real puller (default batch sizes). Baselines measured in the same run: a plain bulk insert
of the same rows (10,000 events; 100,000 lines) into a fresh HQ database, one transaction.

    .venv/bin/python bench/sync.py [--events N] [--lines N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from floor_app.store import migrate  # noqa: E402
from floor_app.store.engine import Database  # noqa: E402
from floor_app.store.models import BackorderLine, Outbox  # noqa: E402
from floor_app.sync.client import HQClient  # noqa: E402
from floor_app.sync.hq import admin  # noqa: E402
from floor_app.sync.hq import tables as t  # noqa: E402
from floor_app.sync.hq.db import upgrade  # noqa: E402
from floor_app.sync.hq.ledger import line_data  # noqa: E402
from floor_app.sync.pull import Puller  # noqa: E402
from floor_app.sync.relay import Relay  # noqa: E402

HUB, TOKEN = "HUB-BENCH", "bench-token-0123456789abcdefghij"
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def events(n: int) -> list[dict[str, object]]:
    return [
        {"event_id": f"E-BENCH-{i:08d}", "hub_id": HUB, "type": "unit.received",
         "aggregate_id": f"U-{i:08d}", "occurred_at": T0 + timedelta(seconds=i),
         "payload": {"unit_id": f"U-{i:08d}", "rma": None, "sku": f"SKU-{i % 50}",
                     "gtin": None, "serial": f"SN{i:08d}", "hot": False, "operator": "W1"},
         "schema_version": 1}
        for i in range(n)
    ]  # fmt: skip


def lines(n: int) -> list[dict[str, object]]:
    return [
        {"backorder_id": f"BO-{i:07d}", "order_id": f"ORD-{i:07d}", "sku": f"SKU-{i % 50}",
         "hub_id": HUB, "epoch": 1, "qty": 1 + i % 3, "qty_filled": 0, "min_grade": None,
         "priority": "normal", "ordered_at": T0 - timedelta(minutes=i), "promised_at": None,
         "unit_value_cents": 1999, "ship_to_name": f"Customer {i}", "ship_to_city": "Lyon",
         "ship_to_postcode": "69001", "status": "open", "updated_at": T0}
        for i in range(n)
    ]  # fmt: skip


def fresh(path: Path, hub: bool) -> Database:
    db = Database(f"sqlite:///{path}")
    if hub:
        migrate.upgrade(db.engine)
    else:
        upgrade(db)
    return db


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=10_000)
    ap.add_argument("--lines", type=int, default=100_000)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="floor-bench-sync-"))
    try:
        return run(work, args.events, args.lines)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(work: Path, n_events: int, n_lines: int) -> int:
    ev, ln = events(n_events), lines(n_lines)
    # --- baselines: the same rows, one bulk insert into a fresh HQ database ---------------
    base = fresh(work / "baseline.sqlite", hub=False)
    t0 = time.perf_counter()
    with base.write() as s:
        s.execute(insert(t.event), [
            {**e, "seq": i + 1, "received_at": T0, "status": "applied", "reason": None}
            for i, e in enumerate(ev)])  # fmt: skip
    base_push = time.perf_counter() - t0
    t0 = time.perf_counter()
    with base.write() as s:
        s.execute(insert(t.backorder_line), ln)
    base_pull = time.perf_counter() - t0
    base.dispose()

    # --- HQ: one hub, its lines and their change-log rows (set-up, not timed) -------------
    hq_path = work / "hq.sqlite"
    hq = fresh(hq_path, hub=False)
    with hq.write() as s:
        admin.add_hub(s, HUB, TOKEN, now=T0)
        s.execute(insert(t.backorder_line), ln)
        s.execute(insert(t.change), [
            {"hub_id": HUB, "kind": "line", "key": r["backorder_id"],
             "data": line_data(r, filled_elsewhere=0), "created_at": T0} for r in ln])  # fmt: skip
    hub = fresh(work / "hub.sqlite", hub=True)
    with hub.write() as s:
        s.execute(insert(Outbox), ev)

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "floor_app", "hq", "serve", "--hq-db", f"sqlite:///{hq_path}",
         "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        client = HQClient(url, HUB, TOKEN)
        clock = lambda: datetime.now(UTC)  # noqa: E731
        t0 = time.perf_counter()
        pushed = Relay(hub, client, hub_id=HUB, batch_size=500, clock=clock).push()
        push_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        pulled = Puller(hub, client, hub_id=HUB, clock=clock, limit=1000).pull()
        pull_s = time.perf_counter() - t0
        client.close()
    finally:
        server.terminate()
        server.wait(10)
    with hq.read() as s:
        at_hq = s.scalar(select(func.count()).select_from(t.event))
    with hub.read() as s:
        at_hub = s.scalar(select(func.count()).select_from(BackorderLine))
    assert pushed == n_events == at_hq, (pushed, at_hq)
    assert pulled == n_lines == at_hub, (pulled, at_hub)
    hq.dispose()
    hub.dispose()

    load = os.getloadavg()[0]
    print(f"sync over loopback (uvicorn HQ on SQLite; load average {load:.1f}, 2 cores)")
    print(f"{'case':<34}{'rows':>9}{'seconds':>10}{'rows/s':>10}{'baseline s':>12}{'ratio':>8}")
    for name, rows, secs, b in (
        ("push (relay, batches of 500)", n_events, push_s, base_push),
        ("pull (puller, pages of 1000)", n_lines, pull_s, base_pull),
    ):
        print(f"{name:<34}{rows:>9}{secs:>10.2f}{rows / secs:>10.0f}{b:>12.2f}{secs / b:>8.1f}")
    print("baseline: a plain bulk insert of the same rows into a fresh HQ database")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
