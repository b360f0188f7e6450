"""A whole shift under faults: one HQ, one hub, 4 stations, a bad day compressed to minutes.

Real parts only: HQ is `floor hq serve` (uvicorn, its own process and SQLite file); the hub
syncs through `floor sync` (its own process) via a TCP proxy this harness can cut; labels go
to a raw-TCP "printer" on loopback that this harness switches off; 4 station processes
drive the same services the TUI uses (decide, print, confirm, undo); HQ adds, cancels and
reassigns lines during the shift; two stations are killed with SIGKILL and restarted.

At the end it checks that nothing was lost or doubled and prints the figures.

    .venv/bin/python bench/shift.py               # the full run (5,000 units)
    .venv/bin/python bench/shift.py --units 400 --minutes 0.6   # the size the test runs
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import multiprocessing as mp
import os
import queue
import random
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from floor_app.domain.gtin import check_digit  # noqa: E402

HUB = "HUB-1"
OTHER_HUB = "HUB-2"
SHIFT_START = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
SHIFT_HOURS = 8.0
STATIONS = 4
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


# --- plumbing: a cuttable link, a printer you can switch off ------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Link:
    """A TCP proxy between the hub and HQ. ``down()`` refuses and cuts every connection."""

    def __init__(self, target_port: int) -> None:
        self.target = target_port
        self.port = free_port()
        self.up = threading.Event()
        self.up.set()
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._srv = socket.create_server(("127.0.0.1", self.port))
        self._srv.settimeout(0.2)
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True, name="link").start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._srv.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self.up.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        try:
            while self.up.is_set():
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def down(self) -> None:
        self.up.clear()
        with self._lock:
            conns, self._conns = self._conns, []
        for s in conns:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def restore(self) -> None:
        self.up.set()

    def close(self) -> None:
        self._stop.set()
        self.down()
        self._srv.close()


class Printer:
    """A raw port-9100 printer on loopback that records every label id it printed."""

    def __init__(self) -> None:
        self.port = free_port()
        self.printed: list[str] = []
        self._srv: socket.socket | None = None
        self._lock = threading.Lock()
        self.on()

    def on(self) -> None:
        with self._lock:
            if self._srv is not None:
                return
            end = time.time() + 5
            while True:  # the old listener lets go of the port when its accept times out
                try:
                    srv = socket.create_server(("127.0.0.1", self.port))
                    break
                except OSError:
                    if time.time() > end:
                        raise
                    time.sleep(0.05)
            srv.settimeout(0.2)
            self._srv = srv
        threading.Thread(target=self._serve, args=(srv,), daemon=True, name="printer").start()

    def off(self) -> None:
        with self._lock:
            srv, self._srv = self._srv, None
        if srv is not None:
            srv.close()

    def _serve(self, srv: socket.socket) -> None:
        import re

        while True:
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                if self._srv is not srv:
                    return
                continue
            except OSError:
                return
            chunks = []
            with conn:
                conn.settimeout(5)
                try:
                    while data := conn.recv(65536):
                        chunks.append(data)
                except OSError:
                    pass
            text = b"".join(chunks).decode("utf-8", "replace")
            # the Code 128 field of each label carries its id (see floor_app.labels.zpl)
            ids = set(re.findall(r"LBL-[0-9A-Z]{20}", text))
            with self._lock:
                self.printed.extend(sorted(ids))


# --- data HQ starts the day with ------------------------------------------------------------


@dataclass
class World:
    skus: list[tuple[str, str]]  # (sku, gtin13)
    units: list[dict[str, Any]]  # one per returned unit: codes, grade
    lines: int


def gtin13(n: int) -> str:
    body = f"0614142{n:05d}"
    return body + str(check_digit(body))


def serial(n: int) -> str:
    out = ""
    for _ in range(6):
        out += LETTERS[n % len(LETTERS)]
        n //= len(LETTERS)
    return "SN" + out


def make_world(folder: Path, units: int, rng: random.Random) -> World:
    n_skus = max(20, units // 25)
    skus = [(f"SKU-{i:05d}", gtin13(i)) for i in range(n_skus)]
    with open(folder / "catalog.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["sku", "gtin", "name", "variant", "unit_value", "min_grade"])
        for i, (sku, gtin) in enumerate(skus):
            w.writerow([sku, gtin, f"Item {i} «shift»", rng.choice("SML"),
                        f"{rng.randint(15, 150)}.00", "B" if i % 5 == 0 else ""])
    hot = skus[: n_skus // 3]  # a third of the SKUs are back-ordered
    lines = _write_lines(folder / "backorders.csv", hot, units // 8, rng, "BO")
    unit_rows = []
    with open(folder / "returns.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["rma", "order_id", "sku", "qty", "customer_name", "expected_at"])
        for i in range(units):
            sku, gtin = rng.choice(hot) if rng.random() < 0.5 else rng.choice(skus)
            rma = f"RMA-{i:07d}"
            w.writerow([rma, f"R{i}", sku, 1, "Zoë O'Brien", "2026-12-07"])
            grade = rng.choices("ABCDF", weights=[45, 25, 15, 10, 5])[0]
            code = f"]C101{gtin.rjust(14, '0')}21{serial(i)}"
            unit_rows.append({"n": i, "codes": [rma, code], "grade": grade})
    return World(skus, unit_rows, lines)


def _write_lines(path: Path, skus: list[tuple[str, str]], count: int, rng: random.Random,
                 prefix: str) -> int:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["backorder_id", "order_id", "sku", "qty", "min_grade", "priority",
                    "ordered_at", "promised_at", "unit_value", "ship_to_name", "ship_to_city",
                    "ship_to_postcode"])
        for i in range(count):
            sku, _ = rng.choice(skus)
            ordered = SHIFT_START - timedelta(days=rng.randint(1, 20))
            w.writerow([f"{prefix}-{i:06d}", f"SO-{prefix}{i}", sku, rng.randint(1, 3), "",
                        "expedite" if rng.random() < 0.1 else "normal", ordered.isoformat(),
                        (ordered + timedelta(days=rng.randint(3, 25))).isoformat(), "49.00",
                        "Ann ^XA~JR", "Lyon", f"690{i % 10:02d}"])
    return count


# --- the station processes --------------------------------------------------------------


def station_main(idx: int, cfg: str, db_url: str, units_file: str, out_file: str,
                 t0: float, factor: float, seed: int, total: int) -> None:
    """One station: decide its share of the units, print, confirm, sometimes undo."""
    from floor_app.config import load_settings
    from floor_app.services.context import Services
    from floor_app.services.errors import Refused, ServiceError
    from floor_app.services.printing import PrintService

    def clock() -> datetime:
        return SHIFT_START + timedelta(seconds=(time.time() - t0) * factor)

    settings = load_settings(cfg, db_url=db_url)
    services = Services.open(settings, clock=clock)
    # Print leases are real seconds: a compressed clock would expire them mid-send.
    printer = PrintService(settings, services.db, lambda: datetime.now(UTC))
    rng = random.Random(seed * 1000 + idx + int(time.time() * 1000) % 997)
    done: set[int] = set()
    if os.path.exists(out_file):
        with open(out_file, encoding="utf-8") as f:
            done = {json.loads(x)["n"] for x in f if x.strip()}
    with open(units_file, encoding="utf-8") as f:
        units = [json.loads(x) for x in f]
    mine = [u for u in units if u["n"] % STATIONS == idx and u["n"] not in done]
    out = os.open(out_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    operator = f"W{idx + 1}"
    last_retry = 0.0

    def record(obj: dict[str, Any]) -> None:
        os.write(out, (json.dumps(obj) + "\n").encode())

    shift_seconds = SHIFT_HOURS * 3600 / factor
    for u in mine:
        # Returns arrive through the whole shift: unit n is on the bench at n/total of it
        # (a station that fell behind, or was restarted, catches up without waiting).
        due = t0 + shift_seconds * u["n"] / total
        if (wait := due - time.time()) > 0:
            time.sleep(wait)
        t = time.perf_counter()
        try:
            r = services.station.process(u["codes"], u["grade"], operator)
        except Refused as exc:
            # decided in a life before a kill, but killed before it said so
            record({"n": u["n"], "refused": exc.reason, "ms": 0})
            continue
        ms = (time.perf_counter() - t) * 1000
        record({"n": u["n"], "unit_id": r.unit_id, "decision": r.decision,
                "label_id": r.label_id, "allocation_id": r.allocation_id, "ms": ms})
        sent = printer.dispatch(r.label_id).status == "sent" if r.label_id else False
        if sent and r.decision == "fill_backorder" and rng.random() < 0.9:
            # a ServiceError: voided meanwhile by an HQ rejection; the lead's queue says so
            with contextlib.suppress(ServiceError):
                services.station.confirm(r.label_id or "", operator,
                                         expected_label_id=r.label_id)
        elif rng.random() < 0.02:
            try:
                services.station.undo_last(operator)
                record({"n": u["n"], "undone": r.unit_id})
            except ServiceError:
                pass
        if time.time() - last_retry > 0.5:
            printer.retry_due()
            last_retry = time.time()
    # the pile: units sent back by undo or an HQ rejection are decided again
    printer.retry_due(limit=10_000)
    os.close(out)


# --- the conductor ----------------------------------------------------------------------


@dataclass
class Shift:
    units: int = 5000
    minutes: float = 4.0
    seed: int = 7
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="floor-shift-")))


def floor(*args: str, env: dict[str, str] | None = None, check: bool = True,
          timeout: float = 300) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "floor"
    proc = subprocess.run([str(exe), *args], capture_output=True, text=True, env=env,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise RuntimeError(f"floor {' '.join(args)} failed: {proc.stderr}")
    return proc


def wait_port(port: int, timeout: float = 30) -> None:
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def run_shift(shift: Shift, *, log: Any = print) -> dict[str, Any]:
    rng = random.Random(shift.seed)
    d = shift.folder
    world = make_world(d, shift.units, rng)
    hq_db, hub_db = f"sqlite:///{d / 'hq.sqlite'}", f"sqlite:///{d / 'hub.sqlite'}"
    hq_port = free_port()
    printer = Printer()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOOR_")}
    floor("hq", "init", "--hq-db", hq_db, env=env)
    floor("hq", "add-hub", HUB, "--token-file", str(d / "token"), "--hq-db", hq_db, env=env)
    floor("hq", "add-hub", OTHER_HUB, "--token-file", str(d / "token2"), "--hq-db", hq_db,
          env=env)
    floor("hq", "import-catalog", str(d / "catalog.csv"), "--hq-db", hq_db, env=env)
    floor("hq", "import-backorders", str(d / "backorders.csv"), "--hub", HUB, "--hq-db",
          hq_db, env=env)
    floor("hq", "import-returns", str(d / "returns.csv"), "--hub", HUB, "--hq-db", hq_db,
          env=env)
    hq = subprocess.Popen(
        [str(Path(sys.executable).parent / "floor"), "hq", "serve", "--hq-db", hq_db,
         "--port", str(hq_port)], env=env, stdout=subprocess.DEVNULL,
        stderr=open(d / "hq.log", "w"))  # noqa: SIM115
    procs: dict[int, mp.process.BaseProcess] = {}
    sync: subprocess.Popen[bytes] | None = None
    link = None
    try:
        wait_port(hq_port)
        link = Link(hq_port)
        cfg = d / "floor.toml"
        cfg.write_text(
            f'[hub]\nid = "{HUB}"\n[sync]\nhq_url = "http://127.0.0.1:{link.port}"\n'
            f'token_env = "SHIFT_HUB_TOKEN"\ninterval_seconds = 0.5\nbatch_size = 500\n'
            f'[printer]\nkind = "zpl-tcp"\naddress = "127.0.0.1:{printer.port}"\n'
            f"connect_timeout = 0.5\nwrite_timeout = 2.0\nretry_max_seconds = 1.0\n"
            f"[station]\nundo_window_seconds = 100000\n"
        )
        env["SHIFT_HUB_TOKEN"] = (d / "token").read_text().strip()
        floor("init", "--db", hub_db, "--config", str(cfg), env=env)
        floor("sync", "--once", "--db", hub_db, "--config", str(cfg), env=env)
        sync = subprocess.Popen(
            [str(Path(sys.executable).parent / "floor"), "sync", "--db", hub_db, "--config",
             str(cfg)], env=env, stdout=subprocess.DEVNULL,
            stderr=open(d / "sync.log", "w"))  # noqa: SIM115
        units_file = d / "units.jsonl"
        units_file.write_text("".join(json.dumps(u) + "\n" for u in world.units))

        real = shift.minutes * 60
        factor = SHIFT_HOURS * 3600 / real
        ctx = mp.get_context("spawn")
        t0 = time.time()

        def start(i: int) -> None:
            p = ctx.Process(target=station_main, args=(
                i, str(cfg), hub_db, str(units_file), str(d / f"station{i}.jsonl"), t0,
                factor, shift.seed, len(world.units)), daemon=True)
            p.start()
            procs[i] = p

        os.environ["SHIFT_HUB_TOKEN"] = env["SHIFT_HUB_TOKEN"]
        for i in range(STATIONS):
            start(i)
        # the day's faults, in simulated hours from the start
        at = {"link_down": 2.0, "link_up": 4.0, "printer_off": 5.0, "printer_on": 5.5}
        kills = sorted(rng.uniform(0.5, 6.5) for _ in range(2))
        hq_acts = sorted(rng.uniform(0.3, 7.0) for _ in range(12))
        # HQ's admin commands take a second each: they run beside the clock, not on it
        hq_jobs: queue.Queue[tuple[random.Random, float] | None] = queue.Queue()

        def hq_admin() -> None:
            while (job := hq_jobs.get()) is not None:
                _hq_action(job[0], d, hq_db, env, world, log, job[1])

        lag_box: list[float] = []

        def measure_lag() -> None:
            """Seconds from the link's return until HQ has every event queued while down."""
            t = time.time()
            con = sqlite3.connect(d / "hub.sqlite", timeout=30)
            top = con.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0]
            while time.time() - t < 300:
                row = con.execute("SELECT value FROM sync_state WHERE key='pushed_seq'").fetchone()
                if row and int(row[0]) >= top:
                    lag_box.append(time.time() - t)
                    break
                time.sleep(0.05)
            con.close()

        admin = threading.Thread(target=hq_admin, daemon=True, name="hq-admin")
        admin.start()
        fired: set[str] = set()
        killed: list[tuple[int, float]] = []
        sim = 0.0
        while any(p.is_alive() for p in procs.values()):
            time.sleep(0.05)
            sim = (time.time() - t0) * factor / 3600
            for name, when in at.items():
                if sim >= when and name not in fired:
                    fired.add(name)
                    log(f"  {sim:4.1f} h  {name.replace('_', ' ')}")
                    {"link_down": link.down, "link_up": link.restore,
                     "printer_off": printer.off, "printer_on": printer.on}[name]()
                    if name == "link_up":
                        threading.Thread(target=measure_lag, daemon=True).start()
            while kills and sim >= kills[0]:
                kills.pop(0)
                victim = rng.choice([i for i in procs if procs[i].is_alive()] or [0])
                if procs[victim].is_alive():
                    os.kill(procs[victim].pid or 0, signal.SIGKILL)
                    procs[victim].join()
                    killed.append((victim, sim))
                    log(f"  {sim:4.1f} h  station {victim + 1} killed (SIGKILL), restarted")
                    start(victim)
            while hq_acts and sim >= hq_acts[0]:
                hq_acts.pop(0)
                hq_jobs.put((random.Random(rng.random()), sim))
        elapsed = time.time() - t0
        hq_jobs.put(None)
        admin.join(120)
        for name in ("link_up", "printer_on"):  # a very short shift may end first
            if name not in fired:
                {"link_up": link.restore, "printer_on": printer.on}[name]()
        # the pile: re-decide what came back (undo, HQ rejections), then drain sync
        log("  end of shift: deciding the units sent back to the pile, draining sync")
        redecided, lag = 0, 0.0
        for _ in range(10):  # HQ's answers may send more units back to the pile
            again = _clear_pile(cfg, hub_db, d, env)
            lag += _wait_drained(d / "hub.sqlite", 180)
            redecided += again
            if not again and not _clear_pile(cfg, hub_db, d, env):
                break
        floor("labels", "retry", "--all", "--db", hub_db, "--config", str(cfg), env=env)
        report = check(d, world, printer, elapsed, factor, killed, redecided, lag)
        report["sync_lag_after_link_returned_s"] = round(lag_box[0], 2) if lag_box else None
        report["link_down_simulated_hours"] = at["link_up"] - at["link_down"]
        return report
    finally:
        for p in procs.values():
            if p.is_alive():
                p.kill()
        if sync is not None:
            sync.terminate()
            sync.wait(10)
        hq.terminate()
        hq.wait(10)
        printer.off()
        if link is not None:
            link.close()


def _hq_action(rng: random.Random, d: Path, hq_db: str, env: dict[str, str], world: World,
               log: Any, sim: float) -> None:
    con = sqlite3.connect(d / "hq.sqlite", timeout=30)
    open_lines = [r[0] for r in con.execute(
        "SELECT backorder_id FROM hq_backorder_line WHERE status='open' AND hub_id=?", (HUB,))]
    con.close()
    kind = rng.choice(["add", "cancel", "reassign", "cancel", "reassign", "add"])
    if kind == "add":
        n = rng.randint(5, 20)
        path = d / f"more-{time.time_ns()}.csv"
        _write_lines(path, world.skus[: len(world.skus) // 3], n, rng, f"NEW{int(sim * 100)}")
        floor("hq", "import-backorders", str(path), "--hub", HUB, "--hq-db", hq_db, env=env)
        log(f"  {sim:4.1f} h  HQ adds {n} backorder lines")
    elif open_lines:
        line = rng.choice(open_lines)
        if kind == "cancel":
            floor("hq", "cancel", line, "--hq-db", hq_db, env=env)
        else:
            floor("hq", "reassign", line, "--to", OTHER_HUB, "--hq-db", hq_db, env=env)
        log(f"  {sim:4.1f} h  HQ {'cancels' if kind == 'cancel' else 'reassigns'} {line}")


def _clear_pile(cfg: Path, hub_db: str, d: Path, env: dict[str, str]) -> int:
    con = sqlite3.connect(d / "hub.sqlite", timeout=30)
    pile = [r[0] for r in con.execute("SELECT unit_id FROM unit WHERE status='received'")]
    con.close()
    if not pile:
        return 0
    sys.path.insert(0, str(ROOT))
    from floor_app.config import load_settings
    from floor_app.services.context import Services

    services = Services.open(load_settings(cfg, db_url=hub_db))
    for unit_id in pile:
        services.station.inspect(unit_id, "C", "LEAD")
    services.close()
    return len(pile)


def _wait_drained(path: Path, timeout: float) -> float:
    """Seconds until every event is at HQ and no allocation waits for HQ's answer."""
    t = time.time()
    while time.time() - t < timeout:
        con = sqlite3.connect(path, timeout=30)
        top = con.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0]
        pushed = con.execute(
            "SELECT coalesce(max(value), '0') FROM sync_state WHERE key='pushed_seq'"
        ).fetchone()[0]
        pending = con.execute(
            "SELECT count(*) FROM allocation WHERE hq_status='pending' "
            "AND status IN ('reserved','relabelled')").fetchone()[0]
        con.close()
        if int(pushed) >= top and pending == 0:
            return time.time() - t
        time.sleep(0.2)
    raise RuntimeError("sync did not drain: events or allocations still wait for HQ")


# --- the end-of-shift audit -------------------------------------------------------------


def check(d: Path, world: World, printer: Printer, elapsed: float, factor: float,
          killed: list[tuple[int, float]], redecided: int, drain_s: float) -> dict[str, Any]:
    hub = sqlite3.connect(d / "hub.sqlite")
    hq = sqlite3.connect(d / "hq.sqlite")
    problems: list[str] = []

    def q(con: sqlite3.Connection, sql: str, *a: Any) -> list[tuple[Any, ...]]:
        return con.execute(sql, a).fetchall()

    if q(hub, "PRAGMA integrity_check") != [("ok",)]:
        problems.append("hub integrity_check failed")
    # no line filled beyond its quantity, at the hub or at HQ
    over = q(hub, """SELECT b.backorder_id, b.qty, b.qty_filled, count(a.allocation_id)
                     FROM backorder_line b LEFT JOIN allocation a ON a.backorder_id =
                     b.backorder_id AND a.status IN ('reserved','relabelled')
                     GROUP BY b.backorder_id HAVING b.qty_filled > b.qty
                     OR b.qty_filled != count(a.allocation_id)""")
    problems += [f"hub line {r[0]}: qty {r[1]}, filled {r[2]}, live {r[3]}" for r in over]
    problems += [f"HQ line {r[0]} over-filled" for r in
                 q(hq, "SELECT backorder_id FROM hq_backorder_line WHERE qty_filled > qty")]
    # every hub event at HQ exactly once, in order
    hub_events = {r[0]: r[1] for r in q(hub, "SELECT event_id, seq FROM outbox")}
    hq_events = q(hq, "SELECT event_id, seq FROM hq_event WHERE hub_id=?", HUB)
    if len(hq_events) != len({e for e, _ in hq_events}):
        problems.append("an event was applied twice at HQ")
    if {e: s for e, s in hq_events} != hub_events:
        missing = set(hub_events) - {e for e, _ in hq_events}
        problems.append(f"HQ's events differ from the hub's outbox ({len(missing)} missing)")
    # HQ's filled counts equal the hub's accepted allocations
    hub_acc = dict(q(hub, """SELECT backorder_id, count(*) FROM allocation WHERE
                    status IN ('reserved','relabelled') AND hq_status='accepted'
                    GROUP BY backorder_id"""))
    hq_acc = dict(q(hq, """SELECT backorder_id, count(*) FROM hq_allocation WHERE
                   hub_id=? AND status='accepted' GROUP BY backorder_id""", HUB))
    if hub_acc != hq_acc:
        diff = {k for k in set(hub_acc) | set(hq_acc) if hub_acc.get(k) != hq_acc.get(k)}
        problems.append(f"accepted allocations differ between hub and HQ on {len(diff)} lines")
    # every unit has exactly one current disposition
    units = q(hub, "SELECT count(*) FROM unit")[0][0]
    current = dict(q(hub, """SELECT unit_id, count(*) FROM decision WHERE undone_at IS NULL
                            GROUP BY unit_id"""))
    if units != len(world.units) or any(v != 1 for v in current.values()) \
            or len(current) != units:
        problems.append(f"units: {units} in the hub, {len(world.units)} returned, "
                        f"{len(current)} with one current decision")
    # labels: every one the printer got is known; none lost, none in an unknown state
    states = dict(q(hub, "SELECT status, count(*) FROM label GROUP BY status"))
    known = {r[0] for r in q(hub, "SELECT label_id FROM label")}
    lost = set(printer.printed) - known
    if lost:
        problems.append(f"{len(lost)} printed labels unknown to the hub")
    if states.get("pending", 0):
        problems.append(f"{states['pending']} labels still pending after the printer returned")
    if set(states) - {"sent", "confirmed", "voided"}:
        problems.append(f"labels in unexpected states: {states}")
    # the station said 'done' only for decisions that are on disk with their event
    said = []
    for i in range(STATIONS):
        p = d / f"station{i}.jsonl"
        if p.exists():
            said += [json.loads(x) for x in p.read_text().splitlines() if x.strip()]
    decided = [x for x in said if "unit_id" in x and "decision" in x]
    on_disk = {r[0] for r in q(hub, "SELECT json_extract(payload, '$.unit_id') FROM outbox WHERE "
                                    "type='unit.decided'")}
    lost_decisions = [x for x in decided if x["unit_id"] not in on_disk]
    if lost_decisions:
        problems.append(f"{len(lost_decisions)} decisions shown as done are not on disk")
    # KPIs equal at hub and HQ
    hub_fills = q(hub, "SELECT count(*) FROM allocation WHERE hq_status='accepted' AND "
                       "status IN ('reserved','relabelled')")[0][0]
    hq_fills = q(hq, "SELECT coalesce(sum(qty_filled),0) FROM hq_backorder_line")[0][0]
    if hub_fills != hq_fills:
        problems.append(f"fills: hub {hub_fills}, HQ {hq_fills}")
    ms = sorted(x["ms"] for x in decided)
    rejected = q(hub, "SELECT count(*) FROM allocation WHERE status='rejected'")[0][0]
    reprinted = sum(1 for x in printer.printed) - len(set(printer.printed))
    retried = q(hub, "SELECT count(*) FROM label WHERE attempts > 1")[0][0]
    report = {
        "problems": problems,
        "units": units,
        "decisions": len(decided),
        "refused_after_kill": sum(1 for x in said if "refused" in x),
        "fills_accepted": hub_fills,
        "hq_rejections_compensated": rejected,
        "undone": sum(1 for x in said if "undone" in x),
        "redecided_at_end": redecided,
        "events": len(hub_events),
        "labels": states,
        "labels_retried_after_printer_outage": retried,
        "labels_printed_twice": reprinted,
        "kills": len(killed),
        "real_seconds": round(elapsed, 1),
        "units_per_simulated_hour": round(units / SHIFT_HOURS, 1),
        "units_per_real_hour": round(units / elapsed * 3600),
        "decide_ms_p50": round(statistics.median(ms), 1) if ms else None,
        "decide_ms_p99": round(ms[int(len(ms) * 0.99) - 1], 1) if ms else None,
        "drain_seconds": round(drain_s, 1),
    }
    hub.close()
    hq.close()
    return report


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--units", type=int, default=5000)
    ap.add_argument("--minutes", type=float, default=4.0, help="real minutes for 8 hours")
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    shift = Shift(a.units, a.minutes, a.seed)
    print(f"shift: {a.units} units, 8 h in {a.minutes} min, 4 stations, seed {a.seed}, "
          f"in {shift.folder}")
    report = run_shift(shift)
    for k, v in report.items():
        if k != "problems":
            print(f"  {k:40} {v}")
    if report["problems"]:
        print("PROBLEMS:")
        for p in report["problems"]:
            print("  -", p)
        return 1
    print("  all checks passed: nothing lost, nothing doubled")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
