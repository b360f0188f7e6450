"""A small, fully known hub state for the lead's queues and numbers.

Every figure the tests expect is derived by hand from the rows below (see the comments),
not by calling the code under test. Rows go in through the store models.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from floor_app.domain.label_content import ACTIONS, LabelContent
from floor_app.store.engine import Database
from floor_app.store.models import (
    Allocation,
    BackorderLine,
    CatalogItem,
    Decision,
    ExpectedReturn,
    HubException,
    Label,
    Operator,
    Unit,
)

HUB = "HUB-1"
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # a Monday, 15:00 UTC
H = timedelta(hours=1)
D = timedelta(days=1)

LEAD = "L1"  # a lead by the operator table
CONFIG_LEAD = "LEAD2"  # a lead by [roster] leads
WORKER = "W1"


def _line(bid: str, sku: str, **kw: object) -> BackorderLine:
    base: dict[str, object] = dict(
        backorder_id=bid,
        order_id="O" + bid,
        sku=sku,
        hub_id=HUB,
        qty=1,
        qty_filled=0,
        priority="normal",
        ordered_at=NOW - D,
        promised_at=None,
        unit_value_cents=1000,
        ship_to_name="Ada",
        ship_to_city="Lyon",
        status="open",
    )
    base.update(kw)
    return BackorderLine(**base)  # type: ignore[arg-type]


def _unit(uid: str, sku: str | None, received: datetime, **kw: object) -> Unit:
    base: dict[str, object] = dict(
        unit_id=uid,
        rma="RMA" + uid,
        sku=sku,
        codes=[],
        status="received",
        hot=False,
        received_at=received,
        received_by=WORKER,
    )
    base.update(kw)
    return Unit(**base)  # type: ignore[arg-type]


def _decision(did: str, uid: str, kind: str, op: str, at: datetime, **kw: object) -> Decision:
    return Decision(
        decision_id=did, unit_id=uid, decision=kind, grade="A", operator=op, at=at, **kw
    )  # type: ignore[arg-type]


def _content(label_id: str, unit_id: str, kind: str) -> dict[str, object]:
    return LabelContent(
        label_id=label_id,
        decision=kind,
        action=ACTIONS[kind],
        unit_id=unit_id,
        sku="SKU-B",
        name="Boots",
        hub_id=HUB,
    ).to_dict()


def seed(db: Database) -> None:
    rows: list[object] = [
        CatalogItem(sku="SKU-A", name="Rain jacket", variant="M", unit_value_cents=5000),
        CatalogItem(sku="SKU-B", name="Boots", variant="42", unit_value_cents=2000),
        CatalogItem(sku="SKU-C", name="=cmd|' /C calc'!A0", variant="", unit_value_cents=1000),
        CatalogItem(sku="SKU-D", name="Scarf", variant="", unit_value_cents=3000),
        Operator(badge_id=LEAD, name="Lena", role="lead"),
        Operator(badge_id=WORKER, name="Will", role="worker"),
        # BO-1: qty 2, one filled by A-10 -> 1 left; 10 days old -> risk 0.2 -> VaR 1000
        _line(
            "BO-1",
            "SKU-A",
            qty=2,
            qty_filled=1,
            ordered_at=NOW - 10 * D,
            promised_at=NOW + 5 * D,
            unit_value_cents=5000,
        ),
        # BO-2: expedite; qty 2, one filled by A-17 -> 1 left; 2 days -> VaR 2000*0.04 = 80
        _line(
            "BO-2",
            "SKU-B",
            qty=2,
            qty_filled=1,
            priority="expedite",
            ordered_at=NOW - 2 * D,
            promised_at=NOW + 10 * D,
            unit_value_cents=2000,
        ),
        # BO-3: overdue promise; 20 days -> VaR 1000*0.4 = 400
        _line("BO-3", "SKU-C", ordered_at=NOW - 20 * D, promised_at=NOW - D),
        # BO-4: no promise (ranked after BO-1 for SKU-A); 60 days -> risk capped -> VaR 5000
        _line("BO-4", "SKU-A", ordered_at=NOW - 60 * D, unit_value_cents=5000),
        # BO-5: fully allocated: open but no quantity left
        _line(
            "BO-5",
            "SKU-D",
            qty_filled=1,
            ordered_at=NOW - D,
            promised_at=NOW + 2 * D,
            unit_value_cents=3000,
        ),
        _line("BO-X", "SKU-C", hub_id="HUB-2"),  # another hub's
        _line("BO-6", "SKU-C", status="cancelled"),
        # The pile (received, not inspected)
        _unit("U-1", "SKU-A", NOW - 3 * H, hot=True),
        _unit("U-2", "SKU-B", NOW - 1 * H, hot=True),
        _unit("U-3", "SKU-B", NOW - 5 * H, hot=True),
        _unit("U-4", "SKU-C", NOW - 2 * H, hot=True),
        _unit("U-5", "SKU-D", NOW - 4 * H, hot=True),  # was hot; BO-5 is full now
        _unit("U-6", "SKU-E", NOW - 6 * H),
        _unit("U-7", None, NOW - 5 * H, status="held"),
        # Decided units
        _unit("U-10", "SKU-A", NOW - 30 * H, status="allocated", decided_at=NOW - 2 * H),
        _unit("U-11", "SKU-B", NOW - 10 * H, status="disposed", decided_at=NOW - 1.5 * H),
        _unit("U-12", "SKU-C", NOW - 50 * H, status="disposed", decided_at=NOW - 3 * H),
        _unit("U-13", "SKU-D", NOW - 3 * D, status="relabelled", decided_at=NOW - 2 * D),
        _unit("U-14", "SKU-B", NOW - 7 * H),  # its restock was undone: back in the pile
        _unit("U-15", "SKU-A", NOW - 5 * D, status="disposed", decided_at=NOW - 4 * D),
        _unit("U-16", "SKU-A", NOW - 10 * D, status="disposed", decided_at=NOW - 9 * D),
        _unit("U-17", "SKU-B", NOW - 1 * H, status="allocated", decided_at=NOW - 0.5 * H),
    ]
    decisions = [
        _decision(
            "D-10",
            "U-10",
            "fill_backorder",
            "W1",
            NOW - 2 * H,
            allocation_id="A-10",
            backorder_id="BO-1",
            label_id="LBL-10",
        ),
        _decision("D-11", "U-11", "restock", "W1", NOW - 1.5 * H),
        _decision("D-12", "U-12", "send_to_dc", "W2", NOW - 3 * H),
        _decision("D-13", "U-13", "fill_backorder", "W2", NOW - 2 * D, allocation_id="A-13"),
        _decision("D-14", "U-14", "restock", "W1", NOW - 0.5 * H, undone_at=NOW - 0.4 * H),
        _decision(
            "D-15",
            "U-15",
            "fill_backorder",
            "W2",
            NOW - 4 * D,
            allocation_id="A-15",
            undone_at=NOW - 4 * D + H,
        ),
        _decision("D-15b", "U-15", "restock", "W2", NOW - 4 * D + 2 * H),
        _decision("D-16", "U-16", "restock", "W1", NOW - 9 * D),
        _decision(
            "D-17",
            "U-17",
            "fill_backorder",
            "W2",
            NOW - 0.5 * H,
            allocation_id="A-17",
            label_id="LBL-17",
        ),
    ]
    allocations = [
        Allocation(
            allocation_id="A-10",
            unit_id="U-10",
            backorder_id="BO-1",
            label_id="LBL-10",
            status="reserved",
            operator="W1",
            created_at=NOW - 2 * H,
        ),
        Allocation(
            allocation_id="A-13",
            unit_id="U-13",
            backorder_id="BO-5",
            label_id="LBL-13",
            status="relabelled",
            operator="W2",
            created_at=NOW - 2 * D,
            confirmed_at=NOW - 2 * D + H,
        ),
        Allocation(
            allocation_id="A-15",
            unit_id="U-15",
            backorder_id="BO-4",
            status="voided",
            operator="W2",
            created_at=NOW - 4 * D,
            voided_at=NOW - 4 * D + H,
        ),
        Allocation(
            allocation_id="A-17",
            unit_id="U-17",
            backorder_id="BO-2",
            label_id="LBL-17",
            status="reserved",
            operator="W2",
            created_at=NOW - 0.5 * H,
        ),
    ]
    labels = [
        Label(
            label_id="LBL-10",
            unit_id="U-10",
            allocation_id="A-10",
            kind="fill_backorder",
            status="sent",
            created_at=NOW - 2 * H,
        ),
        Label(
            label_id="LBL-13",
            unit_id="U-13",
            allocation_id="A-13",
            kind="fill_backorder",
            status="confirmed",
            created_at=NOW - 2 * D,
        ),
        # pending for 30 min: "label not printed"
        Label(
            label_id="LBL-17",
            unit_id="U-17",
            allocation_id="A-17",
            kind="fill_backorder",
            status="pending",
            created_at=NOW - 0.5 * H,
            last_error="printer offline",
        ),
        # pending for 5 min only: not yet an exception
        Label(
            label_id="LBL-11",
            unit_id="U-11",
            kind="restock",
            status="pending",
            created_at=NOW - timedelta(minutes=5),
        ),
    ]
    for lb in labels:
        lb.content = _content(lb.label_id, lb.unit_id, lb.kind)
    exceptions = [
        HubException(
            kind="unknown_item",
            unit_id="U-7",
            detail="GTIN 0001 not in catalogue",
            action="",
            created_at=NOW - 5 * H,
        ),
        HubException(
            kind="wrong_item",
            unit_id="U-12",
            detail="RMA says SKU-B; scanned SKU-C",
            action="",
            created_at=NOW - 1 * H,
        ),
        HubException(
            kind="wrong_item",
            unit_id="U-11",
            detail="old",
            action="",
            created_at=NOW - 9 * H,
            resolved_at=NOW - 8 * H,
            resolved_by=LEAD,
            resolution="sent to DC",
        ),
    ]
    expected = [
        ExpectedReturn(
            rma="RMA-1",
            order_id="O-1",
            sku="SKU-A",
            qty=2,
            qty_received=1,
            customer_name="@SUM(1+1)",
            expected_at=NOW - 3 * D,
        ),
        ExpectedReturn(
            rma="RMA-2",
            order_id="O-2",
            sku="SKU-B",
            qty=1,
            qty_received=0,
            customer_name="Bo",
            expected_at=NOW + D,
        ),
        ExpectedReturn(
            rma="RMA-3",
            order_id="O-3",
            sku="SKU-C",
            qty=1,
            qty_received=1,
            customer_name="Cy",
            expected_at=NOW - D,
        ),
        ExpectedReturn(
            rma="RMA-4",
            order_id="O-4",
            sku="SKU-D",
            qty=1,
            qty_received=0,
            customer_name="[bold]Di[/bold]",
            expected_at=None,
        ),
    ]
    with db.write() as s:
        for row in rows:
            s.add(row)
        s.flush()
        for group in (decisions, allocations, labels, exceptions, expected):
            for row in group:
                s.add(row)
            s.flush()


# What the tests expect, worked out by hand from the rows above.
# BO-2 (expedite, SKU-B) first: its units oldest first; then lines with a promise, earliest
# first: BO-3 (SKU-C), BO-1 (SKU-A); BO-5 has no quantity left and BO-4 (SKU-A) is already
# placed. Then the units no line wants: HOT-at-receipt first (U-5), then U-6.
INSPECT_ORDER = ["U-14", "U-3", "U-2", "U-4", "U-1", "U-5", "U-6"]
INSPECT_LINES = ["BO-2", "BO-2", "BO-2", "BO-3", "BO-1", None, None]
EXPECTED_ORDER = ["RMA-1", "RMA-2", "RMA-4"]  # oldest due first, undated last
AWAITING_ORDER = ["A-10", "A-17"]
EXCEPTION_KEYS_KINDS = [
    ("unknown_item", "U-7"),
    ("wrong_item", "U-12"),
    ("label_not_printed", "U-17"),
]
BACKORDER_ORDER = ["BO-4", "BO-1", "BO-3", "BO-2"]  # by value at risk
BACKORDER_VAR = {"BO-4": 5000, "BO-1": 1000, "BO-3": 400, "BO-2": 80}
BACKORDER_PILE = {"BO-4": 1, "BO-1": 1, "BO-3": 1, "BO-2": 3}
