"""``floor import`` throughput: 100,000 backorder lines, first load and re-import.

Baseline, measured in the same run: the same rows inserted with raw ``sqlite3``
``executemany`` into the same schema, with no parsing and no checks (the floor any import
could reach). The ratio says what the checks, the upsert and SQLAlchemy cost on top.

    .venv/bin/python bench/import_csv.py [ROWS]
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from floor_app.config import Settings  # noqa: E402
from floor_app.domain import gtin as gtins  # noqa: E402
from floor_app.services.importer import import_file  # noqa: E402
from floor_app.store import migrate  # noqa: E402
from floor_app.store.engine import Database  # noqa: E402

HEADER = (
    "backorder_id,order_id,sku,qty,min_grade,priority,ordered_at,promised_at,unit_value,"
    "ship_to_name,ship_to_city,ship_to_postcode\n"
)


def write_files(folder: Path, rows: int, skus: int) -> tuple[Path, Path]:
    catalog = folder / "catalog.csv"
    with catalog.open("w", encoding="utf-8") as f:
        f.write("sku,gtin,name,variant,unit_value,min_grade\n")
        for i in range(skus):
            body = f"0614141{i:05d}"
            f.write(f"SKU-{i},{body}{gtins.check_digit(body)},Café Racer {i},M,19.99,\n")
    lines = folder / "backorders.csv"
    with lines.open("w", encoding="utf-8") as f:
        f.write(HEADER)
        for i in range(rows):
            prio = "expedite" if i % 20 == 0 else "normal"
            f.write(
                f"BO-{i},SO-{i},SKU-{i % skus},{1 + i % 3},,{prio},2026-02-01T10:00:00Z,"
                f'2026-03-05,,"O\'Brien, Ann",Lyon,69001\n'
            )
    return catalog, lines


def migrated(path: Path) -> Database:
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db.engine)
    return db


def baseline(path: Path, rows: int, skus: int) -> float:
    """Raw executemany of the same rows into the same migrated schema."""
    migrated(path).dispose()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.executemany(
        "INSERT INTO catalog_item (sku, name, variant, unit_value_cents) VALUES (?, ?, 'M', 1999)",
        [(f"SKU-{i}", f"Café Racer {i}") for i in range(skus)],
    )
    conn.commit()
    t = time.perf_counter()
    conn.executemany(
        "INSERT INTO backorder_line (backorder_id, order_id, sku, hub_id, epoch, qty, qty_filled,"
        " min_grade, priority, ordered_at, promised_at, unit_value_cents, ship_to_name,"
        " ship_to_city, ship_to_postcode, status, updated_at) VALUES"
        " (?, ?, ?, 'HUB-1', 1, ?, 0, 'A', ?, ?, ?, 1999, ?, 'Lyon', '69001', 'open', ?)",
        (
            (
                f"BO-{i}",
                f"SO-{i}",
                f"SKU-{i % skus}",
                1 + i % 3,
                "expedite" if i % 20 == 0 else "normal",
                "2026-02-01 10:00:00.000000",
                "2026-03-05 00:00:00.000000",
                "O'Brien, Ann",
                "2026-03-02 08:00:00.000000",
            )
            for i in range(rows)
        ),
    )
    conn.commit()
    elapsed = time.perf_counter() - t
    conn.close()
    return elapsed


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    skus = 5_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        catalog, lines = write_files(folder, rows, skus)
        base = baseline(folder / "baseline.sqlite", rows, skus)
        db = migrated(folder / "hub.sqlite")
        settings = Settings(base_dir=folder)
        import_file(db, settings, "catalog", catalog)
        t = time.perf_counter()
        first = import_file(db, settings, "backorders", lines)
        first_s = time.perf_counter() - t
        t = time.perf_counter()
        again = import_file(db, settings, "backorders", lines)
        again_s = time.perf_counter() - t
        db.dispose()
    assert first.inserted == rows and again.unchanged == rows
    print(f"floor import backorders, {rows:,} lines over {skus:,} SKUs (SQLite, WAL, FULL sync)")
    print(f"  baseline raw executemany : {base:6.2f} s")
    print(
        f"  first load (insert)      : {first_s:6.2f} s  {rows / first_s:9,.0f} rows/s  "
        f"ratio {first_s / base:5.1f}"
    )
    print(
        f"  re-import (all unchanged): {again_s:6.2f} s  {rows / again_s:9,.0f} rows/s  "
        f"ratio {again_s / base:5.1f}"
    )


if __name__ == "__main__":
    main()
