"""The store's tests run on SQLite and on PostgreSQL: ``db`` and ``empty_url`` take both."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from floor_app.store.engine import Database

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _admin(pg_url: str):  # type: ignore[no-untyped-def]
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(pg_url)
    return psycopg.connect(
        host=u.host, port=u.port, user=u.username, dbname="postgres", autocommit=True
    )


@pytest.fixture(scope="session")
def pg_template(pg_url: str) -> str:
    """The cluster's ``floor`` database, migrated once; each test copies it."""
    from floor_app.store import migrate

    database = Database(pg_url)
    migrate.upgrade(database.engine)
    database.dispose()
    return pg_url


def _pg_database(pg_url: str, template: str) -> Iterator[str]:
    name = "t_" + uuid.uuid4().hex[:12]
    with _admin(pg_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield pg_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with _admin(pg_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path, _migrated_sqlite: Path) -> Iterator[str]:
    """A migrated, empty hub database of each backend."""
    if request.param == "sqlite":
        shutil.copyfile(_migrated_sqlite, tmp_path / "hub.sqlite")
        yield f"sqlite:///{tmp_path / 'hub.sqlite'}"
    else:
        yield from _pg_database(request.getfixturevalue("pg_template"), "floor")


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
    else:
        yield from _pg_database(request.getfixturevalue("pg_url"), "template0")
