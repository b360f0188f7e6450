"""HQ's verdict on a hub allocation, applied at the hub (from a push answer or a pull).

Idempotent: only a ``pending`` allocation changes. A rejection of a live allocation runs
the compensating transaction in the caller's session: the allocation is released (line
quantity back, label voided, unit back to the pile), an ``allocation.rejected_ack`` event
is queued for HQ, and the lead gets an ``hq_rejected`` exception saying what to do with
the label already printed.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from floor_app.services.allocations import append_event, audit, open_exception, release_allocation
from floor_app.store.models import Allocation

ACK_EVENT = "allocation.rejected_ack"
ACTOR = "sync"

# Mutation-check switch (tests only): without compensation a rejected unit stays reserved.
_COMPENSATE = True

REASONS = {
    "cancelled": "the customer's backorder line was cancelled at HQ",
    "reassigned": "HQ gave the backorder line to another hub",
    "filled": "HQ has already filled the backorder line",
    "unknown_line": "HQ does not know the backorder line",
}


def apply_outcome(
    session: Session,
    *,
    hub_id: str,
    allocation_id: str,
    status: str,
    reason: str | None,
    now: datetime,
) -> bool:
    """Record HQ's ``accepted``/``rejected`` for an allocation. True if anything changed."""
    alloc = session.get(Allocation, allocation_id)
    if alloc is None or alloc.hq_status != "pending" or status not in ("accepted", "rejected"):
        return False
    if status == "accepted":
        alloc.hq_status = "accepted"
        session.add(alloc)
        return True
    why = reason or "rejected"
    if alloc.status not in ("reserved", "relabelled") or not _COMPENSATE:
        # Already voided or undone here: nothing left to give back.
        alloc.hq_status = "rejected"
        alloc.hq_reason = why
        session.add(alloc)
        return True
    release_allocation(session, alloc, status="rejected", reason=why, actor=ACTOR, now=now)
    append_event(
        session,
        hub_id=hub_id,
        type=ACK_EVENT,
        aggregate_id=alloc.allocation_id,
        payload={
            "allocation_id": alloc.allocation_id,
            "unit_id": alloc.unit_id,
            "backorder_id": alloc.backorder_id,
            "epoch": alloc.epoch,
            "label_id": alloc.label_id,
            "reason": why,
            "operator": ACTOR,
        },
        now=now,
    )
    label = alloc.label_id or "(no label)"
    open_exception(
        session,
        kind="hq_rejected",
        unit_id=alloc.unit_id,
        label_id=alloc.label_id,
        detail=f"HQ rejected allocation {alloc.allocation_id} on backorder "
        f"{alloc.backorder_id}: {why} ({REASONS.get(why, 'see HQ')})",
        action=f"Pull printed label {label} and re-decide unit {alloc.unit_id}",
        now=now,
    )
    audit(
        session,
        operator=ACTOR,
        action="allocation.rejected",
        entity="allocation",
        entity_id=alloc.allocation_id,
        detail={"reason": why, "backorder_id": alloc.backorder_id},
        now=now,
    )
    return True
