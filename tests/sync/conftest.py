"""Fixtures for the sync tests: an HQ database, hubs with real station services, a real
uvicorn HQ on a free loopback port, and a world that drives them all."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sync_world import World

from floor_app.store.engine import Database


@pytest.fixture(scope="session")
def _hq_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated HQ SQLite file per worker; tests copy it (running Alembic is slower)."""
    from floor_app.sync.hq.db import upgrade

    path = tmp_path_factory.mktemp("hq-template") / "hq.sqlite"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path


@pytest.fixture
def fast_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder on tmpfs when there is one: SQLite's per-commit fsync (synchronous=FULL)
    costs nothing there, so hundreds of seeded steps stay fast. Durability itself is
    tested on a real disk by the kill tests."""
    shm = Path("/dev/shm")
    if not shm.is_dir():
        yield tmp_path
        return
    path = Path(tempfile.mkdtemp(prefix="floor-sync-", dir=shm))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def hq_url(fast_dir: Path, _hq_template: Path) -> str:
    target = fast_dir / "hq.sqlite"
    shutil.copyfile(_hq_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def pg_hq_url(pg_url: str) -> Iterator[str]:
    """A fresh, migrated HQ database on the session's throwaway PostgreSQL cluster."""
    import psycopg

    from floor_app.sync.hq.db import upgrade

    name = "hq_" + uuid.uuid4().hex[:12]
    base = pg_url.replace("postgresql+psycopg://", "postgresql://")
    admin_dsn = base.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = pg_url.rsplit("/", 1)[0] + "/" + name
    db = Database(url)
    upgrade(db)
    db.dispose()
    yield url
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def world(fast_dir: Path, hq_url: str, _migrated_sqlite: Path) -> Iterator[World]:
    w = World(fast_dir, hq_url, _migrated_sqlite)
    yield w
    w.close()
