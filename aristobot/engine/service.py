"""The live engine as a service: ``serve(runtime)`` (embedded) or ``services.engine``.

Start: take the single-instance lock, preload the exchanges of every active strategy,
reconcile positions with the exchanges, then subscribe to ``Heartbeat``. Each signal is
handled in its own task (a 5m and a 1m boundary coincide); a protection pass runs every
minute; the engine's state is published on ``engine.status`` after each signal and every
``status_every_s`` seconds, and ``alive: false`` when it stops.

A signal missed while the engine was down is never replayed: a decision is only ever taken on
a signal received live (see README, « Moteur de trading »).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from aristobot.brokers.connections import get_manager
from aristobot.bus import Channels
from aristobot.engine.candle_feed import OhlcvFetcher, SourceFor
from aristobot.engine.execution import ExchangeFor, Executor
from aristobot.engine.instance_lock import InstanceLock
from aristobot.engine.protection import Protector
from aristobot.engine.reconcile import reconcile
from aristobot.engine.runner import Decider, SignalHandler, SignalReport
from aristobot.engine.selection import running_specs
from aristobot.errors import AristobotError, BusError
from aristobot.runtime import Runtime
from aristobot.trading.service import ManualTrading

log = logging.getLogger(__name__)
SERVICE = "engine"


class Engine:
    """The live trading engine of one runtime."""

    def __init__(self, runtime: Runtime, *, decider: Decider | None = None,
                 exchange_for: ExchangeFor | None = None, source_for: SourceFor | None = None,
                 fetch_candles: bool = True,
                 candle_wait_s: float | None = None, protect_every_s: float = 60.0,
                 status_every_s: float = 10.0,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.runtime = runtime
        manager = get_manager(runtime)
        self.exchange_for: ExchangeFor = exchange_for or manager.exchange_for
        if decider is None:
            from aristobot.strategies.pool import get_pool

            decider = get_pool(runtime)
        self.trading = ManualTrading(runtime, now=now)
        self.executor = Executor(self.trading, self.exchange_for, now)
        self.handler = SignalHandler(
            runtime.sessions, decider, self.executor, self.exchange_for,
            (source_for or self._public_source) if fetch_candles else None,
            candle_wait_s if candle_wait_s is not None else runtime.settings.candle_wait_s)
        self.protector = Protector(runtime.sessions, runtime.bus, self.executor,
                                   self.exchange_for)
        self.protect_every_s = protect_every_s
        self.status_every_s = status_every_s
        self.started_at = time.time()
        self.last_signal: dict[str, Any] | None = None
        self.strategies: dict[str, dict[str, Any]] = {}
        self.reports: list[SignalReport] = []  # recent reports (tests, benchmark)
        self.ready = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()

    async def _public_source(self, exchange_id: str) -> OhlcvFetcher:
        handle: OhlcvFetcher = await get_manager(self.runtime).public_exchange(exchange_id)
        return handle

    async def preload(self) -> None:
        """Load the exchanges of every active strategy (markets in the background)."""
        with self.runtime.sessions() as s:
            pairs = {(sp.user_id, sp.broker_id) for sp in running_specs(s, datetime.now(UTC))}
        for user_id, broker_id in sorted(pairs):
            task = asyncio.get_running_loop().create_task(self._preload_one(user_id, broker_id))
            self._keep(task)

    async def _preload_one(self, user_id: int, broker_id: int) -> None:
        try:
            await self.exchange_for(user_id, broker_id)
        except (AristobotError, SQLAlchemyError):
            # Only a warm-up: the first order on this broker opens it again and records
            # the same error on its trade, where the user sees it.
            log.warning("engine: preloading broker %s failed", broker_id, exc_info=True)

    def _keep(self, task: asyncio.Task[Any]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def on_signal(self, payload: dict[str, Any]) -> SignalReport:
        """Handle one ``Heartbeat`` signal payload; publish the engine's status after it."""
        report = await self.handler.handle(payload)
        self.last_signal = {"timeframe": report.timeframe,
                            "boundary": report.boundary.isoformat(),
                            "handled_at": report.finished_at,
                            "strategies": len(report.outcomes)}
        for o in report.outcomes:
            entry = self.strategies.setdefault(str(o.active_strategy_id), {})
            entry.update(user_id=o.user_id, last_status=o.status, last_action=o.action,
                         at=report.boundary.isoformat())
            if o.status in ("error", "skipped"):
                entry["last_error"] = o.reason
        self.reports = [*self.reports[-99:], report]
        await self.publish_status()
        return report

    def status(self, alive: bool = True) -> dict[str, Any]:
        return {"alive": alive, "started_at": self.started_at, "ts": time.time(),
                "last_signal": self.last_signal, "strategies": self.strategies}

    async def publish_status(self, alive: bool = True) -> None:
        """Publish the engine's status (a failed publish raises ``BusError``)."""
        await self.runtime.bus.publish(Channels.ENGINE_STATUS, "status", self.status(alive))

    async def run(self) -> None:
        """Reconcile, then handle signals until cancelled."""
        await self.preload()
        await reconcile(self.runtime, self.trading, self.exchange_for)
        sub = await self.runtime.bus.subscribe(Channels.HEARTBEAT, maxsize=1000)
        self._keep(asyncio.get_running_loop().create_task(self._every(
            self.protect_every_s, self.protector.run_once)))
        self._keep(asyncio.get_running_loop().create_task(self._every(
            self.status_every_s, self.publish_status)))
        await self.publish_status()
        self.ready.set()
        log.info("engine: ready")
        try:
            while True:
                msg = await sub.get()
                if msg.type != "signal":
                    continue
                self._keep(asyncio.get_running_loop().create_task(self._safe(msg.payload)))
        finally:
            await sub.close()
            for t in list(self._tasks):
                t.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            # At shutdown the bus may already be closed: the status hub then sees no status
            # for a while and shows the engine « silent », then down.
            with contextlib.suppress(BusError, RuntimeError):
                await asyncio.shield(self.publish_status(alive=False))

    async def _safe(self, payload: dict[str, Any]) -> None:
        try:
            await self.on_signal(payload)
        except Exception:
            # The signal loop outlives one signal's failure (the database or the bus briefly
            # unreachable, one broken broker): each signal is independent and the next one
            # retries what is due; a strategy's own errors are recorded by the runner.
            log.exception("engine: signal %s failed", payload.get("timeframe"))

    async def _every(self, period_s: float, fn: Callable[[], Any]) -> None:
        while True:
            await asyncio.sleep(period_s)
            try:
                await fn()
            except Exception:
                # A periodic chore (status, protection, reconcile) runs again next period;
                # one failed round must not stop the engine's signal handling.
                log.exception("engine: periodic %s failed", getattr(fn, "__name__", fn))


async def serve(runtime: Runtime, **options: Any) -> None:
    """Run the engine inside ``runtime`` until cancelled, holding the single-instance lock."""
    lock = InstanceLock(runtime.settings.database_url, SERVICE)
    await asyncio.to_thread(lock.acquire)
    try:
        await Engine(runtime, **options).run()
    finally:
        lock.release()
