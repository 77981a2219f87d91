"""The engine's reaction to one ``Heartbeat`` signal.

Select the due strategies; for each, concurrently: claim the (strategy, candle) decision key,
get the candle window (waiting briefly for the boundary's candle), the free balance and the
open position, decide once in the owner's isolated worker, act through the trading layer and
record everything. One strategy's failure (exception, hang, killed worker, exchange error) is
recorded on its decision row and never stops the others.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

import pandas as pd

from aristobot.core.strategy_api import Action, Decision, Position
from aristobot.core.strategy_loader import code_hash
from aristobot.domain.exchange import Balance
from aristobot.domain.timeframe import Timeframe, ms_to_utc
from aristobot.engine import decisions as journal
from aristobot.engine import messages
from aristobot.engine import positions as pos
from aristobot.engine.candle_feed import SourceFor, wait_for_window
from aristobot.engine.execution import ExchangeFor, Executor, split_symbol
from aristobot.engine.selection import ActiveSpec, due_strategies
from aristobot.errors import AristobotError, user_text

log = logging.getLogger(__name__)


class Decider(Protocol):
    async def decide(self, code: str, candles: pd.DataFrame, balance: float,
                     position: Position | None, *, owner: int | None) -> Decision: ...


@dataclass(slots=True)
class Outcome:
    """What happened to one active strategy on one signal (also kept for engine.status)."""

    active_strategy_id: int
    user_id: int
    status: str  # duplicate | skipped | decided | error
    action: str | None = None
    reason: str | None = None
    trade_id: int | None = None
    order_acked_at: float | None = None  # time.time() when the order was acknowledged


@dataclass(slots=True)
class SignalReport:
    timeframe: str
    boundary: datetime
    outcomes: list[Outcome] = field(default_factory=list)
    received_at: float = 0.0
    finished_at: float = 0.0


def parse_signal(payload: dict[str, Any]) -> tuple[str, datetime, datetime]:
    """(timeframe, open time of the candle that closed, boundary) of a signal payload."""
    tf = str(payload.get("timeframe") or payload["signal"])
    open_t = ms_to_utc(int(payload["open_time_ms"]))
    close_t = ms_to_utc(int(payload["close_time_ms"]))
    return tf, open_t, close_t


def too_late(payload: dict[str, Any], timeframe: str) -> str | None:
    """A signal the heartbeat flags as published late by more than its timeframe is not
    acted on (its prices are gone); the reason, else None. Optional payload fields: ``late``
    and ``delay_ms`` (or ``delay_s``)."""
    if not payload.get("late"):
        return None
    delay_ms = payload.get("delay_ms")
    if delay_ms is None and payload.get("delay_s") is not None:
        delay_ms = float(payload["delay_s"]) * 1000.0
    if delay_ms is None:
        return None
    limit_ms = Timeframe.parse(timeframe).ms
    if float(delay_ms) <= limit_ms:
        return None
    return (messages.late_signal(float(delay_ms) / 1000, timeframe))


class SignalHandler:
    """Handles signals for a runtime (stateless between signals apart from its helpers)."""

    def __init__(self, sessions: Any, decider: Decider, executor: Executor,
                 exchange_for: ExchangeFor, source_for: SourceFor | None,
                 candle_wait_s: float, clock: Callable[[], float] = time.time) -> None:
        self.sessions = sessions
        self.decider = decider
        self.executor = executor
        self.exchange_for = exchange_for
        self.source_for = source_for
        self.candle_wait_s = candle_wait_s
        self.clock = clock

    async def handle(self, payload: dict[str, Any]) -> SignalReport:
        received = self.clock()
        tf, candle_open, boundary = parse_signal(payload)
        with self.sessions() as s:
            due = due_strategies(s, tf, boundary)
        report = SignalReport(tf, boundary, received_at=received)
        late = too_late(payload, tf)
        if due and late is not None:
            report.outcomes = [self._skip_late(spec, candle_open, late) for spec in due]
        elif due:
            # one balance request per broker and signal, shared by its strategies
            balances: dict[tuple[int, int], asyncio.Task[Balance | str]] = {}
            for spec in due:
                key = (spec.user_id, spec.broker_id)
                if key not in balances:
                    balances[key] = asyncio.get_running_loop().create_task(
                        self._balances(spec))
            results = await asyncio.gather(
                *(self._guarded(spec, candle_open, boundary, received,
                                balances[(spec.user_id, spec.broker_id)]) for spec in due))
            report.outcomes = list(results)
        report.finished_at = self.clock()
        return report

    def _skip_late(self, spec: ActiveSpec, candle_open: datetime, reason: str) -> Outcome:
        with self.sessions.begin() as s:
            did = journal.claim(s, user_id=spec.user_id, active_strategy_id=spec.id,
                                candle_open_time=candle_open, timeframe=spec.timeframe)
            if did is None:
                return Outcome(spec.id, spec.user_id, "duplicate",
                               reason=messages.DECISION_ALREADY_TAKEN)
            journal.record(s, did, status="skipped", reason=reason)
        return Outcome(spec.id, spec.user_id, "skipped", reason=reason)

    async def _guarded(self, spec: ActiveSpec, candle_open: datetime, boundary: datetime,
                       received: float, balances: Awaitable[Balance | str]) -> Outcome:
        try:
            return await self._one(spec, candle_open, boundary, received, balances)
        except Exception as e:  # never let one strategy stop the others
            log.exception("engine: strategy %s failed on %s", spec.id, candle_open)
            text = user_text(e)
            return Outcome(spec.id, spec.user_id, "error", reason=text)

    async def _one(self, spec: ActiveSpec, candle_open: datetime, boundary: datetime,
                   received: float, balances: Awaitable[Balance | str]) -> Outcome:
        with self.sessions.begin() as s:
            did = journal.claim(s, user_id=spec.user_id, active_strategy_id=spec.id,
                                candle_open_time=candle_open, timeframe=spec.timeframe)
        if did is None:
            return Outcome(spec.id, spec.user_id, "duplicate",
                           reason=messages.DECISION_ALREADY_TAKEN)
        ms = _Stopwatch(boundary, received)
        try:
            return await self._decide(did, spec, candle_open, ms, balances)
        except Exception as e:  # recorded on the claimed row, never left « pending »
            log.exception("engine: strategy %s failed on %s", spec.id, candle_open)
            text = user_text(e)
            return self._finish(did, spec, "error", ms, reason=text)

    async def _decide(self, did: int, spec: ActiveSpec, candle_open: datetime, ms: _Stopwatch,
                      balances: Awaitable[Balance | str]) -> Outcome:
        # the ticker is fetched while the strategy decides: the order then needs one call
        reference = asyncio.get_running_loop().create_task(self._reference(spec))
        window, all_balances, position = await asyncio.gather(
            wait_for_window(self.sessions, self.source_for, spec.market_exchange, spec.symbol,
                            spec.timeframe, candle_open, spec.window, self.candle_wait_s),
            balances, asyncio.to_thread(self._position, spec.id))
        ms.mark("inputs")
        if window.candles is None or isinstance(all_balances, str):
            reference.cancel()
            reason = window.reason if window.candles is None else all_balances
            return self._finish(did, spec, "skipped", ms, reason=str(reason))
        base, quote = split_symbol(spec.symbol)
        balance = _free(all_balances, quote)
        view = position
        strategy_pos = view.as_strategy_position() if view is not None else None
        snap = journal.snapshot_fields(window.candles, code_hash(spec.code), float(balance),
                                       strategy_pos)
        decision = await self.decider.decide(spec.code, window.candles, float(balance),
                                             strategy_pos, owner=spec.user_id)
        ms.mark("decision")
        fields = {**snap, "outputs": journal.decision_dict(decision),
                  "action": decision.action.value}
        if decision.action is Action.ERROR:
            return self._finish(did, spec, "error", ms, reason=decision.error, **fields)
        try:
            trade_id = await self._act(spec, decision, balance, view, await reference,
                                       _free(all_balances, base))
        except AristobotError as e:
            ms.mark("order")
            return self._finish(did, spec, "error", ms, reason=e.user_message(), **fields)
        if trade_id is not None:
            ms.mark("order")
        return self._finish(did, spec, "decided", ms, trade_id=trade_id, **fields)

    async def _balances(self, spec: ActiveSpec) -> Balance | str:
        try:
            ex = await self.exchange_for(spec.user_id, spec.broker_id)
            return await ex.fetch_balance()
        except AristobotError as e:
            return f"Solde indisponible : {e.user_message()}"

    async def _reference(self, spec: ActiveSpec) -> Decimal | None:
        try:
            ex = await self.exchange_for(spec.user_id, spec.broker_id)
            return (await ex.fetch_ticker(spec.symbol)).last
        except AristobotError:
            return None  # the trading layer asks again when it places the order

    def _position(self, active_id: int) -> pos.PositionView | None:
        with self.sessions() as s:
            return pos.open_position(s, active_id)

    async def _act(self, spec: ActiveSpec, decision: Decision, balance: Decimal,
                   view: pos.PositionView | None, reference: Decimal | None,
                   held: Decimal) -> int | None:
        if decision.action is Action.ENTER_LONG and view is None:
            async with self.executor.lock(spec.id):
                if await asyncio.to_thread(self._position, spec.id) is not None:
                    return None  # an overlapping signal entered meanwhile: never twice
                fill = await self.executor.enter_long(spec, decision, balance, reference)
            return fill.trade.id
        if decision.action is Action.EXIT and view is not None:
            fill = await self.executor.exit(spec, view, "signal", held=held,
                                            reference=reference)
            return fill.trade.id
        return None  # NONE, or a short entry in spot (never opened)

    def _finish(self, did: int, spec: ActiveSpec, status: str, ms: _Stopwatch,
                reason: str | None = None, trade_id: int | None = None,
                **fields: Any) -> Outcome:
        with self.sessions.begin() as s:
            journal.record(s, did, status=status, reason=reason, trade_id=trade_id,
                           timings=ms.as_dict(), **fields)
        acked = ms.wall.get("order")
        return Outcome(spec.id, spec.user_id, status, fields.get("action"), reason, trade_id,
                       acked)


class _Stopwatch:
    """Milliseconds from the boundary (wall clock) to each step of a decision."""

    def __init__(self, boundary: datetime, received: float) -> None:
        self.boundary = boundary.timestamp()
        self.wall: dict[str, float] = {"signal": received}

    def mark(self, name: str) -> None:
        self.wall[name] = time.time()

    def as_dict(self) -> dict[str, float]:
        return {k: round((v - self.boundary) * 1000.0, 1) for k, v in self.wall.items()}


def _free(balances: Balance, asset: str) -> Decimal:
    return balances.free_of(asset)


def utcnow() -> datetime:
    return datetime.now(UTC)


SignalCallback = Callable[[SignalReport], Awaitable[None]]
