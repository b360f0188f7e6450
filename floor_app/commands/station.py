"""``floor`` / ``floor station``: the station TUI on the configured database."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "station",
        parents=[common],
        help="open the station (the default when no command is given)",
        description="Open the station screen on the configured database: sign in with a "
        "badge scan, scan, grade, read the answer, confirm the label. F1 shows the keys.",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Like ``_common.run_command`` (same exit codes and messages), without importing the
    # store (SQLAlchemy, ~0.3-0.7 s) before the first paint: the station opens the
    # database in a worker once the screen is up.
    import sys

    from floor_app.commands import _common

    try:
        return _station(args)
    except _common.BadInput as exc:
        sys.stderr.write(f"floor: {_common.safe_text(str(exc))}\n")
        return _common.EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the last line of defence: say what happened, exit 1
        import logging

        logging.getLogger("floor").exception("station failed")
        sys.stderr.write(f"floor: {_common.safe_text(f'{type(exc).__name__}: {exc}')}\n")
        return _common.EXIT_FAILURE


def _station(args: argparse.Namespace) -> int:
    import sys

    from floor_app.commands import _common
    from floor_app.tui.app import make_lazy_app

    settings = _common.load_settings(args)

    def open_services():  # type: ignore[no-untyped-def]
        # Runs in a worker after the first paint (heavy imports: SQLAlchemy, Alembic).
        from floor_app.services.context import Services

        db = _common.open_database(settings)
        return Services.open(settings, db=db)

    app = make_lazy_app(settings, open_services)
    try:
        # No mouse: the station is keyboard and scanner only, and mouse reports are noise
        # on thin clients over SSH.
        app.run(mouse=False)
    finally:
        services = app.services
        if services is not None:
            services.close()
    if app.exit_message:
        sys.stderr.write(f"floor: {_common.safe_text(app.exit_message)}\n")
    return int(app.return_code or 0)
