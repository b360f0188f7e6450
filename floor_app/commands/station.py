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
    from floor_app.commands import _common

    return _common.run_command(args, lambda: _station(args))


def _station(args: argparse.Namespace) -> int:
    from floor_app.commands import _common
    from floor_app.services.context import Services
    from floor_app.tui.app import make_app

    settings = _common.load_settings(args)
    db = _common.open_database(settings)
    services = Services.open(settings, db=db)
    try:
        make_app(services).run()
    finally:
        services.close()
    return _common.EXIT_OK
