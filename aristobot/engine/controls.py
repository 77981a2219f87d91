"""The page's actions on active strategies (activate, suspend, resume, stop, sell).

Validation lives here and in :mod:`selection` (the authority), never in the page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from aristobot.brokers.connections import get_manager
from aristobot.engine import messages, selection
from aristobot.engine import positions as pos
from aristobot.engine.execution import Executor, Fill
from aristobot.errors import ValidationError
from aristobot.runtime import Runtime
from aristobot.trading.service import ManualTrading


class BotControls:
    """Per-runtime service used by the « Trading BOT » page (every call names its user)."""

    def __init__(self, runtime: Runtime,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.runtime = runtime
        self.now = now
        self.limit = runtime.settings.max_live_strategies

    def activate(self, user_id: int, *, strategy_id: int, broker_id: int, symbol: str,
                 timeframe: str, start: datetime, end: datetime) -> int:
        with self.runtime.sessions.begin() as s:
            return selection.activate(s, user_id, strategy_id=strategy_id, broker_id=broker_id,
                                      symbol=symbol, timeframe=timeframe, start=start, end=end,
                                      now=self.now(), limit=self.limit)

    def suspend(self, user_id: int, active_id: int) -> None:
        with self.runtime.sessions.begin() as s:
            selection.suspend(s, user_id, active_id)

    def resume(self, user_id: int, active_id: int) -> None:
        with self.runtime.sessions.begin() as s:
            selection.resume(s, user_id, active_id, self.now(), self.limit)

    def open_position(self, user_id: int, active_id: int) -> pos.PositionView | None:
        with self.runtime.sessions() as s:
            selection.get_spec(s, user_id, active_id)  # NotFound for another user
            found = pos.user_positions(s, user_id, active_id)
        return found[0] if found else None

    def stop(self, user_id: int, active_id: int, *, confirmed: bool = False) -> None:
        """« Stop »: refused without ``confirmed`` while a position is open."""
        if not confirmed and self.open_position(user_id, active_id) is not None:
            raise ValidationError(reason=messages.CONFIRM_STOP_WITH_POSITION)
        with self.runtime.sessions.begin() as s:
            selection.stop(s, user_id, active_id, self.now())

    async def sell(self, user_id: int, active_id: int) -> Fill:
        """« Vendre »: market close of the open position; the strategy stays active."""
        with self.runtime.sessions() as s:
            spec = selection.get_spec(s, user_id, active_id)
        p = self.open_position(user_id, active_id)
        if p is None:
            raise ValidationError(reason=messages.NO_POSITION_TO_SELL)
        manager = get_manager(self.runtime)
        executor = Executor(ManualTrading(self.runtime, now=self.now), manager.exchange_for,
                            self.now)
        return await executor.exit(spec, p, "manual")
