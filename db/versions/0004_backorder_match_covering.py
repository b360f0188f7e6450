"""Make the scan-time backorder index cover quantity, so SQLite's planner chooses it.

Without it, counting a SKU's open lines with quantity left walked every open line of the
hub through the lead's (hub_id, status, ...) index: 32 ms instead of 0.1 ms on 200,000 lines.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("backorder_line", schema=None) as batch_op:
        batch_op.drop_index("ix_backorder_match")
        batch_op.create_index(
            "ix_backorder_match", ["sku", "status", "hub_id", "qty_filled", "qty"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("backorder_line", schema=None) as batch_op:
        batch_op.drop_index("ix_backorder_match")
        batch_op.create_index("ix_backorder_match", ["sku", "status", "hub_id"], unique=False)
