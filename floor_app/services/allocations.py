"""Writes shared by every use case: events, audit entries, releasing an allocation.

All functions here run inside a caller's write session, so the change, its audit entry
and its outbox event commit together or not at all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from floor_app.domain.ids import new_id
from floor_app.store.models import (
    Allocation,
    AuditLog,
    BackorderLine,
    Decision,
    HubException,
    Label,
    Outbox,
    Unit,
)


def append_event(
    session: Session,
    *,
    hub_id: str,
    type: str,
    aggregate_id: str,
    payload: dict[str, Any],
    now: datetime,
) -> Outbox:
    """Queue an event for HQ in the caller's transaction (the transactional outbox)."""
    row = Outbox(
        event_id=new_id("E"),
        hub_id=hub_id,
        type=type,
        aggregate_id=aggregate_id,
        payload=payload,
        occurred_at=now,
    )
    session.add(row)
    return row


def audit(
    session: Session,
    *,
    operator: str,
    action: str,
    entity: str,
    entity_id: str,
    detail: dict[str, Any] | None = None,
    now: datetime,
) -> None:
    session.add(
        AuditLog(
            at=now,
            operator=operator,
            action=action,
            entity=entity,
            entity_id=entity_id,
            detail=detail or {},
        )
    )


def release_allocation(
    session: Session,
    allocation: Allocation,
    *,
    status: str,
    reason: str,
    actor: str,
    now: datetime,
) -> None:
    """Give the line its quantity back and send the unit back to be decided again.

    ``status`` is "voided" (undo, lead void) or "rejected" (HQ refused it). The printed
    label is voided; the unit returns to "received"; the decision is marked undone.
    The caller writes the outbox event and the audit entry.
    """
    if allocation.status not in ("reserved", "relabelled"):
        raise ValueError(f"allocation {allocation.allocation_id} is already {allocation.status}")
    allocation.status = status
    allocation.voided_at = now
    allocation.void_reason = reason
    if status == "rejected":
        allocation.hq_status = "rejected"
        allocation.hq_reason = reason
    session.add(allocation)
    session.execute(
        update(BackorderLine)
        .where(BackorderLine.backorder_id == allocation.backorder_id)  # type: ignore[arg-type]
        .where(BackorderLine.qty_filled > 0)  # type: ignore[arg-type]
        .values(qty_filled=BackorderLine.qty_filled - 1, updated_at=now)
    )
    if allocation.label_id:
        void_label(session, allocation.label_id, now=now)
    reset_unit(session, allocation.unit_id)
    decision = session.exec(
        select(Decision).where(
            Decision.allocation_id == allocation.allocation_id,
            Decision.undone_at.is_(None),  # type: ignore[union-attr]
        )
    ).first()
    if decision is not None:
        decision.undone_at = now
        session.add(decision)


def void_label(session: Session, label_id: str, *, now: datetime) -> None:
    label = session.get(Label, label_id)
    if label is not None and label.status != "voided":
        label.status = "voided"
        session.add(label)


def reset_unit(session: Session, unit_id: str) -> None:
    """Back to the pile: the unit waits to be decided again."""
    unit = session.get(Unit, unit_id)
    if unit is not None:
        unit.status = "received"
        unit.disposition = None
        unit.decided_at = None
        session.add(unit)


def settle_exceptions(
    session: Session, unit_id: str, *, operator: str, resolution: str, now: datetime
) -> None:
    """Close the unit's open exceptions: what held it was undone or decided again."""
    for exc in session.exec(
        select(HubException).where(
            HubException.unit_id == unit_id,
            HubException.resolved_at.is_(None),  # type: ignore[union-attr]
        )
    ):
        exc.resolved_at, exc.resolved_by, exc.resolution = now, operator, resolution
        session.add(exc)


def open_exception(
    session: Session,
    *,
    kind: str,
    unit_id: str | None,
    detail: str,
    action: str,
    now: datetime,
    label_id: str | None = None,
) -> HubException:
    row = HubException(
        kind=kind, unit_id=unit_id, label_id=label_id, detail=detail, action=action, created_at=now
    )
    session.add(row)
    return row
