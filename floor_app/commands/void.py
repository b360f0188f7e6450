"""``floor void``: a lead cancels an allocation, with a reason."""

from __future__ import annotations

import argparse

from floor_app.commands._common import EXIT_OK, BadInput, add_json_flag, emit_json, run_command


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "void",
        parents=[common],
        help="void an allocation (leads only)",
        description="Void an allocation: the backorder line gets its quantity "
        "back, the label is voided and the unit goes back to be decided.",
    )
    p.add_argument("allocation_id", metavar="ALLOCATION_ID")
    p.add_argument("--reason", required=True, help="why (kept in the audit log)")
    p.add_argument("--operator", required=True, help="badge id of the lead")
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
            r = services.station.void(args.allocation_id, args.reason, args.operator)
        except ServiceError as exc:
            raise BadInput(exc.reason) from None
        finally:
            services.close()
        out = {
            "allocation_id": r.allocation_id,
            "unit_id": r.unit_id,
            "backorder_id": r.backorder_id,
            "label_id": r.label_id,
            "status": "voided",
        }
        if args.json:
            emit_json(out)
        else:
            print(
                f"allocation {r.allocation_id} voided; line {r.backorder_id} reopened; "
                f"unit {r.unit_id} back in the pile"
            )
        return EXIT_OK

    return run_command(args, body)
