"""``floor labels pending|retry|reprint``: the print queue from the command line."""

from __future__ import annotations

import argparse
from typing import Any


def _inherited(common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """``common``'s options with no defaults, for the nested parsers: argparse copies a
    sub-parser's defaults over what an outer level parsed, so ``floor --db X labels
    pending`` would otherwise lose ``--db``."""
    parent = argparse.ArgumentParser(add_help=False)
    for action in common._actions:
        if action.option_strings and action.dest != "help":
            parent.add_argument(
                *action.option_strings,
                dest=action.dest,
                metavar=action.metavar,
                help=action.help,
                default=argparse.SUPPRESS,
            )
    return parent


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    from floor_app.commands._common import add_json_flag

    common = _inherited(common)
    parser = subparsers.add_parser(
        "labels",
        parents=[common],
        help="the label print queue: pending labels, retries, reprints",
        description="Relabel instructions waiting for the printer, and reprints on request.",
    )
    sub = parser.add_subparsers(dest="labels_command", metavar="ACTION", required=True)

    p = sub.add_parser("pending", parents=[common], help="list labels not yet printed")
    add_json_flag(p)
    p.set_defaults(func=run)

    p = sub.add_parser("retry", parents=[common], help="send every pending label that is due")
    p.add_argument("--all", action="store_true", help="ignore the backoff: try every pending one")
    add_json_flag(p)
    p.set_defaults(func=run)

    p = sub.add_parser("reprint", parents=[common], help="print a label again")
    p.add_argument("label_id", metavar="LABEL_ID")
    p.add_argument("--operator", default="cli", help="badge id recorded in the audit log")
    add_json_flag(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from floor_app.commands._common import run_command

    return run_command(args, lambda: _run(args))


def _run(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from floor_app.commands._common import (
        EXIT_FAILURE,
        EXIT_OK,
        BadInput,
        emit_json,
        load_settings,
        open_database,
        safe_text,
    )
    from floor_app.services.errors import ServiceError
    from floor_app.services.printing import PrintService

    settings = load_settings(args)
    db = open_database(settings)
    try:
        service = PrintService(settings, db, lambda: datetime.now(UTC))
        action = args.labels_command
        if action == "pending":
            rows = service.pending()
            if args.json:
                for row in rows:
                    emit_json(row.to_json())
            else:
                online, error = service.printer_state()
                state = {None: "not tried yet", True: "online", False: "OFFLINE"}[online]
                print(safe_text(f"printer: {state}" + (f" ({error})" if error else "")))
                print(f"{len(rows)} label(s) pending")
                for r in rows:
                    due = (
                        r.next_attempt_at.isoformat(timespec="seconds")
                        if r.next_attempt_at
                        else "now"
                    )
                    print(
                        safe_text(
                            f"{r.label_id}  {r.action:<24}  unit {r.unit_id}  tries {r.attempts}"
                            f"  next {due}  {r.last_error or ''}"
                        ).rstrip()
                    )
            return EXIT_OK
        if action == "retry":
            if args.all:
                outcomes = [service.dispatch(r.label_id) for r in service.pending()]
            else:
                outcomes = service.retry_due()
            left = len(service.pending())
            sent = sum(o.sent for o in outcomes)
            failed = [o for o in outcomes if not o.sent and o.attempts and o.status == "pending"]
            if args.json:
                emit_json(
                    {"sent": sent, "pending": left, "outcomes": [o.to_json() for o in outcomes]}
                )
            else:
                print(f"sent {sent}, still pending {left}")
                for o in failed:
                    print(safe_text(f"{o.label_id}: {o.error}"))
            return EXIT_FAILURE if failed else EXIT_OK
        try:
            outcome = service.reprint(args.label_id, args.operator)
        except ServiceError as exc:
            raise BadInput(exc.reason) from None
        if args.json:
            emit_json(outcome.to_json())
        elif outcome.sent:
            print(f"{outcome.label_id} sent to {safe_text(service.backend.describe())}")
        else:
            print(safe_text(f"{outcome.label_id} NOT printed: {outcome.error}"))
        return EXIT_OK if outcome.sent else EXIT_FAILURE
    finally:
        db.dispose()
