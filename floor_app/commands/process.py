"""``floor process``: one unit (or a JSONL batch) through scan, grade and decision, headless."""

from __future__ import annotations

import argparse
from typing import Any

from floor_app.commands._common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    BadInput,
    add_json_flag,
    emit_json,
    run_command,
    safe_text,
)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "process",
        parents=[common],
        help="run units through scan, grade and decision headlessly",
        description="Run one unit through scan, grade and decision and print the decision. "
        'With --batch FILE.jsonl, one unit per line: {"codes": [...], "grade": "B", '
        '"operator": "W7"}; one output line per input line.',
    )
    p.add_argument("codes", nargs="*", metavar="CODE", help="scanned codes (RMA and/or product)")
    p.add_argument("--grade", help="the unit's grade (A-F or a configured key)")
    p.add_argument("--operator", help="badge id of the operator")
    p.add_argument(
        "--check",
        action="append",
        default=[],
        metavar="ITEM=yes|no",
        help="checklist answer, repeatable (e.g. --check tags_on=no)",
    )
    p.add_argument("--note", default="", help="a free-text note")
    p.add_argument("--batch", metavar="FILE.jsonl", help="process one unit per JSON line")
    p.add_argument("--no-print", action="store_true", help="store labels without sending them")
    add_json_flag(p)
    p.set_defaults(func=run)


def _checklist(items: list[str]) -> dict[str, bool]:
    out: dict[str, bool] = {}
    for item in items:
        key, sep, val = item.partition("=")
        v = val.strip().lower()
        if not sep or v not in ("yes", "no", "y", "n", "true", "false", "1", "0"):
            raise BadInput(f"--check {item!r}: expected ITEM=yes or ITEM=no")
        out[key.strip()] = v in ("yes", "y", "true", "1")
    return out


def _print_decision(result: Any, as_json: bool) -> None:
    if as_json:
        emit_json(result.to_json())
        return
    parts = [f"{result.action or result.decision}", f"unit {result.unit_id}"]
    if result.sku:
        parts.append(f"sku {safe_text(result.sku)}")
    parts.append(f"grade {result.grade}")
    if result.order_id:
        parts.append(f"order {safe_text(result.order_id)} -> {safe_text(result.ship_to_city)}")
    if result.label_id:
        parts.append(f"label {result.label_id}")
    if result.reason:
        parts.append(f"({safe_text(result.reason)})")
    print("  ".join(parts))


def run(args: argparse.Namespace) -> int:
    def body() -> int:
        from floor_app.commands._common import load_settings, open_database
        from floor_app.services.context import Services

        settings = load_settings(args)
        if args.batch:
            if args.codes or args.grade:
                raise BadInput("--batch takes its codes and grades from the file")
        else:
            if not args.codes:
                raise BadInput("give the scanned CODEs, or --batch FILE.jsonl")
            if not args.grade:
                raise BadInput("--grade is required")
            if not args.operator:
                raise BadInput("--operator is required")
        checklist = _checklist(args.check)
        db = open_database(settings)
        services = Services.open(settings, db=db)
        try:
            if args.batch:
                return _batch(services, args)
            result = _one(
                services,
                list(args.codes),
                args.grade,
                args.operator,
                checklist,
                args.note,
                args.no_print,
            )
            _print_decision(result, args.json)
            return EXIT_OK
        finally:
            services.close()

    return run_command(args, body)


def _one(
    services: Any,
    codes: list[str],
    grade: str,
    operator: str,
    checklist: dict[str, bool],
    note: str,
    no_print: bool,
) -> Any:
    from floor_app.services.errors import ServiceError

    try:
        result = services.station.process(codes, grade, operator, checklist=checklist, note=note)
    except ServiceError as exc:
        raise BadInput(exc.reason) from None
    if not no_print and result.label_id:
        _send_label(services, result.label_id)
    return result


def _send_label(services: Any, label_id: str) -> None:
    """Send the label now if a printer is set up; a failure leaves it pending, not lost."""
    try:
        from floor_app.services.printing import PrintService
    except ImportError:
        return
    try:
        PrintService(services.settings, services.db, services.clock).dispatch(label_id)
    except Exception as exc:  # the decision is committed; the label stays pending
        import sys

        sys.stderr.write(f"floor: label {label_id} is pending: {safe_text(exc)}\n")


def _batch(services: Any, args: argparse.Namespace) -> int:
    import json
    import sys

    from floor_app.services.errors import ServiceError
    from floor_app.store.engine import StoreError

    try:
        handle = open(args.batch, encoding="utf-8")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise BadInput(f"cannot read {args.batch}: {exc.strerror}") from None
    status = EXIT_OK
    with handle:
        for lineno, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                item = json.loads(raw)
                codes, grade, operator = _batch_fields(item)
                result = _one(
                    services,
                    codes,
                    grade,
                    operator,
                    _batch_checklist(item),
                    str(item.get("note", "")),
                    args.no_print,
                )
            except (ValueError, BadInput, ServiceError) as exc:
                msg = exc.reason if isinstance(exc, ServiceError) else str(exc)
                if isinstance(exc, json.JSONDecodeError):
                    msg = f"not valid JSON: {exc.msg}"
                sys.stderr.write(f"floor: {args.batch}:{lineno}: {safe_text(msg)}\n")
                if args.json:
                    emit_json({"error": msg, "line": lineno})
                status = EXIT_BAD_INPUT
                continue
            except UnicodeDecodeError:
                raise BadInput(f"{args.batch}:{lineno}: not UTF-8") from None
            except StoreError:
                raise
            _print_decision(result, args.json)
    return status


def _batch_fields(item: Any) -> tuple[list[str], str, str]:
    if not isinstance(item, dict):
        raise ValueError("each line must be a JSON object")
    codes = item.get("codes")
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
        raise ValueError('"codes" must be a non-empty list of strings')
    grade, operator = item.get("grade"), item.get("operator")
    if not isinstance(grade, str) or not grade:
        raise ValueError('"grade" must be a string')
    if not isinstance(operator, str) or not operator:
        raise ValueError('"operator" must be a string')
    return codes, grade, operator


def _batch_checklist(item: dict[str, Any]) -> dict[str, bool]:
    raw = item.get("checklist") or {}
    if not isinstance(raw, dict) or not all(isinstance(v, bool) for v in raw.values()):
        raise ValueError('"checklist" must be an object of true/false answers')
    return {str(k): v for k, v in raw.items()}
