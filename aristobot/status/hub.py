"""Process-wide status of the workbench, shown by the status bar of every page.

One background task per process refreshes it from the database every second
(:func:`aristobot.status.queries.read_status`) and from the bus (heartbeat status, markets
loading progress, engine status) as messages arrive; sessions only read it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError

from aristobot.bus import Channels
from aristobot.runtime import Runtime, Slot
from aristobot.status.queries import Status, read_status

log = logging.getLogger(__name__)

ENGINE_SILENT_AFTER_S = 60.0  # the engine publishes its status every 10 s


def _tri(value: object) -> bool | None:
    return None if value is None else bool(value)


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
        except SQLAlchemyError:
            # The database briefly unreachable: keep showing the last status, retry in a
            # second. Anything else is a bug and stops the hub (logged by its supervisor).
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
                raw = payload.get("pct")
                pct = float(raw) if isinstance(raw, int | float) else 0.0
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
    return runtime.provide(HUB, StatusHub)


HUB: Slot[StatusHub] = Slot("status_hub")
