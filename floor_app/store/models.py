"""The hub database tables (SQLModel). Rows become domain objects at the store's edge.

Money is stored in integer cents. Times are timezone-aware UTC in ISO form at the edges.
Nothing here is deleted by the station: state changes are new rows or status changes, and
each is mirrored by an audit entry and, when HQ must hear of it, an outbox event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from floor_app.store.types import UTCDateTime


class CatalogItem(SQLModel, table=True):
    __tablename__ = "catalog_item"
    sku: str = Field(primary_key=True, max_length=64)
    name: str = Field(default="", max_length=500)
    variant: str = Field(default="", max_length=200)
    unit_value_cents: int = Field(default=0)
    min_grade: str | None = Field(default=None, max_length=8)
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Gtin(SQLModel, table=True):
    """Several GTINs may name one SKU; a GTIN names exactly one SKU."""

    __tablename__ = "gtin"
    gtin: str = Field(primary_key=True, max_length=14)
    sku: str = Field(foreign_key="catalog_item.sku", index=True, max_length=64)


class ExpectedReturn(SQLModel, table=True):
    """One line of an RMA: what the customer said they are sending back."""

    __tablename__ = "expected_return"
    __table_args__ = (
        UniqueConstraint("rma", "sku", name="uq_expected_return_rma_sku"),
        # not yet fully received: the lead's expected-returns count (migration 0002)
        Index(
            "ix_expected_open",
            *("expected_at", "qty", "qty_received"),
            sqlite_where=text("qty_received < qty"),
            postgresql_where=text("qty_received < qty"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    rma: str = Field(index=True, max_length=64)
    order_id: str = Field(default="", max_length=64)
    sku: str = Field(max_length=64, index=True)
    qty: int = Field(default=1)
    qty_received: int = Field(default=0)
    customer_name: str = Field(default="", max_length=500)
    expected_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Operator(SQLModel, table=True):
    __tablename__ = "operator"
    badge_id: str = Field(primary_key=True, max_length=64)
    name: str = Field(default="", max_length=200)
    role: str = Field(default="worker", max_length=16)  # worker | lead
    created_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Unit(SQLModel, table=True):
    """A returned unit on the hub floor, from receipt to its final disposition."""

    __tablename__ = "unit"
    __table_args__ = (
        Index("ix_unit_status_hot", "status", "hot"),
        Index("ix_unit_sku_status", "sku", "status"),
        # a GS1 serial names one physical unit: looked up on every serialised scan
        Index("ix_unit_gtin_serial", "gtin", "serial"),
        # the lead's pile by SKU (migration 0002)
        Index("ix_unit_status_sku", "status", "sku", "received_at"),
    )
    unit_id: str = Field(primary_key=True, max_length=40)
    rma: str | None = Field(default=None, max_length=64, index=True)
    sku: str | None = Field(default=None, max_length=64)
    gtin: str | None = Field(default=None, max_length=14)
    serial: str | None = Field(default=None, max_length=64)
    lot: str | None = Field(default=None, max_length=64)
    expiry: str | None = Field(default=None, max_length=10)
    codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # received | inspected | held | allocated | relabelled | disposed
    status: str = Field(default="received", max_length=16)
    hot: bool = Field(default=False)
    grade: str | None = Field(default=None, max_length=8)
    disposition: str | None = Field(default=None, max_length=24)
    received_at: datetime = Field(sa_type=UTCDateTime)
    received_by: str = Field(max_length=64)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Inspection(SQLModel, table=True):
    __tablename__ = "inspection"
    id: int | None = Field(default=None, primary_key=True)
    unit_id: str = Field(foreign_key="unit.unit_id", index=True, max_length=40)
    grade: str = Field(max_length=8)
    checklist: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    note: str = Field(default="", max_length=2000)
    operator: str = Field(max_length=64)
    at: datetime = Field(sa_type=UTCDateTime)


class BackorderLine(SQLModel, table=True):
    """An open customer order line this hub may fill. HQ owns it; the epoch fences it."""

    __tablename__ = "backorder_line"
    __table_args__ = (
        # Covering for the scan-time questions (lines of a SKU with quantity left), so
        # SQLite's planner prefers it to the wider lead's index on (hub_id, status, ...).
        Index("ix_backorder_match", "sku", "status", "hub_id", "qty_filled", "qty"),
        # open lines in the matching policy's order, covering (lead queues, migration 0002)
        Index(
            "ix_backorder_rank",
            *("hub_id", "status", "priority", "promised_at", "ordered_at", "backorder_id"),
            *("sku", "qty", "qty_filled", "unit_value_cents"),
        ),
        # open lines with quantity left, narrow: the lead's queue counts (migration 0002)
        Index(
            "ix_backorder_open",
            *("hub_id", "status", "qty_filled", "qty"),
            sqlite_where=text("status = 'open' AND qty_filled < qty"),
            postgresql_where=text("status = 'open' AND qty_filled < qty"),
        ),
    )
    backorder_id: str = Field(primary_key=True, max_length=64)
    order_id: str = Field(max_length=64, index=True)
    sku: str = Field(max_length=64)
    hub_id: str = Field(max_length=64)
    epoch: int = Field(default=1)
    qty: int
    qty_filled: int = Field(default=0)
    min_grade: str | None = Field(default=None, max_length=8)
    priority: str = Field(default="normal", max_length=16)  # normal | expedite
    ordered_at: datetime = Field(sa_type=UTCDateTime)
    promised_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    unit_value_cents: int = Field(default=0)
    ship_to_name: str = Field(default="", max_length=500)
    ship_to_city: str = Field(default="", max_length=200)
    ship_to_postcode: str = Field(default="", max_length=32)
    status: str = Field(default="open", max_length=16)  # open | filled | cancelled | revoked
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Decision(SQLModel, table=True):
    """What the station decided for a unit. The current one is the newest not undone."""

    __tablename__ = "decision"
    # a time window of decisions from the index alone (shift numbers, migration 0002)
    __table_args__ = (Index("ix_decision_at", "at", "operator", "decision", "undone_at"),)
    decision_id: str = Field(primary_key=True, max_length=40)
    unit_id: str = Field(foreign_key="unit.unit_id", index=True, max_length=40)
    inspection_id: int | None = Field(default=None, foreign_key="inspection.id")
    decision: str = Field(max_length=24)
    grade: str | None = Field(default=None, max_length=8)
    backorder_id: str | None = Field(default=None, max_length=64)
    allocation_id: str | None = Field(default=None, max_length=40)
    label_id: str | None = Field(default=None, max_length=40)
    reason: str | None = Field(default=None, max_length=1000)
    operator: str = Field(max_length=64, index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    undone_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Allocation(SQLModel, table=True):
    """A unit reserved for a backorder line. ``hq_status`` stays pending until HQ answers."""

    __tablename__ = "allocation"
    __table_args__ = (Index("ix_allocation_status", "status"),)
    allocation_id: str = Field(primary_key=True, max_length=40)
    unit_id: str = Field(foreign_key="unit.unit_id", index=True, max_length=40)
    backorder_id: str = Field(foreign_key="backorder_line.backorder_id", index=True, max_length=64)
    epoch: int = Field(default=1)
    label_id: str | None = Field(default=None, max_length=40, index=True)
    # reserved | relabelled | voided | rejected
    status: str = Field(default="reserved", max_length=16)
    hq_status: str = Field(default="pending", max_length=16)  # pending | accepted | rejected
    hq_reason: str | None = Field(default=None, max_length=200)
    operator: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    voided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    void_reason: str | None = Field(default=None, max_length=1000)


class Label(SQLModel, table=True):
    """A relabel instruction. Stored before it is sent so a dead printer loses nothing."""

    __tablename__ = "label"
    __table_args__ = (Index("ix_label_status", "status"),)
    label_id: str = Field(primary_key=True, max_length=40)
    unit_id: str = Field(foreign_key="unit.unit_id", index=True, max_length=40)
    allocation_id: str | None = Field(default=None, max_length=40)
    kind: str = Field(max_length=24)  # the decision kind the label instructs
    content: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # pending | sent | confirmed | voided
    status: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0)
    last_error: str | None = Field(default=None, max_length=1000)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reprints: int = Field(default=0)


class HubException(SQLModel, table=True):
    """An item on the lead's exception queue: unknown item, wrong item, HQ rejection..."""

    __tablename__ = "hub_exception"
    __table_args__ = (Index("ix_hub_exception_open", "resolved_at"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    unit_id: str | None = Field(default=None, max_length=40, index=True)
    label_id: str | None = Field(default=None, max_length=40)
    detail: str = Field(default="", max_length=2000)
    action: str = Field(default="", max_length=500)
    created_at: datetime = Field(sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_by: str | None = Field(default=None, max_length=64)
    resolution: str | None = Field(default=None, max_length=1000)


class Outbox(SQLModel, table=True):
    """Events for HQ, committed with the change they describe (transactional outbox)."""

    __tablename__ = "outbox"
    __table_args__ = {"sqlite_autoincrement": True}
    seq: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(unique=True, max_length=40)
    hub_id: str = Field(max_length=64)
    type: str = Field(max_length=40)
    aggregate_id: str = Field(max_length=64)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    schema_version: int = Field(default=1)


class SyncState(SQLModel, table=True):
    __tablename__ = "sync_state"
    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(default="", max_length=2000)


class AuditLog(SQLModel, table=True):
    """Append-only: who did what, when. Never updated, never deleted."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True, sa_type=UTCDateTime)
    operator: str = Field(max_length=64)
    action: str = Field(max_length=40)
    entity: str = Field(max_length=32)
    entity_id: str = Field(max_length=64)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
