"""live engine: strategy_decisions, protective order columns on positions

Revision ID: 0004_engine
Revises: 0003_webhooks
Create Date: 2026-12-02 04:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import aristobot.db.types

revision: str = "0004_engine"
down_revision: str | Sequence[str] | None = "0003_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DEC = aristobot.db.types.ExactDecimal(precision=38, scale=18)


def upgrade() -> None:
    op.create_table(
        "strategy_decisions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("active_strategy_id", sa.Integer(), nullable=False),
        sa.Column("candle_open_time", aristobot.db.types.UTCDateTime(), nullable=False),
        sa.Column("timeframe", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("candles_from", aristobot.db.types.UTCDateTime(), nullable=True),
        sa.Column("candles_to", aristobot.db.types.UTCDateTime(), nullable=True),
        sa.Column("candles_count", sa.Integer(), nullable=True),
        sa.Column("candles_hash", sa.String(length=64), nullable=True),
        sa.Column("inputs", sa.JSON(), nullable=True),
        sa.Column("outputs", sa.JSON(), nullable=True),
        sa.Column("timings", sa.JSON(), nullable=True),
        sa.Column("trade_id", sa.Integer(), nullable=True),
        sa.Column("created_at", aristobot.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["active_strategy_id"], ["active_strategies.id"],
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["trade_id"], ["trades.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("active_strategy_id", "candle_open_time",
                            name="uq_strategy_decisions"),
    )
    op.create_index("ix_strategy_decisions_user", "strategy_decisions",
                    ["user_id", "created_at"], unique=False)
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("protection", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("stop_loss_order_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("take_profit_order_id", sa.String(length=64),
                                      nullable=True))
        batch_op.add_column(sa.Column("entry_trade_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("realized_pnl", _DEC, nullable=True))
        batch_op.add_column(sa.Column("close_reason", sa.String(length=16), nullable=True))
        batch_op.create_foreign_key("fk_positions_entry_trade", "trades", ["entry_trade_id"],
                                    ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.drop_constraint("fk_positions_entry_trade", type_="foreignkey")
        for col in ("close_reason", "realized_pnl", "entry_trade_id", "take_profit_order_id",
                    "stop_loss_order_id", "protection"):
            batch_op.drop_column(col)
    op.drop_index("ix_strategy_decisions_user", table_name="strategy_decisions")
    op.drop_table("strategy_decisions")
