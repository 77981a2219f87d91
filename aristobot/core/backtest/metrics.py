"""Performance statistics of a backtest (pure; a JSON-serialisable dict).

Definitions (all returns in %, amounts in quote currency):

- ``total_return_pct`` = final / initial - 1;
  ``buy_hold_return_pct`` = last close / first close - 1.
- A trade wins when its net P&L (fees included) is > 0 and loses when < 0.
- ``profit_factor`` = gross profit / gross loss (None without losing trades).
- ``expectancy`` = win rate x average win - loss rate x average loss (= the average net P&L per
  trade); ``expectancy_ratio`` = expectancy / average loss (what a trade earns per unit lost).
- Drawdown is measured on the equity (marked to each close) from its running peak, the initial
  amount included; its duration is the longest time spent below a previous peak.
- Sharpe = mean / standard deviation (ddof 1) of the per-bar equity returns x sqrt(bars per
  year); Sortino uses the downside deviation sqrt(mean(min(r, 0)^2)); Calmar = annualised
  return / max drawdown. A year is 365 days (crypto trades every day); risk-free rate 0.
- Exposure = share of bars closed with a position open. Trade durations count bars from the
  entry close to the exit bar (to the last bar for a trade still open).

Undefined values (no trade, zero variance, no drawdown) are None, never NaN or inf.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from aristobot.core.backtest.types import TradeRecord

YEAR_SECONDS = 365 * 24 * 3600


def _num(x: float | np.floating | None) -> float | None:
    if x is None:
        return None
    f = float(x)
    return f if math.isfinite(f) else None


def bar_seconds_of(index: pd.Index) -> float | None:
    """Return the bar duration in seconds (the median spacing of a DatetimeIndex)."""
    if not isinstance(index, pd.DatetimeIndex) or len(index) < 2:
        return None
    steps = np.diff(index.asi8[: min(len(index), 10_001)])
    unit = {"s": 1, "ms": 1e3, "us": 1e6, "ns": 1e9}[index.unit]
    return float(np.median(steps)) / unit


def drawdown(equity: np.ndarray, initial: float) -> tuple[float, float, int]:
    """Return (max drawdown as a fraction, its value in quote, longest bars below a peak)."""
    if equity.size == 0:
        return 0.0, 0.0, 0
    peaks = np.maximum.accumulate(np.concatenate(([initial], equity)))[1:]
    dd_value = peaks - equity
    dd_frac = np.divide(dd_value, peaks, out=np.zeros_like(dd_value), where=peaks > 0)
    below = dd_value > 0
    longest = 0
    if below.any():
        # Runs of consecutive bars below the running peak.
        edges = np.flatnonzero(np.diff(np.concatenate(([0], below.view(np.int8), [0]))))
        longest = int((edges[1::2] - edges[::2]).max())
    return float(dd_frac.max()), float(dd_value.max()), longest


def _ratios(
    equity: np.ndarray, initial: float, bars_per_year: float | None, max_dd: float
) -> dict[str, float | None]:
    out: dict[str, float | None] = {"sharpe": None, "sortino": None, "calmar": None,
                                    "annual_return_pct": None}
    if equity.size == 0 or bars_per_year is None or initial <= 0:
        return out
    prev = np.concatenate(([initial], equity[:-1]))
    r = np.divide(equity - prev, prev, out=np.zeros_like(equity), where=prev != 0)
    years = equity.size / bars_per_year
    growth = float(equity[-1]) / initial
    # Annualised via logs: a few bars extrapolated to a year must not overflow (inf -> None).
    exponent = math.log(growth) / years if growth > 0 and years > 0 else math.inf
    annual = math.expm1(exponent) if exponent < 700 else None
    out["annual_return_pct"] = _num(annual * 100) if annual is not None else None
    if r.size >= 2:
        sd = float(np.std(r, ddof=1))
        mean = float(np.mean(r))
        out["sharpe"] = _num(mean / sd * math.sqrt(bars_per_year)) if sd > 0 else None
        downside = math.sqrt(float(np.mean(np.minimum(r, 0.0) ** 2)))
        out["sortino"] = _num(mean / downside * math.sqrt(bars_per_year)) if downside > 0 else None
    if annual is not None and max_dd > 0:
        out["calmar"] = _num(annual / max_dd)
    return out


def _trade_stats(trades: Sequence[TradeRecord], bar_seconds: float | None) -> dict[str, Any]:
    pnl = np.array([t.pnl for t in trades], dtype=np.float64)
    pct = np.array([t.pnl_pct for t in trades], dtype=np.float64) * 100
    bars = np.array([t.exit_bar - t.entry_bar for t in trades], dtype=np.int64)
    wins, losses = pnl[pnl > 0], pnl[pnl < 0]
    n = len(trades)
    gross_profit, gross_loss = float(wins.sum()), float(-losses.sum())
    win_rate = wins.size / n if n else None
    avg_win = float(wins.mean()) if wins.size else 0.0
    avg_loss = float(-losses.mean()) if losses.size else 0.0
    expectancy = (win_rate * avg_win - (losses.size / n) * avg_loss) if win_rate is not None \
        else None
    secs = bar_seconds or 0.0
    return {
        "trades": n,
        "winning_trades": int(wins.size),
        "losing_trades": int(losses.size),
        "win_rate_pct": _num(win_rate * 100) if win_rate is not None else None,
        "best_trade": _num(pnl.max()) if n else None,
        "worst_trade": _num(pnl.min()) if n else None,
        "best_trade_pct": _num(pct.max()) if n else None,
        "worst_trade_pct": _num(pct.min()) if n else None,
        "avg_trade": _num(pnl.mean()) if n else None,
        "avg_trade_pct": _num(pct.mean()) if n else None,
        "avg_win": _num(avg_win) if wins.size else None,
        "avg_loss": _num(-avg_loss) if losses.size else None,
        "gross_profit": gross_profit,
        "gross_loss": -gross_loss,
        "profit_factor": _num(gross_profit / gross_loss) if gross_loss > 0 else None,
        "expectancy": _num(expectancy),
        "expectancy_ratio": _num(expectancy / avg_loss) if expectancy is not None and avg_loss > 0
        else None,
        "total_fees": float(sum(t.fees for t in trades)),
        "avg_trade_bars": _num(bars.mean()) if n else None,
        "max_trade_bars": int(bars.max()) if n else None,
        "avg_trade_duration_s": _num(bars.mean() * secs) if n and bar_seconds else None,
        "max_trade_duration_s": _num(bars.max() * secs) if n and bar_seconds else None,
        "exit_reasons": {r: sum(1 for t in trades if t.exit_reason == r)
                         for r in ("signal", "stop_loss", "take_profit", "end")},
    }


def compute_stats(
    equity: pd.Series,
    trades: Sequence[TradeRecord],
    close: pd.Series,
    initial_amount: float,
    bar_seconds: float | None = None,
) -> dict[str, Any]:
    """Return the statistics of a run (JSON-serialisable: numbers, strings, None).

    ``equity`` is the quote equity at each bar's close, ``close`` the candles' closes over the
    same bars, ``bar_seconds`` the bar duration (inferred from the index when None).
    """
    values = np.asarray(equity, dtype=np.float64)
    closes = np.asarray(close, dtype=np.float64)
    if bar_seconds is None:
        bar_seconds = bar_seconds_of(equity.index)
    bars_per_year = YEAR_SECONDS / bar_seconds if bar_seconds else None
    final = float(values[-1]) if values.size else float(initial_amount)
    max_dd, max_dd_value, dd_bars = drawdown(values, initial_amount)
    held = sum(t.exit_bar - t.entry_bar + (1 if t.exit_reason == "end" else 0) for t in trades)
    stats: dict[str, Any] = {
        "start": equity.index[0].isoformat() if len(equity) else None,
        "end": equity.index[-1].isoformat() if len(equity) else None,
        "bars": int(values.size),
        "bar_seconds": bar_seconds,
        "initial_balance": float(initial_amount),
        "final_balance": final,
        "net_profit": final - float(initial_amount),
        "total_return_pct": _num((final / initial_amount - 1) * 100) if initial_amount else None,
        "buy_hold_return_pct": _num((closes[-1] / closes[0] - 1) * 100)
        if closes.size and closes[0] else None,
        "max_drawdown_pct": max_dd * 100,
        "max_drawdown_value": max_dd_value,
        "max_drawdown_bars": dd_bars,
        "max_drawdown_duration_s": dd_bars * bar_seconds if bar_seconds else None,
        "exposure_pct": held / values.size * 100 if values.size else 0.0,
    }
    stats.update(_ratios(values, float(initial_amount), bars_per_year, max_dd))
    stats.update(_trade_stats(trades, bar_seconds))
    return stats
