"""HQ's side of the protocol: apply a pushed batch exactly once, serve the change log.

Every function runs inside one of HQ's write (or read) sessions; a batch is applied in a
single transaction, so a crash leaves either all of it or none of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.orm import Session

from floor_app.sync.hq import tables as t

# Mutation-check switches. Production code never changes them; tests/sync flip them to
# prove that the fault tests notice each deliberate bug named in SYNC.md.
_CHECK_DUPLICATES = True
_CHECK_EPOCH = True

FINAL_STATUSES = ("applied", "accepted", "rejected", "ignored")


class PushConflict(Exception):
    """The batch cannot be applied as sent (an event id of another hub); nothing applied."""


def push(
    session: Session, hub_id: str, events: Sequence[dict[str, Any]], *, now: datetime
) -> dict[str, Any]:
    """Apply ``events`` (in seq order) for ``hub_id``; the answer the hub acts on.

    Seen event id: its stored result. Else ``seq`` must be ``last_seq + 1`` or the batch
    stops with ``out_of_order`` and the seq HQ expects. Business rejections are results.
    """
    hub = session.execute(select(t.hub).where(t.hub.c.hub_id == hub_id)).one()
    last_seq = int(hub.last_seq)
    ids = [e["event_id"] for e in events]
    seen: dict[str, dict[str, Any]] = {}
    for row in session.execute(
        select(
            t.event.c.event_id, t.event.c.hub_id, t.event.c.seq, t.event.c.status, t.event.c.reason
        ).where(t.event.c.event_id.in_(ids))
    ):
        if row.hub_id != hub_id:
            raise PushConflict(f"event {row.event_id} belongs to another hub")
        seen[row.event_id] = {"seq": row.seq, "status": row.status, "reason": row.reason}
    results: list[dict[str, Any]] = []
    stored: list[dict[str, Any]] = []
    out_of_order = False
    for e in events:
        if _CHECK_DUPLICATES and e["event_id"] in seen:
            old = seen[e["event_id"]]
            results.append({"event_id": e["event_id"], **old, "duplicate": True})
            continue
        if e["seq"] != last_seq + 1:
            out_of_order = True
            break
        status, reason = _apply(session, hub_id, e, now=now)
        last_seq = e["seq"]
        record = {
            "event_id": e["event_id"],
            "hub_id": hub_id,
            "seq": e["seq"],
            "type": e["type"],
            "aggregate_id": e["aggregate_id"],
            "payload": e["payload"],
            "occurred_at": e["occurred_at"],
            "received_at": now,
            "status": status,
            "reason": reason,
        }
        stored.append(record)
        seen[e["event_id"]] = {"seq": e["seq"], "status": status, "reason": reason}
        results.append(
            {
                "event_id": e["event_id"],
                "seq": e["seq"],
                "status": status,
                "reason": reason,
                "duplicate": False,
            }
        )
    if stored:
        session.execute(insert(t.event), stored)
        session.execute(
            update(t.hub)
            .where(t.hub.c.hub_id == hub_id)
            .values(last_seq=last_seq, last_push_at=now)
        )
    return {
        "hub_id": hub_id,
        "status": "out_of_order" if out_of_order else "ok",
        "last_seq": last_seq,
        "expected_seq": last_seq + 1,
        "results": results,
        "hq_time": now.isoformat(),
    }


def _apply(
    session: Session, hub_id: str, e: dict[str, Any], *, now: datetime
) -> tuple[str, str | None]:
    kind = e["type"]
    payload = e["payload"]
    if kind == "allocation.created":
        return _accept_allocation(session, hub_id, payload, now=now)
    if kind in ("decision.undone", "allocation.voided"):
        if payload.get("allocation_id"):
            _release(session, hub_id, str(payload["allocation_id"]), now=now)
        return "applied", None
    if kind == "allocation.relabelled":
        session.execute(
            update(t.allocation)
            .where(t.allocation.c.allocation_id == str(payload.get("allocation_id")))
            .where(t.allocation.c.hub_id == hub_id)
            .values(relabelled=1)
        )
        return "applied", None
    if kind in ("unit.received", "unit.decided", "allocation.rejected_ack"):
        return "applied", None
    # Recorded (so it is never asked for again) but not understood: a newer hub.
    return "ignored", "unknown event type"


def _accept_allocation(
    session: Session, hub_id: str, payload: dict[str, Any], *, now: datetime
) -> tuple[str, str | None]:
    allocation_id = str(payload.get("allocation_id") or "")
    backorder_id = str(payload.get("backorder_id") or "")
    epoch = payload.get("epoch")
    bl = t.backorder_line
    if not allocation_id or not backorder_id or not isinstance(epoch, int):
        return "rejected", "malformed"
    if session.execute(
        select(t.allocation.c.allocation_id).where(t.allocation.c.allocation_id == allocation_id)
    ).first():
        return "ignored", "allocation already known"
    # The conditional update is the whole fence: open, owned by this hub, same epoch,
    # quantity left. Never last-writer-wins.
    conds = [
        bl.c.backorder_id == backorder_id,
        bl.c.status == "open",
        bl.c.hub_id == hub_id,
        bl.c.qty_filled < bl.c.qty,
    ]
    if _CHECK_EPOCH:
        conds.append(bl.c.epoch == epoch)
    done = session.execute(
        update(bl).where(*conds).values(qty_filled=bl.c.qty_filled + 1, updated_at=now)
    ).rowcount  # type: ignore[attr-defined]
    line = session.execute(select(bl).where(bl.c.backorder_id == backorder_id)).first()
    if done == 1 and line is not None:
        status, reason = "accepted", None
    elif line is None:
        status, reason = "rejected", "unknown_line"
    elif line.status == "cancelled":
        status, reason = "rejected", "cancelled"
    elif line.hub_id != hub_id or line.epoch != epoch:
        status, reason = "rejected", "reassigned"
    else:
        status, reason = "rejected", "filled"
    session.execute(
        insert(t.allocation).values(
            allocation_id=allocation_id,
            hub_id=hub_id,
            backorder_id=backorder_id,
            unit_id=payload.get("unit_id"),
            epoch=epoch,
            line_epoch=line.epoch if line is not None else None,
            status=status,
            reason=reason,
            relabelled=0,
            decided_at=now,
        )
    )
    add_change(
        session,
        hub_id=hub_id,
        kind="allocation",
        key=allocation_id,
        data={"allocation_id": allocation_id, "status": status, "reason": reason},
        now=now,
    )
    return status, reason


def _release(session: Session, hub_id: str, allocation_id: str, *, now: datetime) -> None:
    """Undo/void of an allocation HQ accepted gives the line its quantity back."""
    a = t.allocation
    done = session.execute(
        update(a)
        .where(a.c.allocation_id == allocation_id, a.c.hub_id == hub_id, a.c.status == "accepted")
        .values(status="released")
    ).rowcount  # type: ignore[attr-defined]
    if done != 1:
        return  # rejected or unknown: HQ never counted it
    backorder_id = session.execute(
        select(a.c.backorder_id).where(a.c.allocation_id == allocation_id)
    ).scalar_one()
    bl = t.backorder_line
    session.execute(
        update(bl)
        .where(bl.c.backorder_id == backorder_id, bl.c.qty_filled > 0)
        .values(qty_filled=bl.c.qty_filled - 1, updated_at=now)
    )
    owner = session.execute(select(bl.c.hub_id).where(bl.c.backorder_id == backorder_id)).scalar()
    if owner is not None and owner != hub_id:
        # The owner's view of "filled elsewhere" changed.
        emit_line(session, backorder_id, owner, now=now)


def emit_line(session: Session, backorder_id: str, recipient: str, *, now: datetime) -> None:
    """Queue the line as ``recipient`` should see it (owner or not, filled elsewhere)."""
    bl = t.backorder_line
    line = session.execute(select(bl).where(bl.c.backorder_id == backorder_id)).one()
    a = t.allocation
    elsewhere = session.execute(
        select(func.count())
        .select_from(a)
        .where(a.c.backorder_id == backorder_id, a.c.status == "accepted", a.c.hub_id != recipient)
    ).scalar_one()
    add_change(
        session,
        hub_id=recipient,
        kind="line",
        key=backorder_id,
        data=line_data(line._mapping, filled_elsewhere=int(elsewhere)),
        now=now,
    )


def line_data(m: Any, *, filled_elsewhere: int) -> dict[str, Any]:
    def iso(v: datetime | None) -> str | None:
        return v.isoformat() if v is not None else None

    return {
        "backorder_id": m["backorder_id"],
        "order_id": m["order_id"],
        "sku": m["sku"],
        "hub_id": m["hub_id"],
        "epoch": m["epoch"],
        "qty": m["qty"],
        "filled_elsewhere": filled_elsewhere,
        "min_grade": m["min_grade"],
        "priority": m["priority"],
        "ordered_at": iso(m["ordered_at"]),
        "promised_at": iso(m["promised_at"]),
        "unit_value_cents": m["unit_value_cents"],
        "ship_to_name": m["ship_to_name"],
        "ship_to_city": m["ship_to_city"],
        "ship_to_postcode": m["ship_to_postcode"],
        "status": m["status"],
    }


def add_change(
    session: Session,
    *,
    hub_id: str | None,
    kind: str,
    key: str,
    data: dict[str, Any],
    now: datetime,
) -> None:
    session.execute(
        insert(t.change).values(hub_id=hub_id, kind=kind, key=key, data=data, created_at=now)
    )


def changes(session: Session, hub_id: str, *, after: int, limit: int) -> dict[str, Any]:
    """The hub's changes after ``after``, in commit order, and the cursor to ask from next."""
    c = t.change
    rows = session.execute(
        select(c.c.id, c.c.kind, c.c.key, c.c.data)
        .where(c.c.id > after, or_(c.c.hub_id == hub_id, c.c.hub_id.is_(None)))
        .order_by(c.c.id)
        .limit(limit)
    ).all()
    return {
        "changes": [{"id": r.id, "kind": r.kind, "key": r.key, "data": r.data} for r in rows],
        "next_cursor": rows[-1].id if rows else after,
        "has_more": len(rows) == limit,
    }
