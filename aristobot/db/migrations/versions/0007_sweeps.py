"""parameter sweeps: one row per sweep, its runs and overfitting verdict as JSON

Revision ID: 0006_sweeps
Revises: webhooks_orders
Create Date: 2026-12-02 07:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import aristobot.db.types

revision: str = "0006_sweeps"
down_revision: str | Sequence[str] | None = "webhooks_orders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DT = aristobot.db.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sweeps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("strategy_id", sa.Integer(), nullable=True),
        sa.Column("strategy_name", sa.String(length=64), nullable=False),
        sa.Column("strategy_code", sa.Text(), nullable=False),
        sa.Column("exchange", sa.String(length=32), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("timeframe", sa.String(length=8), nullable=False),
        sa.Column("start_date", _DT, nullable=False),
        sa.Column("end_date", _DT, nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("objective", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("space", sa.JSON(), nullable=False),
        sa.Column("constraints", sa.JSON(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("runs", sa.JSON(), nullable=False),
        sa.Column("best_params", sa.JSON(), nullable=True),
        sa.Column("verdict", sa.JSON(), nullable=True),
        sa.Column("walk_forward", sa.JSON(), nullable=True),
        sa.Column("planned_runs", sa.Integer(), nullable=False),
        sa.Column("finished_runs", sa.Integer(), nullable=False),
        sa.Column("lookahead_flagged", sa.Boolean(), nullable=False),
        sa.Column("created_at", _DT, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["strategy_id"], ["strategies.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sweeps_user_id", "sweeps", ["user_id", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_sweeps_user_id", table_name="sweeps")
    op.drop_table("sweeps")
