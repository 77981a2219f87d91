"""Run one backtest end to end: candles → isolated worker → stored result, with progress.

Progress goes over the bus on ``Channels.BACKTEST_PROGRESS + "." + job_id`` with payload
``{"job_id", "phase": "candles"|"queued"|"simulation"|"saving"|"done"|"cancelled"|"error",
"pct": 0..100, "done": bool, "error": str|None, "result_id": int|None, "position": int|None,
"waiting_for_own": bool}``. ``queued``: the simulation waits for a backtest slot in the pool's
fair queue (``position`` 1 = next to start; ``waiting_for_own``: the user's own running
backtest must end first); ``simulation`` follows when it starts. Candle loading and the
simulation (queued or running) are cancelled separately (two events); candles fetched before a
cancel stay. User code only ever runs in the strategy worker pool, never in this process; a
simulation past ``job_timeout_s`` (wall clock, queue time excluded) is stopped with a French
error.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import select

from aristobot.backtest import candle_store
from aristobot.backtest import messages as msg
from aristobot.backtest.absent_ranges import AbsentRanges
from aristobot.backtest.candle_loader import CandleLoader, CandleRequest, LoadReport, OhlcvSource
from aristobot.backtest.diagnostics import decision_errors, errors_text
from aristobot.backtest.job import make_params
from aristobot.backtest.results_store import RunInfo, save_result
from aristobot.brokers.repository import Broker, get_broker
from aristobot.bus import Channels
from aristobot.core.backtest.types import BINANCE_SPOT_TAKER_FEE, BacktestParams, BacktestResult
from aristobot.db.models import StrategyRow
from aristobot.domain.timeframe import Timeframe, utc_to_ms
from aristobot.errors import AristobotError, JobCancelled, NotFound, ValidationError
from aristobot.runtime import Runtime, Slot
from aristobot.strategies.job_queue import QueuePosition

log = logging.getLogger(__name__)
ABSENT_RANGES: Slot[AbsentRanges] = Slot("candle_absent_ranges")
BACKTEST_SERVICE: Slot[BacktestService] = Slot("backtest_service")

JOB_FUNCTION = "aristobot.backtest.job:run_job"
PAPER_MARKET_EXCHANGE = "binance"  # the paper broker trades on Binance's market data
MAX_CANDLES = 1_100_000  # two years of 1m candles
#: Shown for an unexpected failure (a bug): the details go to the log, never to the page.
UNEXPECTED_ERROR = msg.UNEXPECTED_ERROR


@dataclass(frozen=True, slots=True)
class BacktestRequest:
    """What the user asked for on the page (or in a notebook through the service)."""

    user_id: int
    strategy_id: int
    broker_id: int
    symbol: str
    timeframe: Timeframe
    start: datetime
    end: datetime
    initial_amount: float = 10_000.0
    fee_rate: float = BINANCE_SPOT_TAKER_FEE
    slippage: float = 0.0
    mode: str = "fast"
    timezone: str = "UTC"  # the user's display zone, for dates in messages
    full_check: bool = False  # re-evaluate every bar exactly (« Vérification complète »)


@dataclass(frozen=True, slots=True)
class BacktestOutcome:
    job_id: str
    status: str  # "done" | "cancelled" | "error"
    result_id: int | None = None
    result: BacktestResult | None = None
    load: LoadReport | None = None
    phase: str = ""  # where it stopped: "candles" | "simulation" | "saving" | "done"
    error: str | None = None
    candles: pd.DataFrame | None = None


def validate_request(req: BacktestRequest) -> None:
    """Refuse an unusable request with a French ``ValidationError`` (the library decides)."""
    tf = Timeframe.parse(req.timeframe)
    if not req.symbol or "/" not in req.symbol:
        raise ValidationError(reason=msg.PICK_A_SYMBOL)
    start, end = utc_to_ms(req.start), utc_to_ms(req.end)
    if end <= start:
        raise ValidationError(reason=msg.END_BEFORE_START)
    if (end - start) // tf.ms > MAX_CANDLES:
        raise ValidationError(reason=msg.period_too_long(tf.value, MAX_CANDLES))
    make_params(params_for(req))


def params_for(req: BacktestRequest, window: int = 500) -> BacktestParams:
    return BacktestParams(initial_amount=float(req.initial_amount), fee_rate=float(req.fee_rate),
                          slippage=float(req.slippage), window=window, mode=req.mode,
                          full_check=bool(req.full_check))


def market_exchange(broker: Broker) -> str:
    """Return the exchange whose candles a backtest on ``broker`` uses."""
    return PAPER_MARKET_EXCHANGE if broker.is_paper else broker.exchange


SourceFor = Callable[[int, Broker], Awaitable[OhlcvSource]]


class BacktestService:
    """Orchestrates backtests for the dashboard (one instance per process is enough)."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        pool: Any | None = None,
        source_for: SourceFor | None = None,
        clock: Callable[[], float] = time.time,
        job_timeout_s: float | None = None,
    ) -> None:
        self._runtime = runtime
        self._pool = pool
        self._source_for = source_for or self._manager_source
        self._clock = clock
        self._timeout = float(job_timeout_s or runtime.settings.backtest_max_s)

    @staticmethod
    def topic(job_id: str) -> str:
        return f"{Channels.BACKTEST_PROGRESS}.{job_id}"

    @staticmethod
    def new_job_id() -> str:
        return uuid.uuid4().hex[:12]

    async def run(
        self,
        req: BacktestRequest,
        *,
        job_id: str | None = None,
        cancel_candles: asyncio.Event | None = None,
        cancel_run: asyncio.Event | None = None,
    ) -> BacktestOutcome:
        """Run the whole backtest; never raises for user-facing problems (see ``error``)."""
        job = _Job(self, job_id or self.new_job_id())
        try:
            return await self._run(req, job, cancel_candles or asyncio.Event(),
                                   cancel_run or asyncio.Event())
        except asyncio.CancelledError:
            await job.publish("cancelled", 0.0, done=True)
            raise
        except AristobotError as e:
            log.info("backtest %s failed: %s", job.id, e)
            await job.publish("error", 0.0, done=True, error=e.user_message())
            return BacktestOutcome(job.id, "error", phase=job.phase, error=e.user_message())
        except Exception:  # a bug: details in the log only, a fixed French message shown
            log.exception("backtest %s crashed", job.id)
            message = UNEXPECTED_ERROR
            await job.publish("error", 0.0, done=True, error=message)
            return BacktestOutcome(job.id, "error", phase=job.phase, error=message)

    async def _run(self, req: BacktestRequest, job: _Job, cancel_candles: asyncio.Event,
                   cancel_run: asyncio.Event) -> BacktestOutcome:
        validate_request(req)
        strategy, broker = await asyncio.to_thread(self._load_inputs, req)
        exchange = market_exchange(broker)
        creq = CandleRequest(exchange, req.symbol, Timeframe.parse(req.timeframe), req.start,
                             req.end)
        await job.publish("candles", 0.0)
        source = await self._source_for(req.user_id, broker)
        loader = CandleLoader(self._runtime.sessions, source, cancel=cancel_candles,
                              clock=self._clock, progress=lambda pct: job.publish("candles", pct),
                              absent=absent_ranges(self._runtime))
        report = await loader.load(creq)
        if report.cancelled:
            await job.publish("cancelled", 0.0, done=True)
            return BacktestOutcome(job.id, "cancelled", load=report, phase="candles")
        candles = await asyncio.to_thread(self._read, creq)
        if candles.empty:
            raise ValidationError(
                reason=msg.no_candles_for(req.symbol, creq.timeframe.value, exchange))
        params = replace(params_for(req), window=int(strategy.window_size or 500))
        await job.publish("simulation", 0.0)
        try:
            result = await self._simulate(strategy.code, candles, params, job, cancel_run,
                                              owner=req.user_id)
        except JobCancelled:  # while queued (phase "queued") or running
            await job.publish("cancelled", 0.0, done=True)
            return BacktestOutcome(job.id, "cancelled", load=report, phase=job.phase)
        if result.cancelled:
            await job.publish("cancelled", 0.0, done=True)
            return BacktestOutcome(job.id, "cancelled", load=report, phase="simulation")
        errors = decision_errors(result.meta)
        if errors.all_failed:  # nothing valid happened: an error, not « 0 trade »
            message = errors_text(result.meta, candles.index, req.timezone)
            log.info("backtest %s: every decision failed (%d)", job.id, errors.count)
            await job.publish("error", 0.0, done=True, error=message)
            return BacktestOutcome(job.id, "error", result=result, load=report,
                                   phase="simulation", error=message, candles=candles)
        await job.publish("saving", 100.0)
        info = RunInfo(strategy.name, strategy.code, exchange, req.symbol, creq.timeframe.value,
                       req.start, req.end, strategy.id, broker.id)
        result_id = await asyncio.to_thread(self._save, req.user_id, info, result)
        await job.publish("done", 100.0, done=True, result_id=result_id)
        return BacktestOutcome(job.id, "done", result_id, result, report, "done",
                               candles=candles)

    async def _simulate(self, code: str, candles: pd.DataFrame, params: BacktestParams,
                        job: _Job, cancel: asyncio.Event, *, owner: int) -> BacktestResult:
        pool = self._pool
        if pool is None:
            from aristobot.strategies.pool import get_pool

            pool = get_pool(self._runtime)
        kwargs = {"code": code, "candles": candles, "params": params}
        result = await pool.run_job(JOB_FUNCTION, kwargs, owner=owner, timeout_s=self._timeout,
                                    progress=lambda f: job.publish_soon("simulation", 100 * f),
                                    cancel=cancel, queued=job.queued)
        if not isinstance(result, BacktestResult):
            raise ValidationError(reason=msg.UNREADABLE_RESULT)
        return result

    def _load_inputs(self, req: BacktestRequest) -> tuple[StrategyRow, Broker]:
        with self._runtime.sessions() as s:
            row = s.scalar(select(StrategyRow).where(StrategyRow.id == req.strategy_id,
                                                     StrategyRow.user_id == req.user_id))
            if row is None:
                raise NotFound(what=msg.strategy_named(req.strategy_id))
            s.expunge(row)
            return row, get_broker(s, req.user_id, req.broker_id)

    def _read(self, creq: CandleRequest) -> pd.DataFrame:
        with self._runtime.sessions() as s:
            return candle_store.read_candles(s, creq.exchange, creq.symbol, creq.timeframe,
                                             creq.start, creq.end)

    def _save(self, user_id: int, info: RunInfo, result: BacktestResult) -> int:
        with self._runtime.sessions.begin() as s:
            return save_result(s, user_id, info, result)

    async def _manager_source(self, user_id: int, broker: Broker) -> OhlcvSource:
        """Candles always come from the keyless MAINNET public instance of the market exchange.

        Never the broker's own instance: a testnet broker runs in sandbox mode, whose candles
        (thin, synthetic testnet trading) must not enter the shared mainnet ``candles`` rows
        keyed by the plain exchange id. Public candles need no keys either.
        """
        from aristobot.brokers.connections import get_manager

        source: OhlcvSource = await get_manager(self._runtime).public_exchange(
            market_exchange(broker))
        return source


class _Job:
    """Publishes one job's progress on its bus topic (coalesced to whole percents)."""

    def __init__(self, service: BacktestService, job_id: str) -> None:
        self.id = job_id
        self.topic = service.topic(job_id)
        self._bus = service._runtime.bus
        self._pending: set[asyncio.Task[None]] = set()
        self.phase = ""
        self._last: tuple[str, int, int | None] | None = None

    async def publish(self, phase: str, pct: float, *, done: bool = False,
                      error: str | None = None, result_id: int | None = None,
                      queue: QueuePosition | None = None) -> None:
        if done and self._pending:  # what was published before the end arrives before it
            await asyncio.gather(*self._pending, return_exceptions=True)
        self.phase = phase if phase not in ("cancelled", "error") else self.phase
        key = (phase, int(pct), queue.position if queue else None)
        if key == self._last and not done:
            return
        self._last = key
        payload = {"job_id": self.id, "phase": phase, "pct": round(float(pct), 2), "done": done,
                   "error": error, "result_id": result_id,
                   "position": queue.position if queue else None,
                   "waiting_for_own": bool(queue and queue.waiting_for_own)}
        await self._bus.publish(self.topic, "backtest.progress", payload)

    def publish_soon(self, phase: str, pct: float, queue: QueuePosition | None = None) -> None:
        """Publish from a synchronous callback (the pool's progress and queue hooks)."""
        self.phase = phase
        task = asyncio.get_running_loop().create_task(self.publish(phase, pct, queue=queue))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    def queued(self, where: QueuePosition) -> None:
        """The pool's queue hook: the simulation waits for a slot at ``where``."""
        self.publish_soon("queued", 0.0, where)


def absent_ranges(runtime: Runtime) -> AbsentRanges:
    """The process's memory of candle ranges exchanges do not have (see ``absent_ranges``)."""
    return runtime.provide(ABSENT_RANGES, AbsentRanges)


def get_backtest_service(runtime: Runtime) -> BacktestService:
    """Return the process's backtest service (created on first use)."""
    return runtime.provide(BACKTEST_SERVICE, lambda: BacktestService(runtime))
