"""SQLAlchemy rows for every table. Only the db package imports this module's classes.

Multi-tenant: every table with a ``user_id`` is private to that user; ``exchange_symbols``,
``candles``, ``heartbeat_status``, ``heartbeat_signals``, ``debug_mode`` and system ``alerts``
(``user_id`` NULL) are shared. Deleting a user cascades to everything they own.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from aristobot.db.types import ExactDecimal, UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {
        Decimal: ExactDecimal(),
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
        str: String(255),
    }


_CASCADE = "CASCADE"
_SET_NULL = "SET NULL"


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str]
    default_broker_id: Mapped[int | None] = mapped_column(
        ForeignKey("brokers.id", ondelete=_SET_NULL, use_alter=True, name="fk_users_default_broker")
    )
    # AI assistant: provider is exclusive ("openrouter" | "ollama" | None = assistant off).
    ai_provider: Mapped[str | None] = mapped_column(String(16))
    ai_api_key: Mapped[str | None] = mapped_column(Text)  # Fernet token, never plaintext
    ai_model: Mapped[str | None] = mapped_column(String(128))
    ai_url: Mapped[str | None] = mapped_column(String(255))
    theme: Mapped[str] = mapped_column(String(8), default="dark")
    display_timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    brokers: Mapped[list[BrokerRow]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        passive_deletes=True,
        foreign_keys="BrokerRow.user_id",
    )


class BrokerRow(Base):
    __tablename__ = "brokers"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete=_CASCADE), index=True)
    name: Mapped[str] = mapped_column(String(64))
    exchange: Mapped[str] = mapped_column(String(32))  # a ccxt id, or "paper"
    api_key: Mapped[str | None] = mapped_column(Text)  # Fernet tokens
    api_secret: Mapped[str | None] = mapped_column(Text)
    api_password: Mapped[str | None] = mapped_column(Text)
    extra_credentials: Mapped[str | None] = mapped_column(Text)  # Fernet token of a JSON object
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    is_testnet: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    paper_capital: Mapped[Decimal | None]  # starting quote capital of a paper broker
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[UserRow] = relationship(back_populates="brokers", foreign_keys=[user_id])


class StrategyRow(Base):
    __tablename__ = "strategies"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete=_CASCADE), index=True)
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    code: Mapped[str] = mapped_column(Text)
    timeframe: Mapped[str] = mapped_column(String(8), default="1h")
    window_size: Mapped[int] = mapped_column(Integer, default=500)  # candles given per decision
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ActiveStrategyRow(Base):
    __tablename__ = "active_strategies"
    __table_args__ = (Index("ix_active_strategies_due", "is_active", "timeframe"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete=_CASCADE), index=True)
    strategy_id: Mapped[int] = mapped_column(ForeignKey("strategies.id", ondelete=_CASCADE))
    broker_id: Mapped[int] = mapped_column(ForeignKey("brokers.id", ondelete=_CASCADE))
    symbol: Mapped[str] = mapped_column(String(32))
    timeframe: Mapped[str] = mapped_column(String(8))
    start_date: Mapped[datetime]
    end_date: Mapped[datetime]
    is_active: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CandleRow(Base):
    """Shared OHLCV candles, keyed by exchange id + symbol + timeframe + open time."""

    __tablename__ = "candles"
    __table_args__ = (
        UniqueConstraint("exchange", "symbol", "timeframe", "open_time", name="uq_candles_key"),
        Index("ix_candles_close", "exchange", "symbol", "timeframe", "close_time"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    exchange: Mapped[str] = mapped_column(String(32))
    symbol: Mapped[str] = mapped_column(String(32))
    timeframe: Mapped[str] = mapped_column(String(8))
    open_time: Mapped[datetime]
    close_time: Mapped[datetime]
    open: Mapped[Decimal]
    high: Mapped[Decimal]
    low: Mapped[Decimal]
    close: Mapped[Decimal]
    volume: Mapped[Decimal]


class HeartbeatStatusRow(Base):
    """Shared monitoring row of the heartbeat service (one row per service name)."""

    __tablename__ = "heartbeat_status"

    id: Mapped[int] = mapped_column(primary_key=True)
    service: Mapped[str] = mapped_column(String(32), unique=True, default="heartbeat")
    is_connected: Mapped[bool] = mapped_column(Boolean, default=False)
    #: None = unknown (never connected since the start, or nothing verified yet)
    is_coherent: Mapped[bool | None] = mapped_column(Boolean, default=None)
    candles_verified: Mapped[int] = mapped_column(default=0, server_default="0")
    candles_corrected: Mapped[int] = mapped_column(default=0, server_default="0")
    last_application_start: Mapped[datetime | None]
    last_application_stop: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    symbols_monitored: Mapped[list[Any]] = mapped_column(default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class HeartbeatSignalRow(Base):
    """The seed's ``candles_HeartBeat``: one row per signal published on ``Heartbeat``."""

    __tablename__ = "heartbeat_signals"
    __table_args__ = (Index("ix_heartbeat_signals_type_time", "signal_type", "candle_open_time"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    heartbeat_status_id: Mapped[int | None] = mapped_column(
        ForeignKey("heartbeat_status.id", ondelete=_SET_NULL)
    )
    received_at: Mapped[datetime]  # DHM-RECEPTION: when the signal was produced
    candle_open_time: Mapped[datetime]  # DHM-CANDLE
    candle_close_time: Mapped[datetime]
    signal_type: Mapped[str] = mapped_column(String(8))  # "1m" … "4h"
    latency_ms: Mapped[float | None]


class TradeRow(Base):
    """Every order attempt (failed ones included), whatever its source."""

    __tablename__ = "trades"
    __table_args__ = (
        Index("ix_trades_user_created", "user_id", "created_at"),
        UniqueConstraint("client_order_id", name="uq_trades_client_order_id"),
        # One order attempt per webhook: a second order process can never send it again.
        Index("uq_trades_webhook_id", "webhook_id", unique=True,
              sqlite_where=text("webhook_id IS NOT NULL"),
              postgresql_where=text("webhook_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete=_CASCADE))
    broker_id: Mapped[int | None] = mapped_column(
        ForeignKey("brokers.id", ondelete=_SET_NULL), index=True
    )
    strategy_id: Mapped[int | None] = mapped_column(ForeignKey("strategies.id", ondelete=_SET_NULL))
    active_strategy_id: Mapped[int | None] = mapped_column(
        ForeignKey("active_strategies.id", ondelete=_SET_NULL)
    )
    webhook_id: Mapped[int | None] = mapped_column(ForeignKey("webhooks.id", ondelete=_SET_NULL))
    source: Mapped[str] = mapped_column(String(16))  # manual | strategy | webhook
    exchange: Mapped[str] = mapped_column(String(32))
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(8))  # buy | sell
    order_type: Mapped[str] = mapped_column(String(16))  # market | limit | stop_loss | ...
    quantity: Mapped[Decimal]
    price: Mapped[Decimal | None]  # limit price, or average fill price once known
    filled_quantity: Mapped[Decimal] = mapped_column(default=Decimal(0))
    average_price: Mapped[Decimal | None]
    quote_amount: Mapped[Decimal | None]
    fee: Mapped[Decimal | None]
    fee_currency: Mapped[str | None] = mapped_column(String(16))
    stop_loss: Mapped[Decimal | None]
    take_profit: Mapped[Decimal | None]
    status: Mapped[str] = mapped_column(String(16))  # pending|open|filled|canceled|rejected|error
    client_order_id: Mapped[str | None] = mapped_column(String(64))
    exchange_order_id: Mapped[str | None] = mapped_column(String(64))
    profit_loss: Mapped[Decimal | None]
    error: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PositionRow(Base):
    __tablename__ = "positions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete=_CASCADE), index=True)
    broker_id: Mapped[int | None] = mapped_column(ForeignKey("brokers.id", ondelete=_SET_NULL))
    strategy_id: Mapped[int | None] = mapped_column(ForeignKey("strategies.id", ondelete=_SET_NULL))
    active_strategy_id: Mapped[int | None] = mapped_column(
        ForeignKey("active_strategies.id", ondelete=_SET_NULL)
    )
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(8))  # long | short
    quantity: Mapped[Decimal]
    entry_price: Mapped[Decimal]
    current_price: Mapped[Decimal | None]
    stop_loss: Mapped[Decimal | None]
    take_profit: Mapped[Decimal | None]
    unrealized_pnl: Mapped[Decimal | None]
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    # Live engine: how SL/TP are enforced ("native" orders on the exchange, or "engine"),
    # the exchange order ids of native protective orders and the entry trade.
    protection: Mapped[str | None] = mapped_column(String(8))
    stop_loss_order_id: Mapped[str | None] = mapped_column(String(64))
    take_profit_order_id: Mapped[str | None] = mapped_column(String(64))
    entry_trade_id: Mapped[int | None] = mapped_column(ForeignKey("trades.id", ondelete=_SET_NULL))
    realized_pnl: Mapped[Decimal | None]
    close_reason: Mapped[str | None] = mapped_column(String(16))


class StrategyDecisionRow(Base):
    """One live decision per (active strategy, candle): the unique key makes a repeated signal
    unable to decide (and trade) twice. Keeps the snapshot « Rejouer » reopens."""

    __tablename__ = "strategy_decisions"
    __table_args__ = (
        UniqueConstraint("active_strategy_id", "candle_open_time", name="uq_strategy_decisions"),
        Index("ix_strategy_decisions_user", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete=_CASCADE))
    active_strategy_id: Mapped[int] = mapped_column(
        ForeignKey("active_strategies.id", ondelete=_CASCADE))
    candle_open_time: Mapped[datetime]  # the candle that closed at the signal's boundary
    timeframe: Mapped[str] = mapped_column(String(8))
    # « pending » (claimed) | « decided » | « skipped » | « error »
    status: Mapped[str] = mapped_column(String(16), default="pending")
    action: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)  # skip reason or error (French)
    code_hash: Mapped[str | None] = mapped_column(String(64))
    candles_from: Mapped[datetime | None]
    candles_to: Mapped[datetime | None]
    candles_count: Mapped[int | None] = mapped_column(Integer)
    candles_hash: Mapped[str | None] = mapped_column(String(64))
    inputs: Mapped[dict[str, Any] | None]  # balance, position
    outputs: Mapped[dict[str, Any] | None]  # the Decision
    timings: Mapped[dict[str, Any] | None]  # ms from the boundary: signal, candles, decision, order
    trade_id: Mapped[int | None] = mapped_column(ForeignKey("trades.id", ondelete=_SET_NULL))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookSourceRow(Base):
    """A TradingView alert source: its URL token and body secret (hash + Fernet copy)."""

    __tablename__ = "webhook_sources"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_webhook_sources_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete=_CASCADE), index=True)
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the URL token
    token_enc: Mapped[str] = mapped_column(Text)  # Fernet token (shown on the page)
    secret_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the body secret
    secret_enc: Mapped[str] = mapped_column(Text)
    require_secret: Mapped[bool] = mapped_column(Boolean, default=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    ip_allowlist: Mapped[list[Any]] = mapped_column(default=list)  # empty = any address
    rate_limit_per_minute: Mapped[int] = mapped_column(Integer, default=60)
    broker_id: Mapped[int | None] = mapped_column(ForeignKey("brokers.id", ondelete=_SET_NULL))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    rotated_at: Mapped[datetime | None]


class WebhookRow(Base):
    """Every webhook request received (rejected ones included), stored before the answer."""

    __tablename__ = "webhooks"
    __table_args__ = (Index("ix_webhooks_user_created", "user_id", "created_at"),
                      Index("ix_webhooks_status_id", "status", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL for a request whose token matches no source (kept for the administrator).
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete=_CASCADE), index=True
    )
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("webhook_sources.id", ondelete=_SET_NULL, name="fk_webhooks_source_id"),
        index=True,
    )
    source: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    raw_body: Mapped[str] = mapped_column(Text, default="", server_default="")
    content_type: Mapped[str | None] = mapped_column(String(128))
    client_ip: Mapped[str | None] = mapped_column(String(64))
    http_status: Mapped[int | None] = mapped_column(Integer)
    processed: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="received")
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]
    # The order process holding the alert (« processing ») and since when: a claim older than
    # the lease is taken over and reconciled by client order id, never re-sent blindly.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None]


class WebhookDedupRow(Base):
    """Claims on an alert: the unique key makes a duplicate lose, across processes."""

    __tablename__ = "webhook_dedup"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete=_CASCADE))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BacktestResultRow(Base):
    __tablename__ = "backtest_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete=_CASCADE), index=True)
    strategy_id: Mapped[int | None] = mapped_column(ForeignKey("strategies.id", ondelete=_SET_NULL))
    broker_id: Mapped[int | None] = mapped_column(ForeignKey("brokers.id", ondelete=_SET_NULL))
    strategy_name: Mapped[str] = mapped_column(String(64))
    strategy_code: Mapped[str] = mapped_column(Text)  # snapshot: a result stays reproducible
    exchange: Mapped[str] = mapped_column(String(32))
    symbol: Mapped[str] = mapped_column(String(32))
    timeframe: Mapped[str] = mapped_column(String(8))
    start_date: Mapped[datetime]
    end_date: Mapped[datetime]
    initial_amount: Mapped[Decimal]
    final_amount: Mapped[Decimal]
    total_trades: Mapped[int] = mapped_column(Integer)
    winning_trades: Mapped[int] = mapped_column(Integer)
    losing_trades: Mapped[int] = mapped_column(Integer)
    max_drawdown: Mapped[float]
    sharpe_ratio: Mapped[float | None]
    stats: Mapped[dict[str, Any]]
    params: Mapped[dict[str, Any]]
    trades_detail: Mapped[list[Any]]
    lookahead_ok: Mapped[bool | None] = mapped_column(Boolean)
    lookahead_report: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SweepRow(Base):
    """A parameter sweep of one user: what was searched, every finished run, the verdict."""

    __tablename__ = "sweeps"
    __table_args__ = (Index("ix_sweeps_user_id", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete=_CASCADE))
    strategy_id: Mapped[int | None] = mapped_column(ForeignKey("strategies.id", ondelete=_SET_NULL))
    strategy_name: Mapped[str] = mapped_column(String(64))
    strategy_code: Mapped[str] = mapped_column(Text)  # snapshot: a sweep stays reproducible
    exchange: Mapped[str] = mapped_column(String(32))
    symbol: Mapped[str] = mapped_column(String(32))
    timeframe: Mapped[str] = mapped_column(String(8))
    start_date: Mapped[datetime]
    end_date: Mapped[datetime]
    method: Mapped[str] = mapped_column(String(16))  # "grid" | "random"
    objective: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # "done" | "cancelled"
    space: Mapped[dict[str, Any]]
    constraints: Mapped[list[Any]]
    settings: Mapped[dict[str, Any]]
    runs: Mapped[list[Any]]
    best_params: Mapped[dict[str, Any] | None]
    verdict: Mapped[dict[str, Any] | None]
    walk_forward: Mapped[dict[str, Any] | None]
    planned_runs: Mapped[int] = mapped_column(Integer)
    finished_runs: Mapped[int] = mapped_column(Integer)
    lookahead_flagged: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebSessionRow(Base):
    """A login session: the cookie holds a random id, only its SHA-256 is stored here."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class DebugModeRow(Base):
    """Singleton (id is always 1): developer mode state."""

    __tablename__ = "debug_mode"

    id: Mapped[int] = mapped_column(primary_key=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ExchangeSymbolRow(Base):
    """Shared list of markets per exchange, replaced whole on each load."""

    __tablename__ = "exchange_symbols"
    __table_args__ = (
        UniqueConstraint("exchange", "symbol", name="uq_exchange_symbols"),
        Index("ix_exchange_symbols_active", "exchange", "active"),
        Index("ix_exchange_symbols_symbol", "symbol"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exchange: Mapped[str] = mapped_column(String(32))
    symbol: Mapped[str] = mapped_column(String(64))
    base: Mapped[str] = mapped_column(String(32))
    quote: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    type: Mapped[str] = mapped_column(String(16))  # spot | future | swap | ...
    min_amount: Mapped[Decimal | None]
    max_amount: Mapped[Decimal | None]
    min_cost: Mapped[Decimal | None]
    price_precision: Mapped[Decimal | None]  # tick size
    amount_precision: Mapped[Decimal | None]  # step size
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlertRow(Base):
    """Things a human should look at (heartbeat gaps, engine stops). NULL user = system."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete=_CASCADE))
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    acknowledged: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PaperBalanceRow(Base):
    """Balances of a paper (dry-run) broker, per asset."""

    __tablename__ = "paper_balances"
    __table_args__ = (UniqueConstraint("broker_id", "asset"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    broker_id: Mapped[int] = mapped_column(ForeignKey("brokers.id", ondelete=_CASCADE))
    asset: Mapped[str] = mapped_column(String(32))
    free: Mapped[Decimal]
    used: Mapped[Decimal] = mapped_column(default=Decimal(0))


class PaperOrderRow(Base):
    """Orders of a paper broker; open ones survive restarts."""

    __tablename__ = "paper_orders"
    __table_args__ = (Index("ix_paper_orders_open", "broker_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    broker_id: Mapped[int] = mapped_column(ForeignKey("brokers.id", ondelete=_CASCADE))
    client_order_id: Mapped[str | None] = mapped_column(String(64))
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(8))
    order_type: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal]
    price: Mapped[Decimal | None]
    filled: Mapped[Decimal] = mapped_column(default=Decimal(0))
    average: Mapped[Decimal | None]
    fee: Mapped[Decimal] = mapped_column(default=Decimal(0))
    fee_currency: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # open | closed | canceled
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
