"""``floor demo``: create the demo hub database if missing, then open the station on it."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from floor_app.commands import _common

if TYPE_CHECKING:
    from datetime import datetime

    from floor_app.config import Settings
    from floor_app.store.engine import Database


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "demo",
        parents=[common],
        help="create (if missing) a demo hub database and open the station on it",
        description="Create, if missing, a demo hub: a few hundred apparel and footwear SKUs, "
        "a few thousand expected returns, a few hundred open backorder lines and a week of "
        "history, the same for the same seed. The demo database is --db (or FLOOR_DB) if "
        "given, else db/demo.sqlite in the project; the config's [database] url is NOT used, "
        "and a database that already holds other data is refused, so a demo never seeds a "
        "real hub database. Other settings (hub id, grades, matching) come from the config.",
    )
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: fixed)")
    parser.add_argument(
        "--now",
        metavar="ISO",
        help="the demo's present moment, ISO 8601 (default: today at 08:00 UTC)",
    )
    parser.add_argument("--reset", action="store_true", help="rebuild a SQLite demo database")
    parser.add_argument(
        "--size",
        choices=("full", "small"),
        default="full",
        help="full (default) or small (a quick demo hub, for tests)",
    )
    parser.add_argument(
        "--no-station", action="store_true", help="only create the database and print a summary"
    )
    _common.add_json_flag(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return _common.run_command(args, lambda: _demo(args))


def _parse_now(text: str | None) -> datetime:
    from datetime import UTC, datetime

    from floor_app.services.demo import default_now

    if not text:
        return default_now()
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise _common.BadInput(f"--now {text!r} is not an ISO 8601 date-time") from None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _demo(args: argparse.Namespace) -> int:
    import importlib.util

    from floor_app.config import DEMO_DB_PATH
    from floor_app.services.demo import DEFAULT_SEED

    settings = _common.load_settings(args)
    explicit = getattr(args, "db", None) or os.environ.get("FLOOR_DB")
    url = settings.database_url() if explicit else f"sqlite:///{DEMO_DB_PATH}"
    settings.database.url = url
    seed = DEFAULT_SEED if args.seed is None else args.seed
    now = _parse_now(args.now)
    created = ensure_demo(
        settings, seed=seed, now=now, reset=args.reset, small=args.size == "small"
    )
    if not args.no_station and importlib.util.find_spec("floor_app.commands.station"):
        from floor_app.commands import station

        args.db = url
        return int(station.run(args))
    _print_summary(settings, created, args.json)
    return _common.EXIT_OK


def _sqlite_path(url: str) -> str | None:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:"):
        return str(u.database)
    return None


def ensure_demo(
    settings: Settings, *, seed: int, now: datetime, reset: bool = False, small: bool = False
) -> bool:
    """Build the demo database unless a finished one is there; True if it was built.

    A SQLite demo is built in a side file and renamed into place, so an interrupted build
    never leaves a half demo behind.
    """
    import os
    from pathlib import Path

    from floor_app.commands.init import init_database
    from floor_app.services.demo import is_demo_complete

    url = settings.database_url()
    path = _sqlite_path(url)
    if path is not None:
        target = Path(path)
        if reset:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
        if not target.exists():
            side = target.with_name(target.name + "-building")  # ignored by db/*.sqlite-*
            for suffix in ("", "-wal", "-shm"):
                Path(f"{side}{suffix}").unlink(missing_ok=True)
            building = settings.model_copy(deep=True)
            building.database.url = f"sqlite:///{side}"
            init_database(building)
            _build(building, seed=seed, now=now, fast=True, small=small)
            os.replace(side, target)
            return True
    init_database(settings)
    db = _open(settings)
    try:
        state = is_demo_complete(db)
    finally:
        db.dispose()
    if state is True:
        return False
    if state is False:
        hint = " (or `floor demo --reset`)" if path else ""
        raise _common.BadInput(
            f"{url} holds data but is not a finished demo database: point --db at an empty "
            f"database{hint}"
        )
    _build(settings, seed=seed, now=now, fast=False, small=small)
    return True


def _open(settings: Settings) -> Database:
    from floor_app.store.engine import Database

    return Database(settings.database_url())


def _build(settings: Settings, *, seed: int, now: datetime, fast: bool, small: bool) -> None:
    from sqlalchemy import event

    from floor_app.services.demo import SMALL, build_demo

    db = _open(settings)
    if fast:
        # A side file renamed into place when complete: syncing every commit buys nothing.
        def _no_sync(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_conn.execute("PRAGMA synchronous=OFF")

        event.listen(db.engine, "connect", _no_sync)
    try:
        build_demo(db, settings, seed=seed, now=now, size=SMALL if small else None)
        if fast:
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.dispose()


def queue_summary(db: Database) -> dict[str, object]:
    from sqlalchemy import func, select

    from floor_app.store.models import BackorderLine, ExpectedReturn, Unit

    with db.read() as s:
        outstanding = s.scalar(
            select(func.count())
            .select_from(ExpectedReturn)
            .where(ExpectedReturn.qty_received < ExpectedReturn.qty)
        )
        open_lines = s.scalar(
            select(func.count())
            .select_from(BackorderLine)
            .where(BackorderLine.status == "open", BackorderLine.qty_filled < BackorderLine.qty)
        )
        by_status = dict(s.execute(select(Unit.status, func.count()).group_by(Unit.status)).all())
        hot = s.scalar(
            select(func.count()).select_from(Unit).where(Unit.status == "received", Unit.hot)
        )
    return {
        "expected_return_lines": outstanding,
        "open_backorder_lines": open_lines,
        "units_by_status": dict(sorted(by_status.items())),
        "hot_units_waiting": hot,
    }


def _print_summary(settings: Settings, created: bool, want_json: bool) -> None:
    db = _open(settings)
    try:
        summary = queue_summary(db)
    finally:
        db.dispose()
    where = settings.database_url()
    if want_json:
        _common.emit_json({"database": where, "created": created, **summary})
        return
    print(f"{'created' if created else 'using'} demo hub database {_common.safe_text(where)}")
    print(f"  expected return lines still to arrive: {summary['expected_return_lines']}")
    print(f"  open backorder lines:                  {summary['open_backorder_lines']}")
    print(f"  HOT units waiting in the pile:         {summary['hot_units_waiting']}")
    units = summary["units_by_status"]
    assert isinstance(units, dict)
    print("  units: " + ", ".join(f"{k} {v}" for k, v in units.items()))
