"""HQ's tables, on a MetaData of their own (never SQLModel.metadata: the hub's Alembic
autogenerate must not see them).

The change log (``hq_change``) is what hubs pull. Its ``id`` is the cursor; every HQ
write transaction runs under one lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory
transaction lock, see :mod:`floor_app.store.engine`), so ids become visible in commit order
and a poller reading ``id > cursor`` never skips a row that commits late.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)

from floor_app.store.types import UTCDateTime

metadata = MetaData()

hub = Table(
    "hq_hub",
    metadata,
    Column("hub_id", String(64), primary_key=True),
    # sha256 hex of the hub's random token: a stolen database holds no usable token.
    Column("token_hash", String(64), nullable=False, index=True),
    Column("last_seq", BigInteger, nullable=False, default=0),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_push_at", UTCDateTime),
)

backorder_line = Table(
    "hq_backorder_line",
    metadata,
    Column("backorder_id", String(64), primary_key=True),
    Column("order_id", String(64), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("hub_id", String(64), nullable=False, index=True),
    # The fencing token: grows on every reassignment.
    Column("epoch", Integer, nullable=False, default=1),
    Column("qty", Integer, nullable=False),
    Column("qty_filled", Integer, nullable=False, default=0),
    Column("min_grade", String(8)),
    Column("priority", String(16), nullable=False, default="normal"),
    Column("ordered_at", UTCDateTime, nullable=False),
    Column("promised_at", UTCDateTime),
    Column("unit_value_cents", Integer, nullable=False, default=0),
    Column("ship_to_name", String(500), nullable=False, default=""),
    Column("ship_to_city", String(200), nullable=False, default=""),
    Column("ship_to_postcode", String(32), nullable=False, default=""),
    Column("status", String(16), nullable=False, default="open"),  # open | cancelled
    Column("updated_at", UTCDateTime),
)

event = Table(
    "hq_event",
    metadata,
    Column("event_id", String(40), primary_key=True),
    Column("hub_id", String(64), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("type", String(40), nullable=False),
    Column("aggregate_id", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),  # hub clock: shown, never ordered by
    Column("received_at", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False),  # applied | accepted | rejected | ignored
    Column("reason", String(200)),
    UniqueConstraint("hub_id", "seq", name="uq_hq_event_hub_seq"),
)

allocation = Table(
    "hq_allocation",
    metadata,
    Column("allocation_id", String(40), primary_key=True),
    Column("hub_id", String(64), nullable=False),
    Column("backorder_id", String(64), nullable=False, index=True),
    Column("unit_id", String(40)),
    Column("epoch", Integer, nullable=False),  # the epoch the hub saw
    Column("line_epoch", Integer),  # the line's epoch when HQ decided
    Column("status", String(16), nullable=False),  # accepted | rejected | released
    Column("reason", String(200)),
    Column("relabelled", Integer, nullable=False, default=0),
    Column("decided_at", UTCDateTime, nullable=False),
)

change = Table(
    "hq_change",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # NULL: for every hub (the catalogue).
    Column("hub_id", String(64)),
    Column("kind", String(24), nullable=False),  # line | allocation | catalog | expected_return
    Column("key", String(128), nullable=False),
    Column("data", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_hq_change_hub_id", "hub_id", "id"),
    sqlite_autoincrement=True,
)

catalog_item = Table(
    "hq_catalog_item",
    metadata,
    Column("sku", String(64), primary_key=True),
    Column("name", String(500), nullable=False, default=""),
    Column("variant", String(200), nullable=False, default=""),
    Column("unit_value_cents", Integer, nullable=False, default=0),
    Column("min_grade", String(8)),
    Column("gtins", JSON, nullable=False),
    Column("updated_at", UTCDateTime),
)

expected_return = Table(
    "hq_expected_return",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("hub_id", String(64), nullable=False, index=True),
    Column("rma", String(64), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("order_id", String(64), nullable=False, default=""),
    Column("qty", Integer, nullable=False, default=1),
    Column("customer_name", String(500), nullable=False, default=""),
    Column("expected_at", UTCDateTime),
    UniqueConstraint("rma", "sku", name="uq_hq_expected_return_rma_sku"),
)
