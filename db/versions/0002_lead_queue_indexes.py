"""indexes for the shift lead's queues and numbers

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04

- unit(status, sku, received_at): the pile (received, not inspected) grouped by SKU
  without touching the million decided units.
- backorder_line(hub_id, status, priority, promised_at, ordered_at, backorder_id, sku,
  qty, qty_filled): open lines of this hub already in the matching policy's order, and
  covering, so "inspect next" walks lines best-first and stops after one page.
- decision(at, operator, decision, undone_at): the shift's numbers read a time window of
  decisions from the index alone.
- partial indexes on open backorder lines with quantity left and on expected returns not
  fully received: the queue counts (on every refresh) read small, narrow indexes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

OPEN_LINE = "status = 'open' AND qty_filled < qty"
NOT_RECEIVED = "qty_received < qty"

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.create_index("ix_unit_status_sku", ["status", "sku", "received_at"])
    with op.batch_alter_table("backorder_line", schema=None) as batch_op:
        batch_op.create_index(
            "ix_backorder_rank",
            [
                "hub_id",
                "status",
                "priority",
                "promised_at",
                "ordered_at",
                "backorder_id",
                "sku",
                "qty",
                "qty_filled",
                "unit_value_cents",
            ],
        )
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.create_index("ix_decision_at", ["at", "operator", "decision", "undone_at"])
    with op.batch_alter_table("backorder_line", schema=None) as batch_op:
        batch_op.create_index(
            "ix_backorder_open",
            ["hub_id", "status", "qty_filled", "qty"],
            sqlite_where=sa.text(OPEN_LINE),
            postgresql_where=sa.text(OPEN_LINE),
        )
    with op.batch_alter_table("expected_return", schema=None) as batch_op:
        batch_op.create_index(
            "ix_expected_open",
            ["expected_at", "qty", "qty_received"],
            sqlite_where=sa.text(NOT_RECEIVED),
            postgresql_where=sa.text(NOT_RECEIVED),
        )


def downgrade() -> None:
    with op.batch_alter_table("expected_return", schema=None) as batch_op:
        batch_op.drop_index("ix_expected_open")
    with op.batch_alter_table("backorder_line", schema=None) as batch_op:
        batch_op.drop_index("ix_backorder_open")
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_index("ix_decision_at")
    with op.batch_alter_table("backorder_line", schema=None) as batch_op:
        batch_op.drop_index("ix_backorder_rank")
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_index("ix_unit_status_sku")
