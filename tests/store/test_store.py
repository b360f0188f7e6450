"""The hub database on SQLite and PostgreSQL: schema, round trips, locking, errors."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event, inspect, select, text, update
from sqlalchemy.exc import OperationalError
from sqlmodel import SQLModel

from floor_app.store import migrate
from floor_app.store.engine import Database, StoreError, describe_operational_error
from floor_app.store.models import (
    Allocation,
    AuditLog,
    BackorderLine,
    CatalogItem,
    Decision,
    ExpectedReturn,
    Gtin,
    HubException,
    Inspection,
    Label,
    Operator,
    Outbox,
    SyncState,
    Unit,
)

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def seed_line(db: Database, qty: int = 3) -> None:
    with db.write() as s:
        s.add(CatalogItem(sku="SKU-1", name="Café Racer Jacket", unit_value_cents=18900))
        s.flush()
        s.add(
            BackorderLine(
                backorder_id="BO-1",
                order_id="O-1",
                sku="SKU-1",
                hub_id="HUB-1",
                qty=qty,
                ordered_at=T0,
            )
        )


# --- schema -------------------------------------------------------------------------------------


def test_migrations_create_the_schema_once(empty_url: str) -> None:
    db = Database(empty_url)
    try:
        before, after = migrate.upgrade(db.engine)
        assert before is None and after == migrate.head_revision(db.engine)
        tables = set(inspect(db.engine).get_table_names())
        assert set(SQLModel.metadata.tables) <= tables
        assert migrate.is_current(db.engine)
        assert migrate.upgrade(db.engine) == (after, after)  # a second run changes nothing
    finally:
        db.dispose()


def test_models_equal_migrations(db: Database) -> None:
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, SQLModel.metadata)
    assert diff == []


def test_an_unmigrated_database_is_not_current(empty_url: str) -> None:
    db = Database(empty_url)
    try:
        assert migrate.current_revision(db.engine) is None
        assert not migrate.is_current(db.engine)
    finally:
        db.dispose()


# --- round trips --------------------------------------------------------------------------------


def test_every_table_round_trips(db: Database) -> None:
    paris = timezone(timedelta(hours=2))
    with db.write() as s:
        s.add(
            CatalogItem(
                sku="SKU-1",
                name="Björk Wool Sweater 🧶",
                variant="Écru / M",
                unit_value_cents=11900,
                min_grade="B",
                updated_at=T0,
            )
        )
        s.add(Operator(badge_id="OP-1", name="Siân O'Brien", role="lead", created_at=T0))
        s.flush()
        s.add(Gtin(gtin="00614141000012", sku="SKU-1"))
        s.add(
            ExpectedReturn(
                rma="RMA-0001", sku="SKU-1", qty=2, customer_name="D'Arcy", expected_at=T0
            )
        )
        s.add(
            BackorderLine(
                backorder_id="BO-1",
                order_id="O-1",
                sku="SKU-1",
                hub_id="HUB-1",
                qty=1,
                ordered_at=T0.astimezone(paris),
                promised_at=T0,
            )
        )
        s.add(
            Unit(
                unit_id="U-1",
                sku="SKU-1",
                codes=["RMA-0001", "]d20100614141000012"],
                received_at=T0,
                received_by="OP-1",
            )
        )
        s.flush()
        s.add(
            Inspection(
                unit_id="U-1",
                grade="A",
                checklist={"tags_on": True, "note": "ünï"},
                operator="OP-1",
                at=T0,
            )
        )
        s.add(
            Allocation(
                allocation_id="A-1",
                unit_id="U-1",
                backorder_id="BO-1",
                operator="OP-1",
                created_at=T0,
            )
        )
        s.add(
            Label(
                label_id="LBL-000001",
                unit_id="U-1",
                kind="fill_backorder",
                content={"steps": ["cover the old label"], "name": "Zoë"},
                created_at=T0,
            )
        )
        s.add(
            Decision(
                decision_id="D-1",
                unit_id="U-1",
                decision="fill_backorder",
                grade="A",
                operator="OP-1",
                at=T0,
            )
        )
        s.add(HubException(kind="unknown_item", unit_id="U-1", created_at=T0))
        s.add(
            Outbox(
                event_id="E-1",
                hub_id="HUB-1",
                type="unit.received",
                aggregate_id="U-1",
                payload={"unit_id": "U-1", "nested": {"n": [1, 2]}},
                occurred_at=T0,
            )
        )
        s.add(SyncState(key="pushed_seq", value="0"))
        s.add(
            AuditLog(
                at=T0,
                operator="OP-1",
                action="decide",
                entity="unit",
                entity_id="U-1",
                detail={"grade": "A"},
            )
        )
    with db.read() as s:
        item = s.get(CatalogItem, "SKU-1")
        line = s.get(BackorderLine, "BO-1")
        unit = s.get(Unit, "U-1")
        insp = s.scalars(select(Inspection)).one()
        label = s.get(Label, "LBL-000001")
        event_row = s.scalars(select(Outbox)).one()
        counts = {
            m.__tablename__: len(s.scalars(select(m)).all())
            for m in (
                Gtin,
                ExpectedReturn,
                Allocation,
                Decision,
                HubException,
                SyncState,
                AuditLog,
                Operator,
            )
        }
    assert (item.name, item.variant, item.updated_at) == ("Björk Wool Sweater 🧶", "Écru / M", T0)
    assert item.updated_at.tzinfo is UTC
    assert line.ordered_at == T0 and line.ordered_at.tzinfo is UTC  # +02:00 in, UTC out
    assert unit.codes == ["RMA-0001", "]d20100614141000012"] and unit.hot is False
    assert insp.checklist == {"tags_on": True, "note": "ünï"}
    assert label.content["name"] == "Zoë" and label.status == "pending"
    assert event_row.payload["nested"] == {"n": [1, 2]} and event_row.seq == 1
    assert set(counts.values()) == {1}


def test_naive_datetimes_are_taken_as_utc(db: Database) -> None:
    with db.write() as s:
        s.add(
            AuditLog(
                at=datetime(2026, 3, 2, 8, 0), operator="x", action="a", entity="e", entity_id="1"
            )
        )
    with db.read() as s:
        assert s.scalars(select(AuditLog.at)).one() == T0


def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(Exception, match=r"(?i)foreign key"), db.write() as s:
        s.add(Gtin(gtin="00614141000012", sku="NO-SUCH-SKU"))


def test_a_failed_write_leaves_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError), db.write() as s:
        s.add(SyncState(key="k", value="v"))
        s.flush()
        raise RuntimeError("boom")
    with db.read() as s:
        assert s.get(SyncState, "k") is None


# --- SQLite connection settings -------------------------------------------------------------


def sqlite_db(tmp_path: Path, _migrated_sqlite: Path) -> Database:
    import shutil

    shutil.copyfile(_migrated_sqlite, tmp_path / "hub.sqlite")
    return Database(f"sqlite:///{tmp_path / 'hub.sqlite'}")


def test_sqlite_pragmas(tmp_path: Path, _migrated_sqlite: Path) -> None:
    db = sqlite_db(tmp_path, _migrated_sqlite)
    with db.engine.connect() as conn:
        got = {
            p: conn.exec_driver_sql(f"PRAGMA {p}").scalar()
            for p in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }
    db.dispose()
    assert got == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1, "busy_timeout": 5000}


def test_sqlite_write_sessions_begin_immediate(tmp_path: Path, _migrated_sqlite: Path) -> None:
    """A write session that has only read still holds the write lock: BEGIN IMMEDIATE.

    (A deferred BEGIN would take no lock until the first write, which is what lets two
    writers deadlock on the lock upgrade.) Readers are not blocked: WAL.
    """
    db = sqlite_db(tmp_path, _migrated_sqlite)
    seed_line(db)
    path = str(tmp_path / "hub.sqlite")
    other = sqlite3.connect(path, timeout=0.05, isolation_level=None)
    try:
        with db.write() as s:
            s.execute(select(BackorderLine.qty)).all()  # a read only
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            assert other.execute("SELECT count(*) FROM backorder_line").fetchone() == (1,)
        other.execute("BEGIN IMMEDIATE")  # free again after the commit
        other.execute("ROLLBACK")
        with db.read() as s:  # a read session takes no write lock
            s.execute(select(BackorderLine.qty)).all()
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
    finally:
        other.close()
        db.dispose()


# --- concurrency on both backends ---------------------------------------------------------------


def test_a_writer_waits_for_the_other_writer(db: Database) -> None:
    seed_line(db)
    holding = threading.Event()
    waited: list[float] = []

    def second_writer() -> None:
        holding.wait(10)
        t = time.monotonic()
        with db.write() as s:
            s.execute(update(BackorderLine).values(ship_to_city="Lyon"))
        waited.append(time.monotonic() - t)

    worker = threading.Thread(target=second_writer)
    worker.start()
    with db.write() as s:
        s.execute(select(BackorderLine.qty)).all()  # BEGIN IMMEDIATE / advisory lock taken
        holding.set()
        time.sleep(0.6)
    worker.join(10)
    assert waited and waited[0] >= 0.4


def test_conditional_update_never_overfills(db: Database) -> None:
    seed_line(db, qty=3)
    start = threading.Barrier(8)
    won: list[int] = []
    errors: list[BaseException] = []

    def reserve() -> None:
        try:
            start.wait(10)
            with db.write() as s:
                result = s.execute(
                    update(BackorderLine)
                    .where(
                        BackorderLine.backorder_id == "BO-1",
                        BackorderLine.qty_filled < BackorderLine.qty,
                    )
                    .values(qty_filled=BackorderLine.qty_filled + 1)
                )
                won.append(result.rowcount)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=reserve) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert sorted(won) == [0] * 5 + [1] * 3
    with db.read() as s:
        assert s.get(BackorderLine, "BO-1").qty_filled == 3


# --- errors phrased for the station ----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ("database is locked", "locked by another program"),
        ("database or disk is full", "disk is full"),
        ("attempt to write a readonly database", "read-only"),
        ("no such table: unit", "not initialised"),
        ('relation "unit" does not exist', "not initialised"),
        ("unable to open database file", "cannot open the database"),
        ("something odd", "database error: something odd"),
    ],
)
def test_describe_operational_error(raw: str, needle: str) -> None:
    assert needle in describe_operational_error(OperationalError("stmt", {}, Exception(raw)))


def test_locked_database_message(
    tmp_path: Path, _migrated_sqlite: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from floor_app.store import engine

    # The engine waits up to WRITE_WAIT_SECONDS (busy_timeout per try); shortened here.
    monkeypatch.setattr(engine, "WRITE_WAIT_SECONDS", 0.3)
    db = sqlite_db(tmp_path, _migrated_sqlite)

    @event.listens_for(db.engine, "connect")
    def _short_wait(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.execute("PRAGMA busy_timeout=200")  # the real 5 s, shortened for the test

    holder = sqlite3.connect(str(tmp_path / "hub.sqlite"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        t = time.monotonic()
        with pytest.raises(StoreError, match="locked by another program"), db.write() as s:
            s.add(SyncState(key="k", value="v"))
        assert time.monotonic() - t >= 0.15  # it waited for the lock before giving up
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        db.dispose()


def test_not_initialised_message(empty_url: str) -> None:
    db = Database(empty_url)
    try:
        with pytest.raises(StoreError, match="not initialised: run `floor init`"), db.read() as s:
            s.execute(select(CatalogItem)).all()
    finally:
        db.dispose()


def test_read_only_database_message(tmp_path: Path, _migrated_sqlite: Path) -> None:
    sqlite_db(tmp_path, _migrated_sqlite).dispose()
    db = Database(f"sqlite:///file:{tmp_path / 'hub.sqlite'}?mode=ro&uri=true")
    try:
        with db.read() as s:  # reading works
            assert s.execute(select(CatalogItem)).all() == []
        with pytest.raises(StoreError, match="read-only"), db.write() as s:
            s.add(SyncState(key="k", value="v"))
    finally:
        db.dispose()


def test_missing_folder_message(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        Database(f"sqlite:///{tmp_path / 'no' / 'such' / 'hub.sqlite'}")


def test_unreachable_postgresql_message() -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    db = Database(f"postgresql://nobody@127.0.0.1:{port}/none?connect_timeout=2")
    try:
        with pytest.raises(StoreError, match="cannot open the database"), db.read() as s:
            s.execute(text("SELECT 1"))
    finally:
        db.dispose()


def test_floor_init_creates_the_folder_and_reports(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from floor_app.cli import main

    url = f"sqlite:///{tmp_path / 'new' / 'folder' / 'hub.sqlite'}"
    assert main(["init", "--db", url]) == 0
    assert "created at revision" in capsys.readouterr().out
    assert main(["init", "--db", url, "--json"]) == 0
    out = capsys.readouterr().out
    assert '"before":' in out and '"after":' in out
    assert main(["init", "--db", "nosuchdialect://x"]) == 2
    assert "bad database URL" in capsys.readouterr().err


@pytest.mark.postgres
def test_floor_init_on_postgresql(empty_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    from floor_app.cli import main

    assert main(["init", "--db", empty_url]) == 0
    out = capsys.readouterr().out
    assert "created at revision" in out and "postgresql" in out
