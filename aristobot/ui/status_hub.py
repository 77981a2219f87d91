"""Process-wide status of the workbench, shown by the status bar of every page.

One background task per process refreshes it from the database every second and from the bus
(heartbeat status, markets loading progress) as messages arrive; sessions only read it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aristobot.bus import Channels
from aristobot.db.models import (
    ActiveStrategyRow,
    BrokerRow,
    DebugModeRow,
    ExchangeSymbolRow,
    HeartbeatSignalRow,
    HeartbeatStatusRow,
)
from aristobot.runtime import Runtime

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(seconds=150)  # a 1m signal is expected every minute
ENGINE_SILENT_AFTER_S = 60.0  # the engine publishes its status every 10 s


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


def _tri(value: object) -> bool | None:
    return None if value is None else bool(value)


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)


class StatusHub:
    """Holds the latest ``Status``; ``version`` increments on every change."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.status = Status()
        self.version = 0
        self._clock = clock
        self._engine_seen: float | None = None
        self._engine_alive = False

    def update(self, status: Status) -> None:
        if status != self.status:
            self.status = status
            self.version += 1

    async def run(self, runtime: Runtime, period_s: float = 1.0) -> None:
        """Refresh forever: the database every ``period_s``, bus messages as they come."""
        sub = await runtime.bus.subscribe(
            Channels.MARKETS_PROGRESS, Channels.HEARTBEAT_STATUS, Channels.ENGINE_STATUS,
            maxsize=500
        )
        try:
            while True:
                self._refresh_from_db(runtime)
                deadline = asyncio.get_running_loop().time() + period_s
                while (left := deadline - asyncio.get_running_loop().time()) > 0:
                    try:
                        msg = await sub.get(timeout=left)
                    except TimeoutError:
                        break
                    self._apply(msg.topic, msg.payload)
        finally:
            await sub.close()

    def _refresh_from_db(self, runtime: Runtime) -> None:
        try:
            with runtime.sessions() as s:
                fresh = read_status(s, datetime.now(UTC), runtime.settings.debug_aristobot)
        except Exception:
            log.exception("status refresh failed")
            return
        self.update(
            replace(fresh, loading=self.status.loading, loading_error=self.status.loading_error,
                    engine=self.engine_state())
        )

    def engine_state(self) -> str:
        """« up », « silent » (no status for ENGINE_SILENT_AFTER_S) or « down »."""
        if self._engine_seen is None or not self._engine_alive:
            return "down"
        if self._clock() - self._engine_seen > ENGINE_SILENT_AFTER_S:
            return "silent"
        return "up"

    def _apply(self, topic: str, payload: dict[str, object]) -> None:
        if topic == Channels.MARKETS_PROGRESS:
            exchange = str(payload.get("exchange", "?"))
            if payload.get("done"):
                err = payload.get("error")
                self.update(
                    replace(self.status, loading=None, loading_error=str(err) if err else None)
                )
            else:
                pct = float(payload.get("pct", 0.0))
                self.update(replace(self.status, loading=(exchange, pct), loading_error=None))
        elif topic == Channels.ENGINE_STATUS:
            self._engine_seen = self._clock()
            self._engine_alive = bool(payload.get("alive", False))
            self.update(replace(self.status, engine=self.engine_state()))
        elif topic == Channels.HEARTBEAT_STATUS:
            self.update(
                replace(
                    self.status,
                    heartbeat_active=bool(
                        payload.get("is_connected", self.status.heartbeat_active)
                    ),
                    heartbeat_coherent=_tri(
                        payload.get("is_coherent", self.status.heartbeat_coherent)
                    ),
                )
            )


def get_hub(runtime: Runtime) -> StatusHub:
    """Return the process's hub (created on first use, refreshed by ``embedded.start``)."""
    hub = runtime.components.get("status_hub")
    if hub is None:
        hub = runtime.components["status_hub"] = StatusHub()
    return hub
