"""« Rejouer »: the backtester over the same candles with the same code, compared with live.

For one active strategy and a period, the stored candles (the ones live decisions read; their
hashes are checked against each decision's snapshot) go through the backtester in a sandboxed
worker, starting with the balance live had at its first decision. Then, signal by signal
(candle open time), live and replay are compared: a decision missed or extra, a different
fill price or fee, and live's delay from the boundary to the order. Stop-loss / take-profit
exits (no decision: the engine checks them every minute) are compared in order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from aristobot.backtest.candle_store import read_candles
from aristobot.core.backtest.types import BINANCE_SPOT_TAKER_FEE, BacktestParams, TradeRecord
from aristobot.db.models import TradeRow
from aristobot.domain.timeframe import Timeframe
from aristobot.engine import messages
from aristobot.engine.decisions import DecisionView, candles_hash, list_decisions
from aristobot.engine.selection import ActiveSpec, get_spec
from aristobot.errors import ValidationError

JOB = "aristobot.backtest.job:run_job"
PRICE_TOL = 1e-9  # relative
FEE_TOL = 0.01  # relative: amounts rounded to the market's step move fees a little

RunJob = Callable[..., Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Event:
    """One order-producing event on one side (live or replay)."""

    at: datetime  # candle open time (decisions) or the exit's time (stops)
    action: str  # enter_long | exit | stop_loss | take_profit
    price: float | None = None
    fee: float | None = None
    delay_ms: float | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class ReplayRow:
    at: datetime
    live: Event | None
    replay: Event | None
    verdict: str  # French: « identique », « décision manquée (live) », …

    @property
    def differs(self) -> bool:
        return self.verdict != messages.SAME


@dataclass(frozen=True, slots=True)
class ReplayReport:
    spec: ActiveSpec
    start: datetime
    end: datetime
    candles: int
    rows: tuple[ReplayRow, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def differences(self) -> tuple[ReplayRow, ...]:
        return tuple(r for r in self.rows if r.differs)

    def frame(self) -> pd.DataFrame:
        """The report as a table (French column names)."""
        def f(e: Event | None, attr: str) -> Any:
            return getattr(e, attr) if e is not None else None

        return pd.DataFrame(dict(zip(messages.REPORT_COLUMNS, [
            [r.at.strftime("%Y-%m-%d %H:%M") for r in self.rows],
            [f(r.live, "action") or "—" for r in self.rows],
            [f(r.replay, "action") or "—" for r in self.rows],
            [f(r.live, "price") for r in self.rows],
            [f(r.replay, "price") for r in self.rows],
            [f(r.live, "fee") for r in self.rows],
            [f(r.replay, "fee") for r in self.rows],
            [f(r.live, "delay_ms") for r in self.rows],
            [r.verdict for r in self.rows],
        ], strict=True)))


def live_events(s: Session, user_id: int, spec: ActiveSpec, start: datetime, end: datetime
                ) -> tuple[list[Event], list[DecisionView]]:
    """Order events of live (decisions that traded, then protective exits), and decisions."""
    decisions = list_decisions(s, user_id, spec.id, start, end)
    trades = {t.id: t for t in s.scalars(select(TradeRow).where(
        TradeRow.user_id == user_id, TradeRow.active_strategy_id == spec.id))}
    events, used = [], set()
    for d in decisions:
        if d.trade_id is None or d.trade_id not in trades:
            continue
        t = trades[d.trade_id]
        used.add(t.id)
        delay = (d.timings or {}).get("order")
        events.append(Event(d.candle_open_time, d.action or "?", _f(t.average_price),
                            _f(t.fee), delay, t.status))
    tf = Timeframe.parse(spec.timeframe)
    for t in sorted(trades.values(), key=lambda t: t.id):
        if t.id in used or t.side != "sell" or t.status != "filled":
            continue
        at = tf.floor(t.created_at)
        if start <= at < end:
            events.append(Event(at, "stop", _f(t.average_price), _f(t.fee), None, "protection"))
    return events, decisions


def _f(x: Any) -> float | None:
    return float(x) if x is not None else None


def replay_events(trades: tuple[TradeRecord, ...], fee_rate: float, start: datetime
                  ) -> list[Event]:
    """Order events of a backtest (entries, signal exits, protective exits)."""
    out = []
    for t in trades:
        if t.entry_time >= start:
            out.append(Event(t.entry_time, "enter_long", t.entry_price,
                             t.entry_price * t.quantity * fee_rate))
        if t.exit_time is not None and t.exit_reason != "end" and t.exit_time >= start:
            action = "exit" if t.exit_reason == "signal" else "stop"
            out.append(Event(t.exit_time, action, t.exit_price,
                             t.exit_price * t.quantity * fee_rate))
    return out


def _verdict(live: Event | None, rep: Event | None) -> str:
    if live is None:
        return messages.MISSED_LIVE
    if rep is None:
        return messages.EXTRA_LIVE
    if live.action != rep.action:
        return messages.other_action(live.action, rep.action)
    if live.price is None or rep.price is None:
        return messages.NOT_FILLED_LIVE
    if abs(live.price - rep.price) > PRICE_TOL * max(abs(rep.price), 1.0):
        return messages.OTHER_PRICE
    if abs((live.fee or 0.0) - (rep.fee or 0.0)) > FEE_TOL * max(abs(rep.fee or 0.0), 1e-12):
        return messages.OTHER_FEES
    return messages.SAME


def compare(live: list[Event], replay: list[Event]) -> list[ReplayRow]:
    """Pair events by (time, kind) and judge each pair (pure)."""
    def key(e: Event) -> tuple[datetime, str]:
        return e.at, "stop" if e.action == "stop" else "decision"

    left = {key(e): e for e in live}
    right = {key(e): e for e in replay}
    return [ReplayRow(k[0], left.get(k), right.get(k), _verdict(left.get(k), right.get(k)))
            for k in sorted(set(left) | set(right))]


def _check_hashes(candles: pd.DataFrame, decisions: list[DecisionView]) -> list[str]:
    notes = []
    for d in decisions:
        if d.candles_from is None or d.candles_to is None or not d.candles_hash:
            continue
        window = candles.loc[pd.Timestamp(d.candles_from):pd.Timestamp(d.candles_to)]
        if candles_hash(window) != d.candles_hash:
            when = d.candle_open_time.strftime("%Y-%m-%d %H:%M")
            notes.append(messages.candles_changed(when))
    return notes


async def replay(sessions: Any, run_job: RunJob, user_id: int, active_id: int,
                 start: datetime, end: datetime, fee_rate: float = BINANCE_SPOT_TAKER_FEE
                 ) -> ReplayReport:
    """Build the report for one of ``user_id``'s active strategies over [start, end)."""
    if end <= start:
        raise ValidationError(reason=messages.PERIOD_END_BEFORE_START)
    with sessions() as s:
        spec = get_spec(s, user_id, active_id)
        # live only ran inside its period: outside it there is nothing to compare
        start, end = max(start, spec.start_date), min(end, spec.end_date)
        if end <= start:
            raise ValidationError(reason=messages.PERIOD_OUTSIDE_ACTIVE)
        events, decisions = live_events(s, user_id, spec, start, end)
        tf = Timeframe.parse(spec.timeframe)
        history = start - (spec.window - 1) * tf.delta
        candles = read_candles(s, spec.market_exchange, spec.symbol, tf, history, end)
    if candles.empty:
        raise ValidationError(reason=messages.NO_CANDLES_IN_PERIOD)
    balance = next((float(d.inputs["balance"]) for d in decisions if d.inputs), 10_000.0)
    params = BacktestParams(initial_amount=balance, fee_rate=fee_rate, window=spec.window,
                            mode="exact")
    result = await run_job(JOB, {"code": spec.code, "candles": candles, "params": params},
                           owner=user_id, timeout_s=600)
    rows = compare(events, replay_events(result.trades, fee_rate, start))
    notes = _check_hashes(candles, decisions)
    skipped = [d for d in decisions if d.status in ("skipped", "error")]
    notes += [f"{d.candle_open_time.strftime('%Y-%m-%d %H:%M')} : {d.status} — {d.reason}"
              for d in skipped]
    return ReplayReport(spec, start, end, len(candles), tuple(rows), tuple(notes))
