"""``floor queue``: the shift lead's queue counts, lists and numbers, headless.

``floor queue --json`` prints one JSON object (times ISO 8601 UTC, money in integer
cents, every list at most ``--limit`` rows, default 50)::

    {
      "hub": "HUB-1", "at": "2026-03-02T15:00:00+00:00", "limit": 50,
      "counts": {"pile": int, "hot": int, "expected_lines": int, "expected_units": int,
                 "awaiting_confirm": int, "exceptions": int, "backorders_open": int},
      "backorders": {"open_lines": int, "units_owed": int, "overdue": int,
                     "value_cents": int, "value_at_risk_cents": int},
      "inspect_next": [{"rank", "unit_id", "sku", "name", "rma", "hot", "received_at",
                        "waiting_hours", "backorder_id", "order_id", "priority",
                        "promised_at"}],
      "expected": [{"rma", "order_id", "sku", "name", "qty", "qty_received",
                    "customer_name", "expected_at", "days_late"}],
      "awaiting_confirm": [{"allocation_id", "unit_id", "label_id", "label_status",
                            "backorder_id", "order_id", "sku", "name", "operator",
                            "created_at", "age_minutes", "hq_status"}],
      "exceptions": [{"key", "exception_id", "kind", "title", "unit_id", "label_id",
                      "detail", "action", "created_at", "age_hours"}],
      "backorders_at_risk": [{"backorder_id", "order_id", "sku", "name", "priority", "qty",
                              "qty_left", "ordered_at", "promised_at", "days_waiting",
                              "days_to_promise", "value_cents", "value_at_risk_cents",
                              "pile_units", "ship_to_city"}],
      "kpis": {"at", "today": WINDOW, "last_7_days": WINDOW,
               "backorder_ages": [{"age": "0-1d", "lines": int, "value_cents": int}]}
    }

    WINDOW = {"name", "start", "end", "units", "local_fills", "revenue_protected_cents",
              "cost_saved_cents", "resold_units", "median_resale_hours" (null if none),
              "operators": [{"operator", "units", "active_hours", "units_per_hour",
                             "hourly": [units per hour from "start"]}]}

``inspect_next`` is the pile in the order to inspect it: units an open line wants, by the
matching policy's order of that line, then the rest (HOT at receipt first, oldest first).
``backorders_at_risk`` is sorted by value at risk (value still owed x the cancellation
risk per day from config x days waiting, capped at the value). Without ``--json`` the
same, as text. Exit status: 0, 2 on bad input (bad --limit, database not initialised), 1
on any other failure.
"""

from __future__ import annotations

import argparse
from typing import Any

from floor_app.commands._common import EXIT_OK, BadInput, add_json_flag, emit_json, run_command

DEFAULT_LIMIT = 50


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "queue",
        parents=[common],
        help="the lead's queues and the shift's numbers, headless",
        description="Print the shift lead's queue counts and lists (inspect next, expected "
        "returns, awaiting confirm, exceptions, backorders at risk) and the shift's numbers.",
    )
    p.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"at most N rows per list (default {DEFAULT_LIMIT})",
    )
    add_json_flag(p)
    p.set_defaults(func=run)


def snapshot(services: Any, limit: int) -> dict[str, Any]:
    """Everything ``floor queue --json`` prints, as plain JSON-ready data."""
    from floor_app.services.kpis import KpiService
    from floor_app.services.queues import QueueService

    q = QueueService.of(services)
    return {
        "hub": services.settings.hub.id,
        "at": services.clock().isoformat(),
        "limit": limit,
        "counts": q.counts().to_json(),
        "backorders": q.backorder_summary().to_json(),
        "inspect_next": [r.to_json() for r in q.inspect_next(limit)],
        "expected": [r.to_json() for r in q.expected(limit)],
        "awaiting_confirm": [r.to_json() for r in q.awaiting_confirm(limit)],
        "exceptions": [r.to_json() for r in q.exceptions(limit)],
        "backorders_at_risk": [r.to_json() for r in q.backorders(limit)],
        "kpis": KpiService.of(services).numbers().to_json(),
    }


def _money(cents: int) -> str:
    return f"${cents / 100:,.2f}"


def render_text(snap: dict[str, Any]) -> str:
    from floor_app.commands._common import safe_text

    def s(v: Any) -> str:
        return "-" if v is None else safe_text(v)

    c, b = snap["counts"], snap["backorders"]
    out = [
        f"Hub {s(snap['hub'])} at {s(snap['at'])}",
        f"Pile {c['pile']} (HOT {c['hot']}) | expected {c['expected_lines']} lines "
        f"({c['expected_units']} units) | awaiting confirm {c['awaiting_confirm']} | "
        f"exceptions {c['exceptions']}",
        f"Backorders open {b['open_lines']} ({b['units_owed']} units, {b['overdue']} overdue), "
        f"value {_money(b['value_cents'])}, at risk {_money(b['value_at_risk_cents'])}",
        "",
        "INSPECT NEXT",
    ]
    for r in snap["inspect_next"]:
        line = f"  {r['rank']:>4} {s(r['unit_id'])} {'HOT' if r['hot'] else '   '} {s(r['sku'])}"
        if r["backorder_id"]:
            line += (
                f" -> {s(r['backorder_id'])} ({s(r['priority'])}, promised {s(r['promised_at'])})"
            )
        out.append(line)
    out.append("EXPECTED RETURNS")
    for r in snap["expected"]:
        out.append(
            f"  {s(r['rma'])} {s(r['sku'])} {r['qty_received']}/{r['qty']} "
            f"due {s(r['expected_at'])} ({r['days_late']} days late) {s(r['customer_name'])}"
        )
    out.append("AWAITING CONFIRM SCAN")
    for r in snap["awaiting_confirm"]:
        out.append(
            f"  {s(r['allocation_id'])} unit {s(r['unit_id'])} label {s(r['label_id'])} "
            f"({s(r['label_status'])}) {r['age_minutes']:.0f} min, by {s(r['operator'])}"
        )
    out.append("EXCEPTIONS")
    for r in snap["exceptions"]:
        out.append(
            f"  {s(r['key'])} {s(r['title'])}: unit {s(r['unit_id'])}, {s(r['detail'])}"
            f" -> {s(r['action'])}"
        )
    out.append("BACKORDERS AT RISK")
    for r in snap["backorders_at_risk"]:
        promise = r["days_to_promise"]
        when = "no promise" if promise is None else f"{promise:+.1f} d to promise"
        out.append(
            f"  {s(r['backorder_id'])} {s(r['sku'])} left {r['qty_left']}, waiting "
            f"{r['days_waiting']:.1f} d, {when}, at risk {_money(r['value_at_risk_cents'])} "
            f"of {_money(r['value_cents'])}, {r['pile_units']} in the pile"
        )
    k = snap["kpis"]
    out.append("SHIFT NUMBERS (today | last 7 days)")
    t, w = k["today"], k["last_7_days"]
    for label, key, fmt in (
        ("units decided", "units", str),
        ("local fills", "local_fills", str),
        ("cost saved", "cost_saved_cents", _money),
        ("revenue protected", "revenue_protected_cents", _money),
        ("median return-to-resale h", "median_resale_hours", lambda v: s(v)),
    ):
        out.append(f"  {label}: {fmt(t[key])} | {fmt(w[key])}")
    for op in t["operators"]:
        out.append(f"  {s(op['operator'])}: {op['units']} units, {op['units_per_hour']}/h today")
    ages = ", ".join(f"{a['age']} {a['lines']}" for a in k["backorder_ages"])
    out.append(f"  backorder ages: {ages}")
    return "\n".join(out)


def run(args: argparse.Namespace) -> int:
    def body() -> int:
        from floor_app.commands._common import load_settings, open_database
        from floor_app.services.context import Services

        if args.limit < 0 or args.limit > 100_000:
            raise BadInput("--limit must be between 0 and 100000")
        settings = load_settings(args)
        services = Services.open(settings, db=open_database(settings))
        try:
            snap = snapshot(services, args.limit)
        finally:
            services.close()
        if args.json:
            emit_json(snap)
        else:
            print(render_text(snap))
        return EXIT_OK

    return run_command(args, body)
