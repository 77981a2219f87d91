"""webhook order claims: who claimed an alert and when; one order per webhook

Revision ID: webhooks_orders
Revises: 0005_heartbeat
Create Date: 2026-12-02 07:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import aristobot.db.types

revision: str = "webhooks_orders"
down_revision: str | Sequence[str] | None = "0005_heartbeat"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhooks") as t:
        t.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        t.add_column(sa.Column("claimed_at", aristobot.db.types.UTCDateTime(timezone=True),
                               nullable=True))
        t.create_index("ix_webhooks_status_id", ["status", "id"], unique=False)
    # One order attempt per webhook, whatever the number of order processes.
    op.create_index("uq_trades_webhook_id", "trades", ["webhook_id"], unique=True,
                    sqlite_where=sa.text("webhook_id IS NOT NULL"),
                    postgresql_where=sa.text("webhook_id IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("uq_trades_webhook_id", table_name="trades")
    with op.batch_alter_table("webhooks") as t:
        t.drop_index("ix_webhooks_status_id")
        t.drop_column("claimed_at")
        t.drop_column("claimed_by")
