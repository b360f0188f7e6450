"""What every subcommand shares: settings, the database, errors and exit codes.

Exit status (PRODUCT.md): 0 success, 2 bad input (message on stderr; with ``--json`` also
``{"error": ...}`` on stdout), 1 any other failure.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from floor_app.config import Settings
    from floor_app.store.engine import Database

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2


class BadInput(Exception):
    """The caller's input is wrong: exit 2 with this message."""


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def safe_text(text: object) -> str:
    """Text from outside made safe for a terminal: control characters shown, not obeyed."""
    s = str(text)
    return "".join(
        ch
        if (ch.isprintable() or ch in "\n\t")
        else f"\\x{ord(ch):02x}"
        if ord(ch) < 256
        else f"\\u{ord(ch):04x}"
        for ch in s
    )


def emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def load_settings(args: argparse.Namespace) -> Settings:
    from floor_app.config import ConfigError, load_settings

    try:
        return load_settings(getattr(args, "config", None), db_url=getattr(args, "db", None))
    except ConfigError as exc:
        raise BadInput(str(exc)) from None


def open_database(settings: Settings, *, migrate: bool = False) -> Database:
    """Open the configured database; refuse one that is not at the current schema."""
    from floor_app.store import migrate as migrations
    from floor_app.store.engine import Database, StoreError

    try:
        db = Database(settings.database_url())
    except StoreError:
        raise
    except Exception as exc:  # a malformed URL, an unknown driver
        raise BadInput(f"bad database URL: {exc}") from None
    if migrate:
        migrations.upgrade(db.engine)
    elif not migrations.is_current(db.engine):
        raise BadInput(
            f"database {db.engine.url.render_as_string(hide_password=True)} is not initialised "
            "or is behind the code's schema: run `floor init` first"
        )
    return db


def run_command(args: argparse.Namespace, body: Callable[[], int]) -> int:
    """Run ``body`` and turn exceptions into the contract's exit codes and messages."""
    from floor_app.store.engine import StoreError

    want_json = bool(getattr(args, "json", False))
    try:
        return body()
    except BadInput as exc:
        _report(str(exc), want_json)
        return EXIT_BAD_INPUT
    except StoreError as exc:
        _report(str(exc), want_json)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the last line of defence: say what happened, exit 1
        import logging

        logging.getLogger("floor").exception("command failed")
        _report(f"{type(exc).__name__}: {exc}", want_json)
        return EXIT_FAILURE


def _report(message: str, want_json: bool) -> None:
    sys.stderr.write(f"floor: {safe_text(message)}\n")
    if want_json:
        emit_json({"error": message})
