"""``run_backtest``: validate, pick the fastest honest engine, simulate, prove, summarise.

Engines, fastest first (``meta["engine"]`` says which one ran):

- ``trace``: the decision methods traced once over all full-window bars (``tracing.py``),
  confirmed per bar wherever the simulator acts on a signal;
- ``view``: the strategy built once, asked bar by bar through windowed views (``fast_view.py``);
- ``exact``: a new strategy on the trailing window at every bar (``params.mode == "exact"``, or
  when the strategy defeats the views).

A fast run is always followed by the exactness check (``lookahead.py``).
"""

from __future__ import annotations

import gc
import logging
import math
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from aristobot.core.backtest import forked
from aristobot.core.backtest import messages as msg
from aristobot.core.backtest.exact import ExactSource
from aristobot.core.backtest.fast_path import TraceMismatch, ViewSource
from aristobot.core.backtest.fast_view import FastPathUnsupported
from aristobot.core.backtest.lookahead import EarlyCuts, check_exactness
from aristobot.core.backtest.metrics import compute_stats
from aristobot.core.backtest.simulator import DecisionSource, Market, Outcome, Simulation
from aristobot.core.backtest.types import (
    BacktestParams,
    BacktestResult,
    LookaheadReport,
    TradeRecord,
)
from aristobot.core.strategy_api import Action, InvalidParams, Strategy, with_params
from aristobot.errors import ValidationError

log = logging.getLogger(__name__)

COLUMNS = ("open", "high", "low", "close", "volume")
#: Share of the progress bar given to the simulation (the rest: the exactness check).
SIMULATION_SHARE = 0.9
#: A flagged run is also simulated in exact mode, to show both, up to this many bars.
EXACT_BESIDE_MAX_BARS = 10_000


def validate_inputs(candles: pd.DataFrame, params: BacktestParams) -> pd.DataFrame:
    """Return the candles as float64 OHLCV, or raise a French ``ValidationError``."""
    if params.mode not in ("fast", "exact"):
        raise ValidationError(reason=msg.unknown_mode(params.mode))
    checks = (
        (math.isfinite(params.initial_amount) and params.initial_amount > 0,
         msg.BAD_INITIAL_AMOUNT),
        (0 <= params.fee_rate < 1, msg.BAD_FEES),
        (0 <= params.slippage < 1, msg.BAD_SLIPPAGE),
        (int(params.window) >= 1, msg.BAD_WINDOW),
        (int(params.check_samples) >= 0, msg.BAD_CHECK_SAMPLES),
    )
    for ok, text in checks:
        if not ok:
            raise ValidationError(reason=text)
    if not isinstance(candles, pd.DataFrame):
        raise ValidationError(reason=msg.NOT_A_FRAME)
    missing = [c for c in COLUMNS if c not in candles.columns]
    if missing:
        raise ValidationError(reason=msg.missing_columns(missing))
    index = candles.index
    if len(candles) == 0:
        raise ValidationError(reason=msg.NO_CANDLES)
    if not isinstance(index, pd.DatetimeIndex) or index.tz is None:
        raise ValidationError(reason=msg.NOT_UTC_INDEXED)
    if not index.is_monotonic_increasing or index.has_duplicates:
        raise ValidationError(reason=msg.NOT_SORTED)
    frame = candles[list(COLUMNS)].astype(np.float64)
    prices = frame[["open", "high", "low", "close"]].to_numpy()
    if not np.isfinite(prices).all() or (prices <= 0).any():
        raise ValidationError(reason=msg.BAD_PRICES)
    return frame


class _Progress:
    """Monotone, scaled progress reports (a fallback restart never moves the bar back)."""

    def __init__(self, sink: Callable[[float], None] | None) -> None:
        self.sink = sink
        self.last = -1.0

    def scaled(self, lo: float, hi: float) -> Callable[[float], None] | None:
        if self.sink is None:
            return None
        return lambda f: self(lo + (hi - lo) * f)

    def __call__(self, fraction: float) -> None:
        if self.sink is not None and fraction > self.last:
            self.last = fraction
            self.sink(fraction)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the simulation allocates its many small,
    long-lived records (trades, positions, decisions): its full passes over them cost ~15 %
    of a fast run. Nothing cyclic is created meanwhile; the previous state is restored."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _simulate(
    market: Market,
    candles: pd.DataFrame,
    strategy_cls: type[Strategy],
    params: BacktestParams,
    progress: Callable[[float], None] | None,
    should_stop: Callable[[], bool] | None,
    meta: dict[str, Any],
    on_view: Callable[[ViewSource], None] | None = None,
) -> tuple[Outcome, DecisionSource]:
    """Run the fastest engine that works, falling back when one gives up; return the outcome
    and the source that gave it. ``on_view(view)`` is called once the fast path's full
    instance is built, before the simulation."""
    source: DecisionSource | None = None
    if params.mode == "fast":
        try:
            view = ViewSource(strategy_cls, candles, params.window, params.initial_amount)
            if on_view is not None:
                on_view(view)
            source, meta["engine"] = view, "view"
            try:
                source, meta["engine"] = view.trace(), "trace"
            except Exception as e:  # noqa: BLE001 - any trouble while tracing: go per bar
                meta["trace_fallback"] = f"{type(e).__name__}: {e}"
        except FastPathUnsupported as e:
            meta["fallback"] = str(e)
    while True:
        if source is None:
            source, meta["engine"] = ExactSource(strategy_cls, candles, params.window), "exact"
        try:
            with _gc_paused():
                return Simulation(market, source, params).run(progress, should_stop), source
        except TraceMismatch as e:
            meta["trace_fallback"] = str(e)
            source, meta["engine"] = source.view, "view"  # type: ignore[attr-defined]
        except FastPathUnsupported as e:
            meta["fallback"] = str(e)
            source = None


def _records(market: Market, outcome: Outcome) -> tuple[TradeRecord, ...]:
    raw = outcome.trades
    if not raw:
        return ()
    entries = market.index[[t.entry_bar for t in raw]].to_pydatetime()
    exits = market.index[[t.exit_bar for t in raw]].to_pydatetime()
    out = []
    for t, entry_time, exit_time in zip(raw, entries, exits, strict=True):
        still_open = t.exit_reason == "end"
        pnl = t.quantity * t.exit_price - t.exit_fee - t.notional - t.entry_fee
        out.append(TradeRecord(
            entry_time=entry_time, exit_time=None if still_open else exit_time, side="long",
            entry_price=t.entry_price, exit_price=t.exit_price, quantity=t.quantity,
            fees=t.entry_fee + t.exit_fee, pnl=pnl, pnl_pct=pnl / t.notional,
            exit_reason=t.exit_reason, stop_loss=t.stop_loss, take_profit=t.take_profit,
            balance_after=t.balance_after, entry_bar=t.entry_bar, exit_bar=t.exit_bar,
        ))
    return tuple(out)


def _equity(market: Market, outcome: Outcome, initial: float) -> pd.Series:
    n = outcome.last_bar + 1
    index = market.index[:n]
    if not outcome.changes:
        return pd.Series(np.full(n, initial), index=index, name="equity")
    bars = np.fromiter((c[0] for c in outcome.changes), dtype=np.int64)
    cash = np.fromiter((c[2] for c in outcome.changes), dtype=np.float64)
    qty = np.fromiter((c[3].quantity if c[3] else 0.0 for c in outcome.changes), np.float64)
    last = np.searchsorted(bars, np.arange(n), side="right") - 1
    known = last >= 0
    pick = np.where(known, last, 0)
    values = np.where(known, cash[pick] + qty[pick] * market.close[:n], initial)
    return pd.Series(values, index=index, name="equity")


def _summary(market: Market, outcome: Outcome, frame: pd.DataFrame,
             params: BacktestParams) -> tuple[tuple[TradeRecord, ...], pd.Series, dict[str, Any]]:
    trades = _records(market, outcome)
    equity = _equity(market, outcome, float(params.initial_amount))
    stats = compute_stats(equity, trades, frame["close"].iloc[: len(equity)],
                          float(params.initial_amount))
    return trades, equity, stats


def _exact_beside(market: Market, frame: pd.DataFrame, strategy_cls: type[Strategy],
                  params: BacktestParams,
                  should_stop: Callable[[], bool] | None) -> dict[str, Any] | None:
    """The exact-mode figures of a run the check flagged (short runs only: exact mode costs
    about a millisecond per bar), for the report to show beside the fast ones."""
    if len(frame) > EXACT_BESIDE_MAX_BARS:
        return None
    started = time.perf_counter()
    exact_params = replace(params, mode="exact")
    outcome, _ = _simulate(market, frame, strategy_cls, exact_params, None, should_stop, {})
    if outcome.cancelled:
        return None
    trades, _, stats = _summary(market, outcome, frame, exact_params)
    return {"trades": len(trades), "total_return_pct": stats.get("total_return_pct"),
            "final_balance": stats.get("final_balance"),
            "seconds": time.perf_counter() - started}


def run_backtest(
    candles: pd.DataFrame,
    strategy_cls: type[Strategy],
    params: BacktestParams,
    progress: Callable[[float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    *,
    strategy_params: Mapping[str, Any] | None = None,
) -> BacktestResult:
    """Simulate ``strategy_cls`` on ``candles`` (see ``simulator`` for the semantics).

    ``strategy_params`` override the strategy's declared ``params`` for this run
    (``strategy_api.with_params``; unknown names or wrong types raise ``ValidationError``).

    ``progress`` receives increasing fractions in [0, 1] (about 100 times at most);
    ``should_stop()`` returning True ends the run early with ``cancelled=True`` and the partial
    result. Bad inputs raise ``ValidationError``; exceptions raised by the strategy's code
    propagate unchanged (the worker reports them with the user's line number).

    A fast run is checked against the exact path (``lookahead``) while its trades, equity and
    statistics are assembled; when the check finds a difference on a short run, the exact-mode
    figures are added to ``meta["exact"]``.
    """
    started = time.perf_counter()
    try:
        strategy_cls = with_params(strategy_cls, strategy_params)
    except InvalidParams as e:
        raise ValidationError(reason=str(e)) from None
    frame = validate_inputs(candles, params)
    market = Market.from_frame(frame)
    report = _Progress(progress)
    meta: dict[str, Any] = {"bars": len(frame)}
    early: list[EarlyCuts] = []

    def start_cuts(view: ViewSource) -> None:
        # The causality cuts need only the full instance: on another core while this one
        # simulates (one core: none to spare, they run with the sampled bars instead).
        if (params.check_samples > 0 or params.full_check) and forked.cores() > 1:
            early.append(EarlyCuts(strategy_cls, frame, params, view, len(frame)))

    try:
        return _run(market, frame, strategy_cls, params, report, should_stop, meta, early,
                    start_cuts, started)
    finally:
        for cuts in early:
            cuts.cancel()


def _run(market: Market, frame: pd.DataFrame, strategy_cls: type[Strategy],
         params: BacktestParams, report: _Progress, should_stop: Callable[[], bool] | None,
         meta: dict[str, Any], early: list[EarlyCuts],
         start_cuts: Callable[[ViewSource], None], started: float) -> BacktestResult:
    outcome, source = _simulate(market, frame, strategy_cls, params,
                                report.scaled(0.0, SIMULATION_SHARE), should_stop, meta,
                                start_cuts)
    summary: list[tuple[tuple[TradeRecord, ...], pd.Series, dict[str, Any]]] = []

    def assemble() -> None:
        summary.append(_summary(market, outcome, frame, params))

    lookahead: LookaheadReport | None = None
    if params.mode == "exact":
        lookahead = LookaheadReport(
            checked_bars=outcome.last_bar + 1, mismatches=(), ok=True,
            details=(msg.EXACT_MODE,), summary=msg.EXACT_MODE,
            full=True)
    elif not outcome.cancelled:
        check_started = time.perf_counter()
        lookahead, interrupted = check_exactness(
            strategy_cls, frame, params, outcome, should_stop,
            report.scaled(SIMULATION_SHARE, 1.0), source=source, meanwhile=assemble,
            full=params.full_check, early=early[0] if early else None)
        outcome.cancelled = interrupted
        meta["check_seconds"] = time.perf_counter() - check_started
        meta["check_processes"] = forked.last_processes
        if lookahead.verified and not lookahead.ok and not interrupted:
            meta["exact"] = _exact_beside(market, frame, strategy_cls, params, should_stop)
    if not summary:
        assemble()
    trades, equity, stats = summary[0]
    # ``valid_decisions`` (entries and exits the strategy asked for, even when no balance was
    # left to buy) tells a few failed decisions from a strategy that never decides anything
    # valid (``errors > 0`` and ``valid_decisions == 0``).
    valid = sum(1 for d in outcome.decisions.values() if d.action is not Action.ERROR)
    meta.update(errors=len(outcome.errors), skipped_entries=outcome.skipped_entries,
                first_error=outcome.errors[0] if outcome.errors else None,
                valid_decisions=valid)
    if not outcome.cancelled:
        report(1.0)
    meta["seconds"] = time.perf_counter() - started
    meta["candles_per_second"] = len(equity) / meta["seconds"] if meta["seconds"] > 0 else None
    log.info("backtest: %d bars, %d trades, engine %s, %.3f s", len(equity), len(trades),
             meta.get("engine"), meta["seconds"])
    return BacktestResult(params=params, trades=trades, equity=equity, stats=stats,
                          lookahead=lookahead, cancelled=outcome.cancelled, meta=meta)
