"""What each lead tab shows: its columns and how a service row becomes a table row."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from floor_app.services.queues import (
    AwaitingRow,
    BackorderRow,
    ExceptionRow,
    ExpectedRow,
    InspectNextRow,
    QueueService,
)
from floor_app.tui.lead.table import Column, Row

#: Rows each table loads per refresh (the filter and sort work on these).
TABLE_LIMIT = 500


def _when(dt: datetime | None) -> str | None:
    return dt.strftime("%Y-%m-%d %H:%M") if dt is not None else None


def _money(cents: int) -> float:
    return round(cents / 100.0, 2)


@dataclass(frozen=True)
class TabSpec:
    id: str
    title: str
    columns: tuple[Column, ...]
    fetch: Callable[[QueueService, int], Sequence[Any]]
    to_row: Callable[[Any], Row]
    count_field: str  # QueueCounts field shown in the tab title


def _inspect(r: InspectNextRow) -> Row:
    return (
        r.unit_id,
        (
            r.unit_id,
            r.rank,
            "HOT" if r.hot else "",
            r.sku,
            r.name,
            r.rma,
            r.waiting_hours,
            r.backorder_id,
            r.order_id,
            r.priority,
            _when(r.promised_at),
        ),
    )


def _expected(r: ExpectedRow) -> Row:
    key = f"{r.rma}/{r.sku}"
    return (
        key,
        (
            key,
            r.order_id,
            r.name,
            r.qty,
            r.qty_received,
            r.customer_name,
            _when(r.expected_at),
            r.days_late,
        ),
    )


def _awaiting(r: AwaitingRow) -> Row:
    return (
        r.allocation_id,
        (
            r.allocation_id,
            r.unit_id,
            r.label_id,
            r.label_status,
            r.order_id,
            r.sku,
            r.name,
            r.operator,
            r.age_minutes,
            r.hq_status,
        ),
    )


def _exception(r: ExceptionRow) -> Row:
    return (r.key, (r.key, r.title, r.unit_id, r.label_id, r.age_hours, r.action, r.detail))


def _backorder(r: BackorderRow) -> Row:
    return (
        r.backorder_id,
        (
            r.backorder_id,
            r.order_id,
            r.sku,
            r.name,
            r.priority,
            r.qty_left,
            r.days_waiting,
            r.days_to_promise,
            _money(r.value_cents),
            _money(r.value_at_risk_cents),
            r.pile_units,
            r.ship_to_city,
        ),
    )


def n(key: str, label: str, fmt: str = "") -> Column:
    return Column(key, label, numeric=True, fmt=fmt)


TABS: tuple[TabSpec, ...] = (
    TabSpec(
        "inspect",
        "Inspect next",
        (
            Column("unit", "Unit"),
            n("rank", "#"),
            Column("hot", "HOT"),
            Column("sku", "SKU"),
            Column("name", "Product"),
            Column("rma", "RMA"),
            n("waiting", "Waiting h", ".1f"),
            Column("line", "Fills line"),
            Column("order", "Order"),
            Column("prio", "Priority"),
            Column("promised", "Promised"),
        ),
        lambda q, limit: q.inspect_next(limit),
        _inspect,
        "pile",
    ),
    TabSpec(
        "expected",
        "Expected",
        (
            Column("rma", "RMA/SKU"),
            Column("order", "Order"),
            Column("name", "Product"),
            n("qty", "Qty"),
            n("got", "Received"),
            Column("customer", "Customer"),
            Column("due", "Expected"),
            n("late", "Days late", ".1f"),
        ),
        lambda q, limit: q.expected(limit),
        _expected,
        "expected_lines",
    ),
    TabSpec(
        "awaiting",
        "Awaiting confirm",
        (
            Column("alloc", "Allocation"),
            Column("unit", "Unit"),
            Column("label", "Label"),
            Column("lstatus", "Label status"),
            Column("order", "Order"),
            Column("sku", "SKU"),
            Column("name", "Product"),
            Column("op", "Operator"),
            n("age", "Age min", ".0f"),
            Column("hq", "HQ"),
        ),
        lambda q, limit: q.awaiting_confirm(limit),
        _awaiting,
        "awaiting_confirm",
    ),
    TabSpec(
        "exceptions",
        "Exceptions",
        (
            Column("key", "Id"),
            Column("kind", "Kind"),
            Column("unit", "Unit"),
            Column("label", "Label"),
            n("age", "Age h", ".1f"),
            Column("action", "To clear it"),
            Column("detail", "Detail"),
        ),
        lambda q, limit: q.exceptions(limit),
        _exception,
        "exceptions",
    ),
    TabSpec(
        "backorders",
        "Backorders",
        (
            Column("bo", "Backorder"),
            Column("order", "Order"),
            Column("sku", "SKU"),
            Column("name", "Product"),
            Column("prio", "Priority"),
            n("left", "Left"),
            n("waiting", "Days waiting", ".1f"),
            n("promise", "Days to promise", ".1f"),
            n("value", "Value $", ",.2f"),
            n("var", "At risk $", ",.2f"),
            n("pile", "In pile"),
            Column("city", "City"),
        ),
        lambda q, limit: q.backorders(limit),
        _backorder,
        "backorders_open",
    ),
)
TAB_BY_ID = {t.id: t for t in TABS}
