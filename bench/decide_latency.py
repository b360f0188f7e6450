"""Scan to decision on the large hub database: p50/p95/p99/max, baselines, memory.

Times ``StationService.process`` end to end (parse, identify, match, allocate, commit
with ``synchronous=FULL``, as the station runs it) for a mix of units: most are
dispositioned (restock, send to DC...), some fill a backorder line. Measured in the same
run, through the same engine: one indexed lookup of a backorder line by its id, and a
bare write transaction (one insert + commit, i.e. the fsync cost). Budgets (PRODUCT.md):
p99 under 50 ms; the station under 200 MB resident with this database.

    .venv/bin/python bench/decide_latency.py            # 2,000 units on 1,000,000
    .venv/bin/python bench/decide_latency.py --quick    # 300 units on the small variant

The first run builds ``var/bench/big.sqlite`` (about a minute); later runs reuse it and
decide on a private copy, so every run starts from the same state.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from floor_app.store.engine import Database

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import _bigdb  # noqa: E402

OPERATOR = "OP-BENCH"
WARMUP = 20
GRADES = ("A",) * 13 + ("B",) * 4 + ("C",) * 2 + ("D",)


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def rss_mib() -> tuple[float, float]:
    """(peak, current) resident set size of this process in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    current = peak
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                current = int(line.split()[1]) / 1024
    return peak, current


def make_plan(
    db: Database, shape: _bigdb.Shape, n: int, rnd: random.Random
) -> list[tuple[str, list[str]]]:
    """(kind, codes) per unit. Kinds, roughly as a hub sees them:

    - ``ean``      a bare EAN-13, mostly of SKUs without open lines: 45%
    - ``gs1``      a serialised GS1-128 code (AI 01 + 21), new serial, same SKUs: 20%
    - ``rma+ean``  an expected return not received yet, RMA label then product: 15%
    - ``pile``     a unit received earlier (bulk intake), scanned by its GS1 code: 10%
    - ``hot``      a bare EAN of a backordered SKU (popular ones more often): 10%
    """
    from sqlalchemy import bindparam, text

    pile = shape.units // 20
    with db.read() as s:
        pile_ids = [f"U-{i:08d}" for i in rnd.sample(range(pile), min(pile, n))]
        pile_units = [
            (r.gtin, r.serial)
            for r in s.execute(
                text("SELECT gtin, serial FROM unit WHERE unit_id IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": pile_ids},
            )
            if r.serial
        ]
        returns = [
            (r.rma, r.sku)
            for r in s.execute(
                text("SELECT rma, sku FROM expected_return WHERE qty_received = 0 LIMIT :n"),
                {"n": n * 4},
            )
        ]
    rnd.shuffle(pile_units)
    rnd.shuffle(returns)
    plan: list[tuple[str, list[str]]] = []

    def cold_sku() -> int:
        """Most returns are of SKUs nobody waits for; 1 in 6 has open lines."""
        if rnd.random() < 1 / 6:
            return rnd.randrange(shape.line_skus)
        return rnd.randrange(shape.line_skus, shape.skus)

    for i in range(n):
        x = rnd.random()
        if x < 0.45:
            plan.append(("ean", [_bigdb.ean_of(cold_sku())]))
        elif x < 0.65:
            gtin = "0" + _bigdb.ean_of(cold_sku())
            plan.append(("gs1", [f"]C101{gtin}21{_bigdb.serial_of(i, 'BN')}"]))
        elif x < 0.80 and returns:
            rma, sku = returns.pop()
            plan.append(("rma+ean", [rma, _bigdb.ean_of(int(sku.removeprefix("SKU-")))]))
        elif x < 0.90 and pile_units:
            gtin, serial = pile_units.pop()
            plan.append(("pile", [f"]C101{gtin}21{serial}"]))
        else:
            k = _bigdb.line_sku_index(rnd, shape.line_skus)
            plan.append(("hot", [_bigdb.ean_of(k)]))
    return plan


def apply_what_if(db: Database, fixes: set[str]) -> None:
    """Candidate fixes, to size them before the app gets them (not how the app runs).

    - ``index``: an index on unit(gtin, serial), the lookup a serialised scan makes;
    - ``pool``: keep SQLite connections open (QueuePool) instead of one per session.
    """
    from sqlalchemy import create_engine, event, text
    from sqlalchemy.pool import QueuePool

    from floor_app.store import engine as store_engine

    if "index" in fixes:
        with db.write() as s:
            s.execute(
                text("CREATE INDEX IF NOT EXISTS ix_whatif_gtin_serial ON unit (gtin, serial)")
            )
    if "pool" in fixes:
        eng = create_engine(
            db.url,
            connect_args={"check_same_thread": False, "timeout": 5},
            poolclass=QueuePool,
            pool_size=2,
        )
        event.listen(eng, "connect", store_engine._sqlite_pragmas)
        event.listen(eng, "begin", store_engine._sqlite_begin)
        db.engine.dispose()
        db.engine = eng
        db._write_engine = eng.execution_options(**{store_engine.WRITE_OPTION: True})


def time_calls(fn: Callable[[int], object], n: int) -> list[float]:
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - t0)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, help="units to decide (default 2000; quick: 300)")
    ap.add_argument("--quick", action="store_true", help="small database, fewer units")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--profile", action="store_true", help="print a cProfile of the decisions")
    ap.add_argument("--profile-sort", default="cumulative", help="pstats sort key")
    ap.add_argument(
        "--what-if",
        default="",
        help="comma-separated candidate fixes to try: index, pool (see apply_what_if)",
    )
    args = ap.parse_args(argv)
    n = args.units or (300 if args.quick else 2000)
    shape = _bigdb.QUICK if args.quick else _bigdb.FULL

    t0 = time.perf_counter()
    cache, built = _bigdb.ensure(args.quick)
    if built is not None:
        print(f"built {cache.name} in {built:.1f} s (cached for the next runs)")
    else:
        print(f"using cached {cache.name}")
    work = _bigdb.working_copy(cache, cache.with_name("decide-work.sqlite"))
    print(f"working copy ready in {time.perf_counter() - t0:.1f} s")

    from sqlalchemy import text

    from floor_app.config import Settings
    from floor_app.services.station import StationService
    from floor_app.store.engine import Database

    url = f"sqlite:///{work}"
    settings = Settings(base_dir=work.parent)
    settings.database.url = url
    db = Database(url)
    what_if = {f for f in args.what_if.split(",") if f}
    if what_if - {"index", "pool"}:
        ap.error(f"unknown --what-if: {', '.join(sorted(what_if - {'index', 'pool'}))}")
    apply_what_if(db, what_if)
    if what_if:
        print(f"WHAT-IF run with {', '.join(sorted(what_if))}: not the shipped configuration")
    station = StationService(settings, db)
    with db.read() as s:
        n_units = s.execute(text("SELECT count(*) FROM unit")).scalar_one()
        n_open = s.execute(
            text("SELECT count(*) FROM backorder_line WHERE status = 'open'")
        ).scalar_one()
        sync = s.execute(text("PRAGMA synchronous")).scalar_one()
    print(f"database: {n_units:,} units, {n_open:,} open lines, PRAGMA synchronous={sync} (2=FULL)")

    rnd = random.Random(args.seed)
    plan = make_plan(db, shape, n + WARMUP, rnd)
    grades = [rnd.choice(GRADES) for _ in plan]
    for (_, codes), grade in zip(plan[:WARMUP], grades[:WARMUP], strict=True):
        station.process(codes, grade, OPERATOR)  # first calls compile SQL: not timed
    plan, grades = plan[WARMUP:], grades[WARMUP:]

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    times: list[float] = []
    cpu: list[float] = []  # this thread's CPU time: what is left once load and I/O waits go
    by_kind: dict[str, list[float]] = defaultdict(list)
    by_decision: dict[str, list[float]] = defaultdict(list)
    filled: list[str] = []
    for (kind, codes), grade in zip(plan, grades, strict=True):
        t, c = time.perf_counter(), time.thread_time()
        r = station.process(codes, grade, OPERATOR)
        dt = time.perf_counter() - t
        cpu.append(time.thread_time() - c)
        times.append(dt)
        by_kind[kind].append(dt)
        fill = r.decision == "fill_backorder"
        by_decision["fill" if fill else "no fill"].append(dt)
        if fill and r.backorder_id:
            filled.append(r.backorder_id)
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats(args.profile_sort).print_stats(25)

    # Baselines, same engine, same run.
    with db.read() as s:
        some = [r[0] for r in s.execute(text("SELECT backorder_id FROM backorder_line LIMIT 5000"))]
    ids = (filled * (n // max(1, len(filled)) + 1))[: n // 2] + rnd.sample(some, min(n // 2, 5000))

    def lookup(i: int) -> None:
        with db.read() as s:
            s.execute(
                text("SELECT * FROM backorder_line WHERE backorder_id = :b"), {"b": ids[i]}
            ).first()

    raw = db.engine.raw_connection()

    def lookup_open(i: int) -> None:
        cur = raw.cursor()
        cur.execute("SELECT * FROM backorder_line WHERE backorder_id = ?", (ids[i],))
        cur.fetchone()
        cur.close()

    def bare_write(i: int) -> None:
        with db.write() as s:
            s.execute(
                text("INSERT INTO sync_state (key, value) VALUES (:k, '1')"),
                {"k": f"bench.write.{args.seed}.{i}"},
            )

    t_lookup = time_calls(lookup, len(ids))
    t_open = time_calls(lookup_open, len(ids))
    raw.close()
    t_write = time_calls(bare_write, min(n, 1000))
    peak, current = rss_mib()

    print(f"\nscan to decision, {n} units ({len(filled)} filled a backorder), ms:")
    print(f"{'':28} {'n':>5} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}")

    def row(name: str, v: list[float]) -> None:
        print(
            f"{name:28} {len(v):5d} {ms(pct(v, 0.5)):>8} {ms(pct(v, 0.95)):>8} "
            f"{ms(pct(v, 0.99)):>8} {ms(max(v)):>8}"
        )

    row("process() all", times)
    row("  CPU time of process()", cpu)
    for k in ("ean", "gs1", "rma+ean", "pile", "hot"):
        if by_kind[k]:
            row(f"  scan: {k}", by_kind[k])
    for k in ("fill", "no fill"):
        if by_decision[k]:
            row(f"  decision: {k}", by_decision[k])
    row("baseline: lookup via read()", t_lookup)
    row("baseline: lookup, open conn", t_open)
    row("baseline: insert + commit", t_write)
    p50, p99 = pct(times, 0.5), pct(times, 0.99)
    print(
        f"\nratios: decision/lookup p50 {p50 / pct(t_lookup, 0.5):.1f}x, "
        f"p99 {p99 / pct(t_lookup, 0.99):.1f}x; decision/open-connection lookup p50 "
        f"{p50 / pct(t_open, 0.5):.0f}x; decision/write-commit p50 "
        f"{p50 / pct(t_write, 0.5):.1f}x, p99 {p99 / pct(t_write, 0.99):.1f}x"
    )
    print(f"mean {ms(statistics.mean(times))} ms")
    ok_p99 = p99 < 0.050
    ok_mem = peak < 200
    print(f"budget p99 < 50 ms: {ms(p99)} ms -> {'PASS' if ok_p99 else 'FAIL'}")
    print(
        f"budget RSS < 200 MB: peak {peak:.0f} MiB, now {current:.0f} MiB -> "
        f"{'PASS' if ok_mem else 'FAIL'}"
    )
    db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
