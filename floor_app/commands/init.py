"""``floor init``: create the hub database or bring it to the code's schema."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from floor_app.commands import _common

if TYPE_CHECKING:
    from floor_app.config import Settings


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "init",
        parents=[common],
        help="create or migrate the database",
        description="Create the hub database (and a SQLite file's folder) or upgrade it to "
        "the current schema. Safe to run again: an up-to-date database is left alone.",
    )
    _common.add_json_flag(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return _common.run_command(args, lambda: _init(args))


def _init(args: argparse.Namespace) -> int:
    from floor_app.commands._common import emit_json, safe_text

    settings = _common.load_settings(args)
    before, after, where = init_database(settings)
    if before == after:
        message = f"database {where} already at revision {after}"
    elif before is None:
        message = f"database {where} created at revision {after}"
    else:
        message = f"database {where} upgraded from revision {before} to {after}"
    if getattr(args, "json", False):
        emit_json({"database": where, "before": before, "after": after})
    else:
        print(safe_text(message))
    return _common.EXIT_OK


def init_database(settings: Settings) -> tuple[str | None, str | None, str]:
    """Create (with a SQLite file's folder) or upgrade the database.

    Returns (revision before, revision after, the URL without its password).
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    from floor_app.store import migrate
    from floor_app.store.engine import (
        Database,
        StoreError,
        describe_operational_error,
        normalize_url,
    )

    url = settings.database_url()
    try:
        parsed = make_url(normalize_url(url))
    except Exception as exc:
        raise _common.BadInput(f"bad database URL {url!r}: {exc}") from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        from pathlib import Path

        folder = Path(parsed.database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _common.BadInput(f"cannot create the database folder {folder}: {exc}") from None
    try:
        db = Database(url)
    except StoreError:
        raise
    except Exception as exc:  # a malformed URL, an unknown driver
        raise _common.BadInput(f"bad database URL: {exc}") from None
    try:
        before, after = migrate.upgrade(db.engine)
    except OperationalError as exc:
        raise StoreError(describe_operational_error(exc)) from exc
    finally:
        db.dispose()
    return before, after, parsed.render_as_string(hide_password=True)
