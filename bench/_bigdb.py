"""The large hub database the decision benchmarks run on (reusable by other benches).

Shape (defaults): 20,000 SKUs with 25,000 GTINs; 1,000,000 units (5% in the pile,
received and waiting, the rest decided over 60 days, one decision each; 60% carry a GS1
serial); 200,000 open backorder lines at this hub over 8,000 SKUs with a heavy tail (a
few SKUs have hundreds of lines, as popular items do), quantities 1-3, some partly
filled; 20,000 allocations with their labels; 150,000 expected return lines (20% not yet
received); 20,000 outbox events not yet pushed.

The schema comes from the real migrations (``floor_app.store.migrate.upgrade``), so the
indexes are the ones the app ships. Rows go in with raw ``executemany`` and
``synchronous=OFF`` during the build only; the big tables' secondary indexes are dropped
and re-created from their own ``CREATE INDEX`` text, so the file ends up exactly as
migrated. The file is cached at ``var/bench/big.sqlite`` and rebuilt only when it is
missing, its schema revision is not the migrations' head, the migration scripts
changed, or the build parameters changed. Benchmarks that write run on a copy
(:func:`working_copy`).

Run ``python bench/_bigdb.py`` to build (or check) the cache; ``--quick`` for the small
variant (100,000 units, 20,000 lines).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from floor_app.domain.gtin import check_digit  # noqa: E402  (after the path fix-up)

CACHE_DIR = ROOT / "var" / "bench"
HUB = "HUB-1"
NOW = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
MARKER_KEY = "bench.bigdb"
BUILD_VERSION = 2  # bump when the generator changes shape


@dataclass(frozen=True)
class Shape:
    units: int = 1_000_000
    lines: int = 200_000
    skus: int = 20_000
    line_skus: int = 8_000  # SKUs with open backorder lines (the rest have none)
    seed: int = 20261204
    version: int = BUILD_VERSION


FULL = Shape()
QUICK = Shape(units=100_000, lines=20_000, skus=5_000, line_skus=2_000)


def ts(dt: datetime) -> str:
    """The text SQLAlchemy's SQLite DateTime stores (naive UTC, microseconds)."""
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def sku_of(i: int) -> str:
    return f"SKU-{i:06d}"


def ean_of(i: int, alt: bool = False) -> str:
    """The EAN-13 printed on SKU ``i`` (``alt``: its second GTIN, for a quarter of SKUs)."""
    body = f"{'21' if alt else '40'}{i:010d}"
    return body + str(check_digit(body))


def serial_of(i: int, prefix: str = "SN") -> str:
    """A unit serial in letters only. Digits right after AI 21 in a code sent without GS
    separators could also read as a following AI (10, 17...), which the reader rightly
    refuses as ambiguous; letters keep the benchmark on the normal path."""
    return prefix + "".join(chr(65 + (i // 26**k) % 26) for k in range(5))


def line_sku_index(rnd: random.Random, n: int) -> int:
    """A backordered SKU, heavy-tailed: weight 1/sqrt(rank), so the top SKU of 8,000
    has about 1,100 of 200,000 lines and the median one about 17."""
    # Inverse CDF of density ~ x^-1/2 on [1, n+1]: x = (1 + u*(sqrt(n+1)-1))^2.
    u = rnd.random()
    return min(n - 1, int((1 + u * ((n + 1) ** 0.5 - 1)) ** 2) - 1)


def default_path(quick: bool = False) -> Path:
    return CACHE_DIR / ("big-quick.sqlite" if quick else "big.sqlite")


def migrations_digest() -> str:
    """A hash of the migration scripts: a revision edited in place also means a rebuild."""
    from floor_app.store.migrate import MIGRATIONS_DIR

    h = hashlib.sha256()
    for f in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]


def marker(shape: Shape) -> str:
    return json.dumps({**asdict(shape), "migrations": migrations_digest()}, sort_keys=True)


def _head_revision() -> str | None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from floor_app.store.migrate import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(cfg).get_current_head()


def is_current(path: Path, shape: Shape) -> bool:
    if not path.exists():
        return False
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rev = con.execute("SELECT version_num FROM alembic_version").fetchone()
            mark = con.execute("SELECT value FROM sync_state WHERE key = ?", (MARKER_KEY,))
            mark_row = mark.fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return False
    return (
        rev is not None
        and rev[0] == _head_revision()
        and mark_row is not None
        and mark_row[0] == marker(shape)
    )


def ensure(quick: bool = False, *, path: Path | None = None) -> tuple[Path, float | None]:
    """The cached database, built first if needed. Returns (path, build seconds or None).

    The build runs in a child process, so the caller's memory figures (ru_maxrss) do not
    include it.
    """
    shape = QUICK if quick else FULL
    path = path or default_path(quick)
    if is_current(path, shape):
        return path, None
    started = time.perf_counter()
    cmd = [sys.executable, str(Path(__file__).resolve()), "--path", str(path)]
    subprocess.run([*cmd, "--quick"] if quick else cmd, check=True)
    return path, time.perf_counter() - started


def working_copy(src: Path, dst: Path) -> Path:
    """A private copy to write to (the cache stays as built). ``dst`` is overwritten."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{dst}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(src, dst)
    return dst


def _migrate(path: Path) -> None:
    from floor_app.store import migrate
    from floor_app.store.engine import Database

    db = Database(f"sqlite:///{path}")
    try:
        migrate.upgrade(db.engine)
    finally:
        db.dispose()


def _drop_indexes(con: sqlite3.Connection, tables: tuple[str, ...]) -> list[str]:
    """Drop the tables' secondary indexes; return their CREATE text to restore them."""
    marks = ",".join("?" * len(tables))
    rows = con.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks})",
        tables,
    ).fetchall()
    for name, _ in rows:
        con.execute(f'DROP INDEX "{name}"')
    return [sql for _, sql in rows]


def build(path: Path, shape: Shape) -> None:
    rnd = random.Random(shape.seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    tmp = path.with_name(path.name + ".building")
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    _migrate(tmp)
    con = sqlite3.connect(tmp, isolation_level=None)
    con.execute("PRAGMA journal_mode=OFF")  # build only: a crash just means a rebuild
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-262144")
    con.execute("BEGIN")
    restore = _drop_indexes(con, ("unit", "decision", "backorder_line", "expected_return"))
    operators = [f"W{i:02d}" for i in range(12)]

    con.executemany(
        "INSERT INTO catalog_item (sku, name, variant, unit_value_cents, min_grade) "
        "VALUES (?, ?, ?, ?, NULL)",
        (
            (sku_of(i), f"Product {i}", rnd.choice(("S", "M", "L", "")), rnd.randint(500, 90_000))
            for i in range(shape.skus)
        ),
    )
    gtins = [("0" + ean_of(i), sku_of(i)) for i in range(shape.skus)]
    gtins += [("0" + ean_of(i, alt=True), sku_of(i)) for i in range(0, shape.skus, 4)]
    con.executemany("INSERT INTO gtin (gtin, sku) VALUES (?, ?)", gtins)

    def line_row(i: int) -> tuple[object, ...]:
        ordered = NOW - timedelta(days=rnd.uniform(0, 45))
        promised = None if rnd.random() < 0.1 else ordered + timedelta(days=rnd.uniform(3, 20))
        qty = rnd.choice((1, 1, 1, 2, 3))
        filled = rnd.randint(0, qty - 1) if rnd.random() < 0.1 else 0
        return (
            f"BO-{i:07d}",
            f"ORD-{i:07d}",
            sku_of(line_sku_index(rnd, shape.line_skus)),
            HUB,
            1,
            qty,
            filled,
            rnd.choice((None,) * 7 + ("B", "B", "C")),
            "expedite" if rnd.random() < 0.05 else "normal",
            ts(ordered),
            ts(promised) if promised else None,
            rnd.randint(500, 90_000),
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
        (line_row(i) for i in range(shape.lines)),
    )
    pile = shape.units // 20
    dispositions = ("restock", "restock_open_box", "send_to_dc", "refurbish", "liquidate")

    def unit_row(i: int) -> tuple[object, ...]:
        k = rnd.randrange(shape.skus)
        gtin = "0" + ean_of(k)
        serial = serial_of(i) if rnd.random() < 0.6 else None
        codes = json.dumps([f"]C101{gtin}21{serial}" if serial else gtin[1:]])
        received = NOW - timedelta(days=rnd.uniform(0, 60))
        if i < pile:
            status, grade, disp, decided = "received", None, None, None
        else:
            g = rnd.randrange(5)
            status, grade, disp = "disposed", "ABCDF"[g], dispositions[g]
            decided = ts(min(NOW, received + timedelta(hours=rnd.uniform(0.1, 30))))
        return (
            f"U-{i:08d}",
            f"RMA-{i:08d}",
            sku_of(k),
            gtin,
            serial,
            codes,
            status,
            0,
            grade,
            disp,
            ts(received),
            rnd.choice(operators),
            decided,
        )

    con.executemany(
        "INSERT INTO unit (unit_id, rma, sku, gtin, serial, codes, status, hot, grade, "
        "disposition, received_at, received_by, decided_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (unit_row(i) for i in range(shape.units)),
    )
    con.execute(
        "INSERT INTO decision (decision_id, unit_id, decision, grade, reason, operator, at) "
        "SELECT 'D-' || substr(unit_id, 3), unit_id, disposition, grade, NULL, received_by, "
        "decided_at FROM unit WHERE status = 'disposed'"
    )
    n_alloc = shape.units // 50
    allocs, labels = [], []
    for i in range(n_alloc):
        unit_id = f"U-{pile + i:08d}"
        created = ts(NOW - timedelta(hours=rnd.uniform(0, 24 * 30)))
        status = "reserved" if i % 10 == 0 else "relabelled"
        label_id = f"LBL-B{i:09d}"
        allocs.append(
            (f"A-B{i:08d}", unit_id, f"BO-{rnd.randrange(shape.lines):07d}", 1, label_id,
             status, "pending", rnd.choice(operators), created)
        )  # fmt: skip
        labels.append(
            (label_id, unit_id, f"A-B{i:08d}", "fill_backorder", "{}",
             "sent" if status == "reserved" else "confirmed", created)
        )  # fmt: skip
    con.executemany(
        "INSERT INTO allocation (allocation_id, unit_id, backorder_id, epoch, label_id, "
        "status, hq_status, operator, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
        allocs,
    )
    con.executemany(
        "INSERT INTO label (label_id, unit_id, allocation_id, kind, content, status, attempts, "
        "created_at, reprints) VALUES (?,?,?,?,?,?,0,?,0)",
        labels,
    )
    n_exp = shape.units * 3 // 20

    def exp_row(i: int) -> tuple[object, ...]:
        return (
            f"RMA-X{i:08d}",
            f"ORD-R{i:07d}",
            sku_of(rnd.randrange(shape.skus)),
            1,
            0 if rnd.random() < 0.2 else 1,
            "Customer",
            ts(NOW - timedelta(days=rnd.uniform(-5, 60))),
        )

    con.executemany(
        "INSERT INTO expected_return (rma, order_id, sku, qty, qty_received, customer_name, "
        "expected_at) VALUES (?,?,?,?,?,?,?)",
        (exp_row(i) for i in range(n_exp)),
    )
    n_out = shape.units // 50
    con.executemany(
        "INSERT INTO outbox (event_id, hub_id, type, aggregate_id, payload, occurred_at, "
        "schema_version) VALUES (?,?,?,?,?,?,1)",
        (
            (f"E-B{i:09d}", HUB, "unit.decided", f"U-{pile + i:08d}", "{}",
             ts(NOW - timedelta(seconds=n_out - i)))
            for i in range(n_out)
        ),
    )  # fmt: skip
    con.execute("INSERT INTO sync_state (key, value) VALUES (?, ?)", (MARKER_KEY, marker(shape)))
    for sql in restore:
        con.execute(sql)
    con.execute("COMMIT")
    # No ANALYZE: a hub's database never gets one, so the planner must cope without.
    con.execute("PRAGMA journal_mode=WAL")  # what the station opens it with
    con.close()
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the small variant")
    parser.add_argument("--path", type=Path, help="where to build (default: var/bench/)")
    parser.add_argument("--force", action="store_true", help="rebuild even if current")
    args = parser.parse_args(argv)
    shape = QUICK if args.quick else FULL
    path = args.path or default_path(args.quick)
    if not args.force and is_current(path, shape):
        print(f"{path}: current ({shape.units:,} units, {shape.lines:,} lines)")
        return 0
    started = time.perf_counter()
    build(path, shape)
    size = path.stat().st_size / 2**20
    print(
        f"built {path} ({shape.units:,} units, {shape.lines:,} open lines, {size:.0f} MiB) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
