"""Opening the hub database the way SYNC.md says, and short read/write sessions.

SQLite: WAL, synchronous=FULL, busy_timeout, foreign keys, and ``BEGIN IMMEDIATE`` for
every write transaction so two writers never deadlock on a lock upgrade.
PostgreSQL: every write transaction first takes one advisory lock, so writers are
serialised like SQLite's and the outbox ``seq`` follows commit order (the relay relies
on it: a later seq is never visible before an earlier one).
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

WRITE_OPTION = "floor_write"
PG_WRITE_LOCK_KEY = 0x466C6F6F72  # "Floor"
#: How long a writer waits for the SQLite write lock before it reports "locked".
WRITE_WAIT_SECONDS = 30.0


class StoreError(Exception):
    """A storage problem phrased for the station (locked, full disk, unreachable)."""


def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    # Hand transaction control to the begin event below (the sqlite3 module's own
    # implicit BEGIN is deferred, which is what causes "database is locked").
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    if not conn.get_execution_options().get(WRITE_OPTION):
        conn.exec_driver_sql("BEGIN")
        return
    # SQLite's busy handler backs off to 100 ms sleeps, so under several writers in a
    # tight loop one of them can keep losing the race until busy_timeout. Starting the
    # wait again resets that back-off; nothing was written yet, so a retry is safe.
    deadline = time.monotonic() + WRITE_WAIT_SECONDS
    while True:
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except OperationalError as exc:
            text = str(exc.orig).lower()
            locked = "locked" in text or "busy" in text
            if not locked or time.monotonic() >= deadline:
                raise
            time.sleep(random.uniform(0.0005, 0.003))


def _pg_begin(conn: Any) -> None:
    if conn.get_execution_options().get(WRITE_OPTION):
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK_KEY})")


_FORKABLE: weakref.WeakSet[Engine] = weakref.WeakSet()


def _forget_parent_connections() -> None:
    # A forked child must not use (or close) the parent's pooled SQLite connections.
    for engine in list(_FORKABLE):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_parent_connections)


def normalize_url(url: str) -> str:
    """Accept ``postgresql://`` for the psycopg 3 driver we ship."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str) -> Engine:
    """Create an engine for ``url`` with Floor's connection settings."""
    url = normalize_url(url)
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        db = u.database or ""
        memory = db in ("", ":memory:") or "mode=memory" in url
        if not memory:
            # A "file:" URI (e.g. ?mode=ro) names its path before the query.
            path = db[5:].split("?", 1)[0] if db.startswith("file:") else db
            parent = Path(path).parent
            if not parent.exists():
                raise StoreError(f"database folder {parent} does not exist")
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 5},
            # Kept-open connections: opening one costs four PRAGMAs, and closing the last
            # one checkpoints the WAL with an extra fsync (a bare write: 20 ms -> 4 ms).
            **({"poolclass": StaticPool} if memory else {"pool_size": 4, "max_overflow": 8}),
        )
        _FORKABLE.add(engine)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
    if u.get_backend_name() == "postgresql":
        event.listen(engine, "begin", _pg_begin)
    return engine


class Database:
    """The hub database: one engine, short sessions, writes that start IMMEDIATE."""

    def __init__(self, url: str) -> None:
        self.url = normalize_url(url)
        self.engine = make_engine(self.url)
        self._write_engine = self.engine.execution_options(**{WRITE_OPTION: True})

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: committed on success, rolled back on any exception."""
        try:
            with (
                Session(self._write_engine, expire_on_commit=False) as session,
                session.begin(),
            ):
                yield session
        except OperationalError as exc:
            raise StoreError(describe_operational_error(exc)) from exc
        except ProgrammingError as exc:
            if _missing_table(exc):
                raise StoreError("the database is not initialised: run `floor init`") from exc
            raise

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A short read transaction; never hold it across a UI await."""
        try:
            # Closing (not rolling back) ends the read transaction: a rollback would expire
            # the loaded rows, which callers use after the block.
            with Session(self.engine, expire_on_commit=False) as session:
                yield session
        except OperationalError as exc:
            raise StoreError(describe_operational_error(exc)) from exc
        except ProgrammingError as exc:
            if _missing_table(exc):
                raise StoreError("the database is not initialised: run `floor init`") from exc
            raise

    def dispose(self) -> None:
        self.engine.dispose()


def _missing_table(exc: ProgrammingError) -> bool:
    """PostgreSQL reports a missing table as a ProgrammingError (SQLite: OperationalError)."""
    return getattr(exc.orig, "sqlstate", None) == "42P01"  # undefined_table


def describe_operational_error(exc: OperationalError) -> str:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    low = text.lower()
    if "locked" in low or "busy" in low:
        return "the database is locked by another program; try again in a moment"
    if "disk is full" in low or "no space" in low:
        return "the disk is full: nothing was saved; free space and try again"
    if "readonly" in low or "read-only" in low:
        return "the database is read-only: nothing was saved"
    if "no such table" in low or "does not exist" in low:
        return "the database is not initialised: run `floor init`"
    if "unable to open" in low or "could not connect" in low or "connection" in low:
        return f"cannot open the database: {text}"
    return f"database error: {text}"
