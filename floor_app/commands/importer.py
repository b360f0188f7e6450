"""``floor import catalog|backorders|returns FILE.csv``: load data, all or nothing."""

from __future__ import annotations

import argparse

from floor_app.commands import _common

KINDS = ("catalog", "backorders", "returns")


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "import",
        parents=[common],
        help="load the catalogue, backorder lines or expected returns from CSV",
        description="Load a CSV file (UTF-8, header row, extra columns ignored, ISO 8601 "
        "dates). catalog: sku,gtin,name,variant,unit_value,min_grade. backorders: "
        "backorder_id,order_id,sku,qty,min_grade,priority,ordered_at,promised_at,unit_value,"
        "ship_to_name,ship_to_city,ship_to_postcode. returns: rma,order_id,sku,qty,"
        "customer_name,expected_at. A file with any bad row is rejected whole and every bad "
        "row is listed with its line number (exit status 2). Loading the same file again "
        "changes nothing; changed values are updated.",
    )
    parser.add_argument("kind", choices=KINDS, help="what the file holds")
    parser.add_argument("file", metavar="FILE.csv", help="the CSV file")
    _common.add_json_flag(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return _common.run_command(args, lambda: _import(args))


def _import(args: argparse.Namespace) -> int:
    import sys

    from floor_app.services.errors import ServiceError
    from floor_app.services.importer import ImportRejected, import_file

    settings = _common.load_settings(args)
    db = _common.open_database(settings)
    try:
        summary = import_file(db, settings, args.kind, args.file)
    except ImportRejected as exc:
        sys.stderr.write(f"floor: {_common.safe_text(exc.reason)}\n")
        for bad in exc.bad_rows:
            sys.stderr.write(f"{_common.safe_text(args.file)}:{bad.line}: ")
            sys.stderr.write(f"{_common.safe_text(bad.message)}\n")
        if args.json:
            rows = [{"line": b.line, "message": b.message} for b in exc.bad_rows]
            _common.emit_json({"error": exc.reason, "bad_rows": rows})
        return _common.EXIT_BAD_INPUT
    except ServiceError as exc:
        raise _common.BadInput(exc.reason) from None
    finally:
        db.dispose()
    if args.json:
        _common.emit_json(summary.to_json())
    else:
        extra = f", {summary.gtins_inserted} new GTINs" if args.kind == "catalog" else ""
        what = "SKUs" if args.kind == "catalog" else "lines"
        print(
            f"{_common.safe_text(args.file)}: {summary.rows} rows; {what}: "
            f"{summary.inserted} inserted, {summary.updated} updated, "
            f"{summary.unchanged} unchanged{extra}"
        )
    return _common.EXIT_OK
