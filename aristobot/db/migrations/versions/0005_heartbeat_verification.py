"""heartbeat verification: unknown coherence, verified/corrected candle counts

Revision ID: 0005_heartbeat
Revises: 0004_engine
Create Date: 2026-12-02 04:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_heartbeat"
down_revision: str | Sequence[str] | None = "0004_engine"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("heartbeat_status") as t:
        t.alter_column("is_coherent", existing_type=sa.Boolean(), nullable=True)
        t.add_column(sa.Column("candles_verified", sa.Integer(), nullable=False,
                               server_default="0"))
        t.add_column(sa.Column("candles_corrected", sa.Integer(), nullable=False,
                               server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("heartbeat_status") as t:
        t.drop_column("candles_corrected")
        t.drop_column("candles_verified")
        t.alter_column("is_coherent", existing_type=sa.Boolean(), nullable=False)
