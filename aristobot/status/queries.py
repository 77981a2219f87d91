"""The workbench's status read from the database: shared tables, plus per-user flags.

One query function per question the status bar asks (heartbeat liveness and coherence,
exchanges with markets, live strategies per user, debug mode, testnet brokers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aristobot.db.models import (
    ActiveStrategyRow,
    BrokerRow,
    DebugModeRow,
    ExchangeSymbolRow,
    HeartbeatSignalRow,
    HeartbeatStatusRow,
)

STALE_AFTER = timedelta(seconds=150)  # a 1m signal is expected every minute


@dataclass(frozen=True, slots=True)
class Status:
    heartbeat_active: bool = False
    heartbeat_coherent: bool | None = None  # None: unknown (never connected, nothing verified)
    exchanges_loaded: int = 0
    loading: tuple[str, float] | None = None  # (exchange, pct) while markets load
    loading_error: str | None = None
    live_by_user: dict[int, int] = field(default_factory=dict)  # user id -> live strategies
    debug_active: bool = False
    testnet_users: frozenset[int] = field(default_factory=frozenset)
    engine: str = "down"  # "up" | "silent" (no status for a while) | "down"


def read_status(s: Session, now: datetime, debug_allowed: bool) -> Status:
    """Read the status from the database (shared tables only, plus per-user testnet flags)."""
    hb = s.scalar(select(HeartbeatStatusRow).where(HeartbeatStatusRow.service == "heartbeat"))
    last_signal = s.scalar(select(func.max(HeartbeatSignalRow.received_at)))
    active = False
    coherent: bool | None = None
    if hb is not None:
        coherent = hb.is_coherent
        started = hb.last_application_start
        recent = [t for t in (last_signal, started, hb.updated_at) if t is not None]
        fresh = bool(recent) and now - max(_aware(t) for t in recent) < STALE_AFTER
        active = hb.is_connected and fresh
    exchanges = s.scalar(select(func.count(func.distinct(ExchangeSymbolRow.exchange)))) or 0
    live: dict[int, int] = {
        uid: n
        for uid, n in s.execute(
            select(ActiveStrategyRow.user_id, func.count())
            .where(
                ActiveStrategyRow.is_active.is_(True),
                ActiveStrategyRow.start_date <= now,
                ActiveStrategyRow.end_date >= now,
            )
            .group_by(ActiveStrategyRow.user_id)
        )
    }
    debug_row = s.get(DebugModeRow, 1)
    testnet = s.scalars(
        select(BrokerRow.user_id).where(
            BrokerRow.is_testnet.is_(True), BrokerRow.is_active.is_(True)
        )
    ).all()
    return Status(
        heartbeat_active=active,
        heartbeat_coherent=coherent,
        exchanges_loaded=exchanges,
        live_by_user=live,
        debug_active=debug_allowed and bool(debug_row and debug_row.is_active),
        testnet_users=frozenset(testnet),
    )


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)
