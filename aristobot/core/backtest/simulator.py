"""The bar simulator: spot, long only, one position at a time.

Semantics (the README copies them):

- **S1** The strategy is evaluated at the close of bar t and sees only the candles up to t (the
  last ``params.window`` of them, as live); an entry or a signal exit fills at ``close[t]``,
  moved against the trader by ``params.slippage``.
- **S2** The stop loss / take profit of a position entered at bar e are checked from bar e+1 on,
  against that bar's low / high, before that bar's close is evaluated.
- **S3** When one bar reaches both, the stop loss wins (the pessimistic reading).
- **S4** A stop fills at its price, or at the bar's open when the open is already beyond it (a
  gap). The stop loss is a stop-market order (slippage applies); the take profit is a limit order
  (no slippage; a gap above it fills at the better open).
- **S5** After a stop exit at bar t the strategy is flat at the close of t, so an entry signal at
  t re-enters at ``close[t]``. After a signal exit at t the next entry is at t+1 at the earliest
  (one decision per bar, as live).
- **S6** The size is the quote amount returned by ``calculate_position_size()``, capped by the
  available balance including the entry fee. Fees (``params.fee_rate``, default Binance spot
  taker 0.1 %) are charged on each side's notional. The strategy's ``balance`` is the free quote
  balance (cash). Equity is cash plus the position marked to each bar's close. A position still
  open after the last bar is a trade with ``exit_reason="end"``, marked to the last close
  without an exit fee.

In spot, ``should_short`` closes an open long and never opens a short. Every decision goes
through ``strategy_api.evaluate`` (the shared rules); decisions that come back as ``ERROR``
(an out-of-range size, stop or target) place no order and are counted in the result's meta.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

import numpy as np
import pandas as pd

from aristobot.core.backtest.types import BacktestParams
from aristobot.core.strategy_api import Action, Decision, Position

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

#: Phases of a state change within a bar: intrabar stop, then the close's decision.
STOP_PHASE, CLOSE_PHASE = 0, 1


class DecisionSource(Protocol):
    """Where the simulator gets the strategy's decisions from (exact, view or traced)."""

    #: True when exit signals are cheap to look up ahead (then stops are searched up to them).
    vectorised: bool

    def first_entry(self, start: int, stop: int, balance: float) -> tuple[int, Decision] | None:
        """Return the first bar in [start, stop) whose flat decision is not NONE."""
        ...

    def first_exit(
        self, start: int, stop: int, balance: float, position: Position
    ) -> tuple[int, Decision] | None:
        """Return the first bar in [start, stop) whose decision holding ``position`` is not
        NONE."""
        ...


def first_decision(
    decide: Callable[[int], Decision], start: int, stop: int
) -> tuple[int, Decision] | None:
    """Return the first bar in [start, stop) whose decision is not NONE, with it (the scan
    every per-bar source shares)."""
    none = Action.NONE
    for bar in range(start, stop):
        d = decide(bar)
        if d.action is not none:
            return bar, d
    return None


@dataclass(frozen=True, slots=True)
class Market:
    """The candles as float64 arrays (plus their index) for the simulator."""

    index: pd.DatetimeIndex
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    epoch_us: np.ndarray  # open times as integer microseconds since the epoch (UTC)

    @classmethod
    def from_frame(cls, candles: pd.DataFrame) -> Market:
        def col(name: str) -> np.ndarray:
            return np.ascontiguousarray(candles[name].to_numpy(dtype=np.float64))

        index = candles.index
        assert isinstance(index, pd.DatetimeIndex)
        epoch_us = index.as_unit("us").asi8
        return cls(index, col("open"), col("high"), col("low"), col("close"), epoch_us)

    def __len__(self) -> int:
        return len(self.close)

    def time_at(self, bar: int) -> datetime:
        """Return the open time of ``bar`` (cheaper than boxing a pandas Timestamp)."""
        return _EPOCH + timedelta(microseconds=int(self.epoch_us[bar]))


@dataclass(slots=True)
class RawTrade:
    entry_bar: int
    entry_price: float
    quantity: float
    notional: float
    entry_fee: float
    stop_loss: float | None
    take_profit: float | None
    exit_bar: int = -1
    exit_price: float = 0.0
    exit_fee: float = 0.0
    exit_reason: str = ""
    balance_after: float = 0.0


@dataclass(slots=True)
class Outcome:
    """Everything the simulation produced, in plain numbers."""

    trades: list[RawTrade] = field(default_factory=list)
    #: Non-NONE decisions the fast path acted on or recorded, by bar.
    decisions: dict[int, Decision] = field(default_factory=dict)
    #: State changes (bar, phase, cash, position) in order, to replay the state at any bar.
    changes: list[tuple[int, int, float, Position | None]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    skipped_entries: int = 0  # entry decisions with no balance left to buy
    last_bar: int = -1  # last bar simulated (n - 1 unless cancelled)
    cancelled: bool = False


class _Checkpoints:
    """Progress (at most ~100 reports, monotone) and cancellation every ~1 % of the bars."""

    def __init__(
        self,
        n: int,
        progress: Callable[[float], None] | None,
        should_stop: Callable[[], bool] | None,
    ) -> None:
        self.n = n
        self.step = max(1, -(-n // 100))
        self.progress = progress
        self.should_stop = should_stop
        self.reported = -1.0

    def next_after(self, bar: int) -> int:
        return min(self.n, (bar // self.step + 1) * self.step)

    def reached(self, bar: int) -> bool:
        """Report progress at ``bar`` (bars before it are done); True means stop now."""
        if self.progress is not None and self.n:
            fraction = min(1.0, bar / self.n)
            if fraction > self.reported:
                self.reported = fraction
                self.progress(fraction)
        return bool(self.should_stop is not None and self.should_stop())


def first_stop(
    market: Market, start: int, stop: int, sl: float | None, tp: float | None
) -> int | None:
    """Return the first bar in [start, stop) whose low reaches ``sl`` or high reaches ``tp``."""
    if sl is None and tp is None:
        return None
    lo_level = -np.inf if sl is None else sl
    hi_level = np.inf if tp is None else tp
    size = 32
    a = start
    while a < stop:
        b = min(stop, a + size)
        low, high = market.low[a:b], market.high[a:b]
        if low.min() > lo_level and high.max() < hi_level:  # the common case: nothing hit
            a = b
            size *= 8
            continue
        hit = (low <= lo_level) | (high >= hi_level)
        k = int(hit.argmax())
        if hit[k]:
            return a + k
        a = b
        size *= 8
    return None


class Simulation:
    """One run: cash, the open position and the records, advanced by ``run``."""

    def __init__(self, market: Market, source: DecisionSource, params: BacktestParams) -> None:
        self.m = market
        self.source = source
        self.p = params
        self.cash = float(params.initial_amount)
        self.trade: RawTrade | None = None
        self.position: Position | None = None
        self.out = Outcome()

    def run(
        self,
        progress: Callable[[float], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> Outcome:
        n = len(self.m)
        checks = _Checkpoints(n, progress, should_stop)
        t = 0
        goal = checks.next_after(0)
        while t < n:
            if t >= goal:
                if checks.reached(t):
                    self.out.cancelled = True
                    break
                goal = checks.next_after(t)
            t = self._advance(t, goal)
        if not self.out.cancelled:
            checks.reached(n)
        self.out.last_bar = min(t, n) - 1
        self._close_at_end()
        return self.out

    def _advance(self, t: int, goal: int) -> int:
        """Simulate from bar t (its stops not yet checked) towards ``goal``; return the next
        bar to simulate."""
        if self.trade is None:
            found = self.source.first_entry(t, goal, self.cash)
            if found is None:
                return goal
            bar, decision = found
            self._decide_flat(bar, decision)
            return bar + 1
        trade = self.trade
        sl, tp = trade.stop_loss, trade.take_profit
        if self.source.vectorised:
            signal = self.source.first_exit(t, goal, self.cash, self.position)  # type: ignore[arg-type]
            horizon = signal[0] + 1 if signal is not None else goal
            stop_bar = first_stop(self.m, t, horizon, sl, tp)
        else:
            stop_bar = first_stop(self.m, t, goal, sl, tp)
            limit = stop_bar if stop_bar is not None else goal
            signal = self.source.first_exit(t, limit, self.cash, self.position)  # type: ignore[arg-type]
        if stop_bar is not None and (signal is None or stop_bar <= signal[0]):
            self._stop_out(stop_bar)
            return stop_bar  # S5: the close of the stop bar is evaluated flat
        if signal is None:
            return goal
        bar, decision = signal
        if decision.action is Action.EXIT:
            self.out.decisions[bar] = decision
            self._close(bar, self._market_price(self.m.close[bar], sell=True), "signal")
        else:
            self._record_error(bar, decision)
        return bar + 1

    # -- fills ---------------------------------------------------------------------------

    def _market_price(self, price: float, *, sell: bool) -> float:
        slip = self.p.slippage
        return float(price * (1.0 - slip) if sell else price * (1.0 + slip))

    def _decide_flat(self, bar: int, decision: Decision) -> None:
        if decision.action is not Action.ENTER_LONG:
            self._record_error(bar, decision)
            return
        self.out.decisions[bar] = decision
        price = self._market_price(self.m.close[bar], sell=False)
        fee_rate = self.p.fee_rate
        notional = min(decision.size, self.cash / (1.0 + fee_rate))
        if not notional > 0.0 or not price > 0.0:
            self.out.skipped_entries += 1
            return
        fee = notional * fee_rate
        self.cash -= notional + fee
        sl = price * (1.0 - decision.stop_loss) if decision.stop_loss > 0 else None
        tp = price * (1.0 + decision.take_profit) if decision.take_profit > 0 else None
        qty = notional / price
        self.trade = RawTrade(bar, price, qty, notional, fee, sl, tp)
        self.position = Position("long", qty, price, self.m.time_at(bar), sl, tp)
        self.out.changes.append((bar, CLOSE_PHASE, self.cash, self.position))

    def _stop_out(self, bar: int) -> None:
        trade = self.trade
        assert trade is not None
        o = float(self.m.open[bar])
        sl, tp = trade.stop_loss, trade.take_profit
        if sl is not None and self.m.low[bar] <= sl:  # S3: the stop loss wins
            self._close(bar, self._market_price(min(o, sl), sell=True), "stop_loss", STOP_PHASE)
        else:
            assert tp is not None
            self._close(bar, max(o, tp), "take_profit", STOP_PHASE)

    def _close(self, bar: int, price: float, reason: str, phase: int = CLOSE_PHASE) -> None:
        trade = self.trade
        assert trade is not None
        proceeds = trade.quantity * price
        fee = proceeds * self.p.fee_rate
        self.cash += proceeds - fee
        trade.exit_bar, trade.exit_price, trade.exit_fee = bar, price, fee
        trade.exit_reason, trade.balance_after = reason, self.cash
        self.out.trades.append(trade)
        self.trade = None
        self.position = None
        self.out.changes.append((bar, phase, self.cash, None))

    def _close_at_end(self) -> None:
        trade = self.trade
        if trade is None or self.out.last_bar < 0:
            return
        last = self.out.last_bar
        price = float(self.m.close[last])
        trade.exit_bar, trade.exit_price, trade.exit_fee = last, price, 0.0
        trade.exit_reason = "end"
        trade.balance_after = self.cash + trade.quantity * price
        self.out.trades.append(trade)

    def _record_error(self, bar: int, decision: Decision) -> None:
        if decision.action is Action.ERROR:
            self.out.decisions[bar] = decision
            self.out.errors.append((bar, decision.error or ""))
