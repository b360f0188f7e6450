"""``floor sync [--once]``: push the outbox to HQ and pull HQ's changes."""

from __future__ import annotations

import argparse

from floor_app.commands import _common


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "sync",
        parents=[common],
        help="push the outbox to HQ and pull updates",
        description="Push this hub's unsent events to HQ ([sync] hq_url) and pull new, changed, "
        "cancelled and reassigned backorder lines, the catalogue and expected returns. Without "
        "--once, runs every [sync] interval_seconds until Ctrl-C, retrying an unreachable HQ "
        "with backoff. Exit status with --once: 0 synced, 1 HQ unreachable or refused.",
    )
    parser.add_argument("--once", action="store_true", help="one round, then exit")
    parser.add_argument(
        "--attempts",
        type=int,
        default=4,
        metavar="N",
        help="with --once: tries per request before giving up (default 4)",
    )
    _common.add_json_flag(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return _common.run_command(args, lambda: _sync(args))


def _sync(args: argparse.Namespace) -> int:
    import logging
    import threading

    from floor_app.sync.client import FatalError, TransientError
    from floor_app.sync.retry import Backoff
    from floor_app.sync.worker import SyncWorker, client_for, status, sync_round

    settings = _common.load_settings(args)
    db = _common.open_database(settings)
    try:
        if not args.once:
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
            worker = SyncWorker(settings, db, on_round=_print_status)
            worker.start()
            try:
                while worker.is_alive():
                    worker.join(0.5)
            except KeyboardInterrupt:
                worker.stop()
            return _common.EXIT_OK
        try:
            client = client_for(settings)
        except FatalError as exc:
            raise _common.BadInput(str(exc)) from None
        backoff = Backoff(
            base=0.5, cap=5.0, max_attempts=max(1, args.attempts), stop=threading.Event()
        )
        try:
            result = sync_round(
                db,
                client,
                hub_id=settings.hub.id,
                batch_size=settings.sync.batch_size,
                backoff=backoff,
            )
        except (FatalError, TransientError) as exc:
            _report(args, False, str(exc), status(db))
            return _common.EXIT_FAILURE
        finally:
            client.close()
        _report(
            args,
            True,
            f"pushed {result.pushed} events, pulled {result.pulled} changes",
            status(db),
            pushed=result.pushed,
            pulled=result.pulled,
        )
        return _common.EXIT_OK
    finally:
        db.dispose()


def _print_status(st: object) -> None:
    from floor_app.commands._common import safe_text

    print(safe_text(f"sync: {st}"), flush=True)


def _report(args: argparse.Namespace, ok: bool, message: str, st: object, **extra: int) -> None:
    import sys

    from floor_app.commands._common import emit_json, safe_text

    if getattr(args, "json", False):
        emit_json(
            {"ok": ok, "message": message, "unsynced": getattr(st, "unsynced", None), **extra}
        )
    elif ok:
        print(safe_text(f"{message}; {getattr(st, 'unsynced', 0)} events waiting"))
    else:
        sys.stderr.write(f"floor sync: {safe_text(message)}\n")
