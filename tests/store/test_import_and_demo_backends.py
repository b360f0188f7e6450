"""Import and the demo builder on both backends (the rest of their tests run on SQLite)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from floor_app.config import Settings
from floor_app.services.demo import DemoSize, build_demo
from floor_app.services.importer import ImportRejected, import_file
from floor_app.store.engine import Database
from floor_app.store.models import BackorderLine, ExpectedReturn, Gtin, Unit

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
FILES = {
    "catalog": "sku,gtin,name,variant,unit_value,min_grade\n"
    "TEE-M,0614141000012,Café Racer Tee,M,19.99,\n"
    "TEE-M,0614141000029,Café Racer Tee,M,19.99,\n"
    "BOOT-42,614141000036,Björk Boot,42,129.50,B\n",
    "backorders": "backorder_id,order_id,sku,qty,min_grade,priority,ordered_at,promised_at,"
    "unit_value,ship_to_name,ship_to_city,ship_to_postcode\n"
    'BO-1,O-1,TEE-M,2,,expedite,2026-02-20T10:00:00+01:00,2026-03-01,,"O\'Brien, Ann",Lyon,69001\n'
    "BO-2,O-2,BOOT-42,1,,normal,2026-02-21T09:30:00.123456,,,Zoë,Köln,50667\n",
    "returns": "rma,order_id,sku,qty,customer_name,expected_at\n"
    "RMA-0001,O-9,TEE-M,1,Siân,2026-03-02T07:59:59Z\n",
}


def test_import_round_trip_and_idempotence(db: Database, tmp_path: Path) -> None:
    settings = Settings(base_dir=tmp_path)
    for kind, text in FILES.items():
        path = tmp_path / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        first = import_file(db, settings, kind, path, now=NOW)
        again = import_file(db, settings, kind, path, now=NOW)
        assert first.inserted > 0 and first.updated == 0
        # Microseconds and zones survive the round trip, so nothing looks changed.
        assert (again.inserted, again.updated, again.unchanged) == (0, 0, first.inserted)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Gtin)) == 3
        bo2 = s.get(BackorderLine, "BO-2")
        assert bo2.ordered_at == datetime(2026, 2, 21, 9, 30, 0, 123456, tzinfo=UTC)
        assert bo2.min_grade == "B" and bo2.ship_to_city == "Köln"
        assert s.scalars(select(ExpectedReturn.customer_name)).one() == "Siân"


def test_rejected_file_writes_nothing(db: Database, tmp_path: Path) -> None:
    settings = Settings(base_dir=tmp_path)
    path = tmp_path / "returns.csv"
    path.write_text(FILES["returns"] + "RMA-0002,,NOPE,1,x,\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as info:
        import_file(db, settings, "returns", path, now=NOW)
    assert [b.line for b in info.value.bad_rows] == [2, 3]  # TEE-M is not in this catalogue
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(ExpectedReturn)) == 0


def test_demo_builds_on_each_backend(db: Database, tmp_path: Path) -> None:
    tiny = DemoSize(2, 1, 30, 12, 1, 6, 2)
    build_demo(db, Settings(base_dir=tmp_path), seed=3, now=NOW, size=tiny)
    with db.read() as s:
        statuses = set(s.scalars(select(Unit.status)).all())
        filled = s.scalar(select(func.sum(BackorderLine.qty_filled)))
    assert "received" in statuses and len(statuses) >= 2
    assert filled is not None
