"""``floor confirm``: the scan of a printed label confirms the relabel."""

from __future__ import annotations

import argparse

from floor_app.commands._common import EXIT_OK, BadInput, add_json_flag, emit_json, run_command


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "confirm",
        parents=[common],
        help="confirm a relabel by its label id",
        description="Confirm a printed label (the relabel is done).",
    )
    p.add_argument("label_id", metavar="LABEL_ID", help="the label id (as scanned)")
    p.add_argument("--operator", required=True, help="badge id of the operator")
    p.add_argument("--expect", metavar="LABEL_ID", help="refuse unless this is the label")
    add_json_flag(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    def body() -> int:
        from floor_app.commands._common import load_settings, open_database
        from floor_app.services.context import Services
        from floor_app.services.errors import ServiceError

        settings = load_settings(args)
        services = Services.open(settings, db=open_database(settings))
        try:
            r = services.station.confirm(
                args.label_id, args.operator, expected_label_id=args.expect
            )
        except ServiceError as exc:
            raise BadInput(exc.reason) from None
        finally:
            services.close()
        out = {
            "label_id": r.label_id,
            "unit_id": r.unit_id,
            "allocation_id": r.allocation_id,
            "decision": r.decision,
            "status": "confirmed",
        }
        if args.json:
            emit_json(out)
        else:
            what = "relabelled, ready to ship" if r.allocation_id else "confirmed"
            print(f"label {r.label_id}: {what} (unit {r.unit_id})")
        return EXIT_OK

    return run_command(args, body)
