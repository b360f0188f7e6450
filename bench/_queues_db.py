"""A large hub database for the lead-queue benchmark, built fast with raw sqlite3.

The schema comes from the real migrations (so the indexes are the ones the app ships);
rows are bulk-inserted with ``executemany``. The file is cached in the temp folder and
reused while the migration head, the sizes and the seed are unchanged.

Shape (the defaults): 1,000,000 units, 5% of them in the pile (received, not inspected),
the rest decided over the last 60 days with one decision each; 200,000 open backorder
lines at this hub over 40,000 SKUs (5% expedited, 10% without a promise date);
20,000 allocations (2,000 waiting for the confirm scan); 150,000 expected return lines
(20% not yet received); 1,000 open exceptions.
"""

from __future__ import annotations

import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HUB = "HUB-1"
NOW = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)


def ts(dt: datetime) -> str:
    """The text SQLAlchemy's SQLite DateTime stores (naive UTC, microseconds)."""
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _migrate(path: Path) -> str:
    from floor_app.store import migrate
    from floor_app.store.engine import Database

    db = Database(f"sqlite:///{path}")
    try:
        migrate.upgrade(db.engine)
        return migrate.current_revision(db.engine) or ""
    finally:
        db.dispose()


def build(path: Path, *, units: int = 1_000_000, lines: int = 200_000, seed: int = 7) -> Path:
    rnd = random.Random(seed)
    if path.exists():
        path.unlink()
    _migrate(path)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    n_skus = max(10, lines // 5)
    skus = [f"SKU-{i:06d}" for i in range(n_skus)]
    con.executemany(
        "INSERT INTO catalog_item (sku, name, variant, unit_value_cents, min_grade) "
        "VALUES (?, ?, ?, ?, NULL)",
        ((s, f"Product {s}", "M", rnd.randint(1_000, 30_000)) for s in skus),
    )
    line_skus = skus[: int(n_skus * 0.8)]

    def line_row(i: int) -> tuple[object, ...]:
        ordered = NOW - timedelta(days=rnd.uniform(0, 45))
        promised = None if rnd.random() < 0.1 else ordered + timedelta(days=rnd.uniform(3, 20))
        return (
            f"BO-{i:07d}",
            f"ORD-{i:07d}",
            rnd.choice(line_skus),
            HUB,
            1,
            rnd.choice((1, 1, 1, 2, 3)),
            0,
            None,
            "expedite" if rnd.random() < 0.05 else "normal",
            ts(ordered),
            ts(promised) if promised else None,
            rnd.randint(1_000, 30_000),
            "Customer",
            "Lyon",
            "69001",
            "open",
        )

    con.executemany(
        "INSERT INTO backorder_line (backorder_id, order_id, sku, hub_id, epoch, qty, "
        "qty_filled, min_grade, priority, ordered_at, promised_at, unit_value_cents, "
        "ship_to_name, ship_to_city, ship_to_postcode, status) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (line_row(i) for i in range(lines)),
    )
    open_skus = set(line_skus)
    pile = int(units * 0.05)
    operators = [f"W{i}" for i in range(12)]

    def unit_row(i: int) -> tuple[object, ...]:
        sku = rnd.choice(skus)
        if i < pile:
            received = NOW - timedelta(hours=rnd.uniform(0, 96))
            return (
                f"U-{i:08d}",
                f"RMA{i:08d}",
                sku,
                "[]",
                "received",
                int(sku in open_skus),
                None,
                None,
                ts(received),
                rnd.choice(operators),
                None,
            )
        received = NOW - timedelta(days=rnd.uniform(0, 60))
        decided = received + timedelta(hours=rnd.uniform(0.1, 30))
        return (
            f"U-{i:08d}",
            f"RMA{i:08d}",
            sku,
            "[]",
            "disposed",
            0,
            "A",
            "restock",
            ts(received),
            rnd.choice(operators),
            ts(min(decided, NOW)),
        )

    con.executemany(
        "INSERT INTO unit (unit_id, rma, sku, codes, status, hot, grade, disposition, "
        "received_at, received_by, decided_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (unit_row(i) for i in range(units)),
    )
    con.execute(
        "INSERT INTO decision (decision_id, unit_id, decision, grade, operator, at) "
        "SELECT 'D-' || unit_id, unit_id, 'restock', 'A', received_by, decided_at "
        "FROM unit WHERE status = 'disposed'"
    )
    n_alloc = max(10, units // 50)
    waiting = n_alloc // 10
    allocs, labels = [], []
    for i in range(n_alloc):
        unit_id = f"U-{pile + i:08d}"
        created = NOW - timedelta(hours=rnd.uniform(0, 24 * 30))
        status = "reserved" if i < waiting else "relabelled"
        label = f"LBL-{i:010d}"
        allocs.append(
            (
                f"A-{i:08d}",
                unit_id,
                f"BO-{rnd.randrange(lines):07d}",
                1,
                label,
                status,
                "pending",
                rnd.choice(operators),
                ts(created),
            )
        )
        labels.append(
            (
                label,
                unit_id,
                f"A-{i:08d}",
                "fill_backorder",
                "{}",
                "sent" if status == "reserved" else "confirmed",
                ts(created),
            )
        )
    con.executemany(
        "INSERT INTO allocation (allocation_id, unit_id, backorder_id, epoch, label_id, status, "
        "hq_status, operator, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
        allocs,
    )
    con.executemany(
        "INSERT INTO label (label_id, unit_id, allocation_id, kind, content, status, attempts, "
        "created_at, reprints) VALUES (?,?,?,?,?,?,0,?,0)",
        labels,
    )
    n_exp = max(10, units * 3 // 20)

    def exp_row(i: int) -> tuple[object, ...]:
        expected = NOW - timedelta(days=rnd.uniform(-5, 60))
        received = 0 if rnd.random() < 0.2 else 1
        return (
            f"RMX{i:08d}",
            f"ORD-R{i:07d}",
            rnd.choice(skus),
            1,
            received,
            "Customer",
            ts(expected),
        )

    con.executemany(
        "INSERT INTO expected_return (rma, order_id, sku, qty, qty_received, customer_name, "
        "expected_at) VALUES (?,?,?,?,?,?,?)",
        (exp_row(i) for i in range(n_exp)),
    )
    con.executemany(
        "INSERT INTO hub_exception (kind, unit_id, detail, action, created_at) VALUES (?,?,?,?,?)",
        (
            (
                rnd.choice(("unknown_item", "wrong_item")),
                f"U-{i:08d}",
                "bench",
                "",
                ts(NOW - timedelta(hours=rnd.uniform(0, 200))),
            )
            for i in range(max(5, units // 1000))
        ),
    )
    con.commit()
    con.execute("ANALYZE")
    con.commit()
    con.close()
    return path


def cached(*, units: int = 1_000_000, lines: int = 200_000, seed: int = 7) -> Path:
    """Build once per (schema head, sizes, seed); later runs reuse the file."""
    from floor_app.store import migrate
    from floor_app.store.engine import Database

    probe = Database("sqlite://")
    head = migrate.head_revision(probe.engine)
    probe.dispose()
    path = Path(tempfile.gettempdir()) / f"floor_bench_queues_{head}_{units}_{lines}_{seed}.sqlite"
    if not path.exists():
        t0 = time.perf_counter()
        tmp = path.with_suffix(".building")
        build(tmp, units=units, lines=lines, seed=seed)
        for suffix in ("-wal", "-shm"):
            Path(str(tmp) + suffix).unlink(missing_ok=True)
        tmp.rename(path)
        print(f"built {path} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return path


if __name__ == "__main__":
    print(cached())
