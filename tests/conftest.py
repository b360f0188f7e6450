"""Fixtures shared by every test area. They never read a developer's own config or data.

- ``settings``: defaults plus a temporary SQLite database (no config.toml is read).
- ``db``: a migrated :class:`~floor_app.store.engine.Database` on a temporary file.
- ``fixed_now``: an aware UTC instant to pass as the clock.
- ``pg_url``: a throwaway PostgreSQL cluster for the session (one per xdist worker).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

FIXED_NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday, 08:00 UTC


@pytest.fixture(autouse=True)
def _no_floor_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's FLOOR_* variables (config, db, hub id...) must not leak into tests."""
    for name in list(os.environ):
        if name.upper().startswith("FLOOR_"):
            monkeypatch.delenv(name)


@pytest.fixture
def fixed_now() -> datetime:
    return FIXED_NOW


@pytest.fixture
def settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    from floor_app.config import Settings

    s = Settings(base_dir=tmp_path)
    s.database.url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    return s


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per worker; each test gets a copy (migrating is slower)."""
    from floor_app.store import migrate
    from floor_app.store.engine import Database

    path = tmp_path_factory.mktemp("template") / "hub.sqlite"
    database = Database(f"sqlite:///{path}")
    migrate.upgrade(database.engine)
    with database.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    return path


@pytest.fixture
def db(settings, _migrated_sqlite: Path) -> Iterator[object]:  # type: ignore[no-untyped-def]
    from floor_app.store.engine import Database

    target = settings.database_url().removeprefix("sqlite:///")
    shutil.copyfile(_migrated_sqlite, target)
    database = Database(settings.database_url())
    yield database
    database.dispose()


# --- PostgreSQL -------------------------------------------------------------------------


def _pg_bindir() -> Path:
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if not found:
        pytest.fail(
            "PostgreSQL server binaries (initdb, pg_ctl) not found under "
            "/usr/lib/postgresql/*/bin: run `make setup`, which installs the Debian "
            "`postgresql` package",
            pytrace=False,
        )
    return found[-1].parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a database ``floor`` on a fresh cluster, stopped and removed at the end.

    PostgreSQL refuses to run as root, so as root the cluster runs as ``postgres``.
    Each xdist worker has its own cluster on its own port: no locking needed.
    """
    bindir = _pg_bindir()
    as_user: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="floor-pg-"))
    if os.geteuid() == 0:
        try:
            shutil.chown(root, user="postgres")
        except LookupError:
            pytest.fail("running as root but there is no `postgres` user", pytrace=False)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, log = root / "data", root / "server.log"

    def run(*cmd: str) -> None:
        proc = subprocess.run([*as_user, *cmd], capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            detail = proc.stderr.strip() or proc.stdout.strip()
            if log.exists():
                detail += "\n" + log.read_text(errors="replace")[-2000:]
            pytest.fail(f"{' '.join(cmd[:1])} failed: {detail}", pytrace=False)

    run(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
        "--locale=C", "--no-sync")  # fmt: skip
    port = _free_port()
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    run(str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(log), "-w", "start")
    try:
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute("CREATE DATABASE floor")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/floor"
    finally:
        with contextlib.suppress(Exception):
            subprocess.run(
                [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_hub_url(pg_url: str) -> Iterator[str]:
    """A migrated hub database of its own on the session's cluster (dropped afterwards)."""
    import uuid

    from sqlalchemy import create_engine, text

    from floor_app.store import migrate
    from floor_app.store.engine import Database, normalize_url

    name = f"hub_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalize_url(pg_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = normalize_url(pg_url).rsplit("/", 1)[0] + f"/{name}"
    database = Database(url)
    migrate.upgrade(database.engine)
    database.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
