"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 02:22:27.946762
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import aristobot.db.types

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _inline_default_broker_fk() -> list[sa.ForeignKeyConstraint]:
    # users <-> brokers reference each other: SQLite takes the FK inline (it cannot ALTER one in),
    # PostgreSQL gets it once brokers exists (see the end of upgrade()).
    if not _is_sqlite():
        return []
    return [
        sa.ForeignKeyConstraint(
            ["default_broker_id"],
            ["brokers.id"],
            name="fk_users_default_broker",
            ondelete="SET NULL",
        )
    ]


def upgrade() -> None:
    op.create_table(
        "candles",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("exchange", sa.String(length=32), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("timeframe", sa.String(length=8), nullable=False),
        sa.Column("open_time", aristobot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("close_time", aristobot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("open", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=False),
        sa.Column("high", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=False),
        sa.Column("low", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=False),
        sa.Column("close", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=False),
        sa.Column(
            "volume", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=False
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("exchange", "symbol", "timeframe", "open_time", name="uq_candles_key"),
    )
    with op.batch_alter_table("candles", schema=None) as batch_op:
        batch_op.create_index(
            "ix_candles_close", ["exchange", "symbol", "timeframe", "close_time"], unique=False
        )

    op.create_table(
        "debug_mode",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", aristobot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "exchange_symbols",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exchange", sa.String(length=32), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("base", sa.String(length=32), nullable=False),
        sa.Column("quote", sa.String(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column(
            "min_amount", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=True
        ),
        sa.Column(
            "max_amount", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=True
        ),
        sa.Column(
            "min_cost", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=True
        ),
        sa.Column(
            "price_precision",
            aristobot.db.types.ExactDecimal(precision=38, scale=18),
            nullable=True,
        ),
        sa.Column(
            "amount_precision",
            aristobot.db.types.ExactDecimal(precision=38, scale=18),
            nullable=True,
        ),
        sa.Column("updated_at", aristobot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("exchange", "symbol", name="uq_exchange_symbols"),
    )
    with op.batch_alter_table("exchange_symbols", schema=None) as batch_op:
        batch_op.create_index("ix_exchange_symbols_active", ["exchange", "active"], unique=False)
        batch_op.create_index("ix_exchange_symbols_symbol", ["symbol"], unique=False)

    op.create_table(
        "heartbeat_status",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=32), nullable=False),
        sa.Column("is_connected", sa.Boolean(), nullable=False),
        sa.Column("is_coherent", sa.Boolean(), nullable=False),
        sa.Column(
            "last_application_start", aristobot.db.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "last_application_stop", aristobot.db.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("symbols_monitored", sa.JSON(), nullable=False),
        sa.Column("updated_at", aristobot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("service"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("default_broker_id", sa.Integer(), nullable=True),
        sa.Column("ai_provider", sa.String(length=16), nullable=True),
        sa.Column("ai_api_key", sa.Text(), nullable=True),
        sa.Column("ai_model", sa.String(length=128), nullable=True),
        sa.Column("ai_url", sa.String(length=255), nullable=True),
        sa.Column("theme", sa.String(length=8), nullable=False),
        sa.Column("display_timezone", sa.String(length=64), nullable=False),
        sa.Column("created_at", aristobot.db.types.UTCDateTime(timezone=True), nullable=False),
        *_inline_default_broker_fk(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("acknowledged", sa.Boolean(), nullable=False),
        sa.Column("created_at", aristobot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "brokers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("exchange", sa.String(length=32), nullable=False),
        sa.Column("api_key", sa.Text(), nullable=True),
        sa.Column("api_secret", sa.Text(), nullable=True),
        sa.Column("api_password", sa.Text(), nullable=True),
        sa.Column("extra_credentials", sa.Text(), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("is_testnet", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column(
            "paper_capital", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=True
        ),
        sa.Column("created_at", aristobot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", aristobot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "name"),
    )
    with op.batch_alter_table("brokers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_brokers_user_id"), ["user_id"], unique=False)

    op.create_table(
        "heartbeat_signals",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("heartbeat_status_id", sa.Integer(), nullable=True),
        sa.Column("received_at", aristobot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "candle_open_time", aristobot.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "candle_close_time", aristobot.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("signal_type", sa.String(length=8), nullable=False),
        sa.Column("latency_ms", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["heartbeat_status_id"], ["heartbeat_status.id"], ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("heartbeat_signals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_heartbeat_signals_type_time", ["signal_type", "candle_open_time"], unique=False
        )

    op.create_table(
        "strategies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("timeframe", sa.String(length=8), nullable=False),
        sa.Column("window_size", sa.Integer(), nullable=False),
        sa.Column("created_at", aristobot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", aristobot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "name"),
    )
    with op.batch_alter_table("strategies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_strategies_user_id"), ["user_id"], unique=False)

    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("processed", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", aristobot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("processed_at", aristobot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("webhooks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhooks_user_id"), ["user_id"], unique=False)

    op.create_table(
        "active_strategies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("strategy_id", sa.Integer(), nullable=False),
        sa.Column("broker_id", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("timeframe", sa.String(length=8), nullable=False),
        sa.Column("start_date", aristobot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_date", aristobot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", aristobot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", aristobot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["broker_id"], ["brokers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["strategy_id"], ["strategies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("active_strategies", schema=None) as batch_op:
        batch_op.create_index("ix_active_strategies_due", ["is_active", "timeframe"], unique=False)
        batch_op.create_index(batch_op.f("ix_active_strategies_user_id"), ["user_id"], unique=False)

    op.create_table(
        "backtest_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("strategy_id", sa.Integer(), nullable=True),
        sa.Column("broker_id", sa.Integer(), nullable=True),
        sa.Column("strategy_name", sa.String(length=64), nullable=False),
        sa.Column("strategy_code", sa.Text(), nullable=False),
        sa.Column("exchange", sa.String(length=32), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("timeframe", sa.String(length=8), nullable=False),
        sa.Column("start_date", aristobot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_date", aristobot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "initial_amount",
            aristobot.db.types.ExactDecimal(precision=38, scale=18),
            nullable=False,
        ),
        sa.Column(
            "final_amount", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=False
        ),
        sa.Column("total_trades", sa.Integer(), nullable=False),
        sa.Column("winning_trades", sa.Integer(), nullable=False),
        sa.Column("losing_trades", sa.Integer(), nullable=False),
        sa.Column("max_drawdown", sa.Double(), nullable=False),
        sa.Column("sharpe_ratio", sa.Double(), nullable=True),
        sa.Column("stats", sa.JSON(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("trades_detail", sa.JSON(), nullable=False),
        sa.Column("lookahead_ok", sa.Boolean(), nullable=True),
        sa.Column("lookahead_report", sa.JSON(), nullable=True),
        sa.Column("created_at", aristobot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["broker_id"], ["brokers.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["strategy_id"], ["strategies.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("backtest_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_backtest_results_user_id"), ["user_id"], unique=False)

    op.create_table(
        "paper_balances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("broker_id", sa.Integer(), nullable=False),
        sa.Column("asset", sa.String(length=32), nullable=False),
        sa.Column("free", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=False),
        sa.Column("used", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=False),
        sa.ForeignKeyConstraint(["broker_id"], ["brokers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("broker_id", "asset"),
    )
    op.create_table(
        "paper_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("broker_id", sa.Integer(), nullable=False),
        sa.Column("client_order_id", sa.String(length=64), nullable=True),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("order_type", sa.String(length=16), nullable=False),
        sa.Column(
            "amount", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=False
        ),
        sa.Column("price", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=True),
        sa.Column(
            "filled", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=False
        ),
        sa.Column(
            "average", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=True
        ),
        sa.Column("fee", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=False),
        sa.Column("fee_currency", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", aristobot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", aristobot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["broker_id"], ["brokers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("paper_orders", schema=None) as batch_op:
        batch_op.create_index("ix_paper_orders_open", ["broker_id", "status"], unique=False)

    op.create_table(
        "positions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("broker_id", sa.Integer(), nullable=True),
        sa.Column("strategy_id", sa.Integer(), nullable=True),
        sa.Column("active_strategy_id", sa.Integer(), nullable=True),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column(
            "quantity", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=False
        ),
        sa.Column(
            "entry_price", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=False
        ),
        sa.Column(
            "current_price", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=True
        ),
        sa.Column(
            "stop_loss", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=True
        ),
        sa.Column(
            "take_profit", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=True
        ),
        sa.Column(
            "unrealized_pnl", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=True
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_at", aristobot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", aristobot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["active_strategy_id"], ["active_strategies.id"], ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["broker_id"], ["brokers.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["strategy_id"], ["strategies.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_positions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "trades",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("broker_id", sa.Integer(), nullable=True),
        sa.Column("strategy_id", sa.Integer(), nullable=True),
        sa.Column("active_strategy_id", sa.Integer(), nullable=True),
        sa.Column("webhook_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("exchange", sa.String(length=32), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("order_type", sa.String(length=16), nullable=False),
        sa.Column(
            "quantity", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=False
        ),
        sa.Column("price", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=True),
        sa.Column(
            "filled_quantity",
            aristobot.db.types.ExactDecimal(precision=38, scale=18),
            nullable=False,
        ),
        sa.Column(
            "average_price", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=True
        ),
        sa.Column(
            "quote_amount", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=True
        ),
        sa.Column("fee", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=True),
        sa.Column("fee_currency", sa.String(length=16), nullable=True),
        sa.Column(
            "stop_loss", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=True
        ),
        sa.Column(
            "take_profit", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=True
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("client_order_id", sa.String(length=64), nullable=True),
        sa.Column("exchange_order_id", sa.String(length=64), nullable=True),
        sa.Column(
            "profit_loss", aristobot.db.types.ExactDecimal(precision=38, scale=18), nullable=True
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("raw", sa.JSON(), nullable=True),
        sa.Column("created_at", aristobot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", aristobot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["active_strategy_id"], ["active_strategies.id"], ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["broker_id"], ["brokers.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["strategy_id"], ["strategies.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["webhook_id"], ["webhooks.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_order_id", name="uq_trades_client_order_id"),
    )
    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trades_broker_id"), ["broker_id"], unique=False)
        batch_op.create_index("ix_trades_user_created", ["user_id", "created_at"], unique=False)

    if not _is_sqlite():
        op.create_foreign_key(
            "fk_users_default_broker",
            "users",
            "brokers",
            ["default_broker_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    if not _is_sqlite():
        op.drop_constraint("fk_users_default_broker", "users", type_="foreignkey")
    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.drop_index("ix_trades_user_created")
        batch_op.drop_index(batch_op.f("ix_trades_broker_id"))

    op.drop_table("trades")
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_positions_user_id"))

    op.drop_table("positions")
    with op.batch_alter_table("paper_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_paper_orders_open")

    op.drop_table("paper_orders")
    op.drop_table("paper_balances")
    with op.batch_alter_table("backtest_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_backtest_results_user_id"))

    op.drop_table("backtest_results")
    with op.batch_alter_table("active_strategies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_active_strategies_user_id"))
        batch_op.drop_index("ix_active_strategies_due")

    op.drop_table("active_strategies")
    with op.batch_alter_table("webhooks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhooks_user_id"))

    op.drop_table("webhooks")
    with op.batch_alter_table("strategies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_strategies_user_id"))

    op.drop_table("strategies")
    with op.batch_alter_table("heartbeat_signals", schema=None) as batch_op:
        batch_op.drop_index("ix_heartbeat_signals_type_time")

    op.drop_table("heartbeat_signals")
    with op.batch_alter_table("brokers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_brokers_user_id"))

    op.drop_table("brokers")
    op.drop_table("alerts")
    op.drop_table("users")
    op.drop_table("heartbeat_status")
    with op.batch_alter_table("exchange_symbols", schema=None) as batch_op:
        batch_op.drop_index("ix_exchange_symbols_symbol")
        batch_op.drop_index("ix_exchange_symbols_active")

    op.drop_table("exchange_symbols")
    op.drop_table("debug_mode")
    with op.batch_alter_table("candles", schema=None) as batch_op:
        batch_op.drop_index("ix_candles_close")

    op.drop_table("candles")
