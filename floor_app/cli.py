"""The ``floor`` command: parses arguments and hands each subcommand to its module.

Command modules in :mod:`floor_app.commands` keep their top-level imports light (argparse
only) so that ``floor --help`` and the station start fast; each imports what it needs in
its ``run`` function.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Each module has ``register(subparsers, common)``; the order is the order in --help.
COMMAND_MODULES = (
    "station",
    "demo",
    "init",
    "importer",
    "process",
    "confirm",
    "void",
    "decode",
    "queue",
    "labels",
    "sync",
    "hq",
    "serve",
)


def common_options() -> argparse.ArgumentParser:
    """Options every subcommand takes."""
    # SUPPRESS: a subcommand's copy of these options must not overwrite, with its own
    # None default, a value given before the subcommand (`floor --db X process ...`).
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    common.add_argument(
        "--config",
        metavar="PATH",
        help="config.toml to use (default: $FLOOR_CONFIG, else ./config.toml, else defaults)",
    )
    common.add_argument(
        "--db",
        metavar="URL",
        help="SQLAlchemy database URL, e.g. sqlite:///hub.sqlite (default: $FLOOR_DB, else config)",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    parser = argparse.ArgumentParser(
        prog="floor",
        description="Floor: the station for local return hubs. Without a subcommand, opens the "
        "station on the configured database.",
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"floor_app.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"floor_app.commands.{name}":
                raise
            continue
        module.register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from floor_app.commands import station

        return station.run(args)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
