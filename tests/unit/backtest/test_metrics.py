"""Statistics against values computed by hand."""

from __future__ import annotations

import json
import math
import statistics
from datetime import UTC, datetime

import pandas as pd
import pytest

from aristobot.core.backtest import TradeRecord, compute_stats
from aristobot.core.backtest.metrics import YEAR_SECONDS, drawdown

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def trade(entry: int, exit_: int, pnl: float, pct: float, reason: str = "signal") -> TradeRecord:
    return TradeRecord(entry_time=T0, exit_time=None if reason == "end" else T0, side="long",
                       entry_price=100.0, exit_price=100.0, quantity=1.0, fees=1.5, pnl=pnl,
                       pnl_pct=pct, exit_reason=reason, stop_loss=None, take_profit=None,
                       balance_after=0.0, entry_bar=entry, exit_bar=exit_)


EQUITY = [1000.0, 1100.0, 990.0, 1045.0, 1210.0]
CLOSES = [100.0, 105.0, 99.0, 101.0, 110.0]
TRADES = [trade(0, 1, 100.0, 0.10), trade(1, 3, -50.0, -0.05), trade(3, 4, 30.0, 0.03, "end")]


def series(values: list[float], step: str = "1h") -> pd.Series:
    return pd.Series(values, index=pd.date_range(T0, periods=len(values), freq=step))


def test_trade_statistics() -> None:
    s = compute_stats(series(EQUITY), TRADES, series(CLOSES), 1000.0)
    assert s["trades"] == 3 and s["winning_trades"] == 2 and s["losing_trades"] == 1
    assert s["win_rate_pct"] == pytest.approx(200 / 3)
    assert (s["best_trade"], s["worst_trade"]) == (100.0, -50.0)
    assert (s["best_trade_pct"], s["worst_trade_pct"]) == (pytest.approx(10.0), -5.0)
    assert s["avg_trade"] == pytest.approx(80 / 3)
    assert s["avg_trade_pct"] == pytest.approx((10 - 5 + 3) / 3)
    assert s["profit_factor"] == pytest.approx(130 / 50)
    assert s["expectancy"] == pytest.approx(2 / 3 * 65 - 1 / 3 * 50)
    assert s["expectancy_ratio"] == pytest.approx((2 / 3 * 65 - 1 / 3 * 50) / 50)
    assert s["total_fees"] == 4.5
    assert s["avg_trade_bars"] == pytest.approx(4 / 3) and s["max_trade_bars"] == 2
    assert s["avg_trade_duration_s"] == pytest.approx(4 / 3 * 3600)
    assert s["max_trade_duration_s"] == 7200
    assert s["exposure_pct"] == 100.0  # held at the closes of bars 0, 1, 2, 3 and 4
    assert s["exit_reasons"] == {"signal": 2, "stop_loss": 0, "take_profit": 0, "end": 1}


def test_returns_and_drawdown() -> None:
    s = compute_stats(series(EQUITY), TRADES, series(CLOSES), 1000.0)
    assert (s["initial_balance"], s["final_balance"]) == (1000.0, 1210.0)
    assert s["net_profit"] == pytest.approx(210.0)
    assert s["total_return_pct"] == pytest.approx(21.0)
    assert s["buy_hold_return_pct"] == pytest.approx(10.0)
    # Peak 1100 at bar 1, trough 990 at bar 2: -10 %; below the peak during bars 2 and 3.
    assert s["max_drawdown_pct"] == pytest.approx(10.0)
    assert s["max_drawdown_value"] == pytest.approx(110.0)
    assert s["max_drawdown_bars"] == 2 and s["max_drawdown_duration_s"] == 7200
    assert s["bar_seconds"] == 3600 and s["bars"] == 5
    assert s["start"] == "2024-01-01T00:00:00+00:00" and s["end"] == "2024-01-01T04:00:00+00:00"


def test_sharpe_sortino_calmar() -> None:
    # Five bars make exactly one year here, so the annualised return is the total return.
    bar = YEAR_SECONDS / 5
    s = compute_stats(series(EQUITY), TRADES, series(CLOSES), 1000.0, bar_seconds=bar)
    returns = [0.0, 0.1, -0.1, 55 / 990, 165 / 1045]
    mean = statistics.mean(returns)
    assert s["sharpe"] == pytest.approx(mean / statistics.stdev(returns) * math.sqrt(5))
    assert s["sortino"] == pytest.approx(mean / math.sqrt(0.1**2 / 5) * math.sqrt(5))
    assert s["annual_return_pct"] == pytest.approx(21.0)
    assert s["calmar"] == pytest.approx(0.21 / 0.10)


def test_undefined_values_are_none_and_everything_is_json() -> None:
    flat = compute_stats(series([1000.0] * 4), [], series([10.0] * 4), 1000.0)
    for key in ("sharpe", "sortino", "calmar", "profit_factor", "win_rate_pct", "best_trade",
                "avg_trade", "expectancy", "max_trade_bars"):
        assert flat[key] is None, key
    assert flat["max_drawdown_pct"] == 0.0 and flat["exposure_pct"] == 0.0
    json.dumps(flat, allow_nan=False)
    only_wins = compute_stats(series(EQUITY), [TRADES[0]], series(CLOSES), 1000.0)
    assert only_wins["profit_factor"] is None and only_wins["expectancy_ratio"] is None
    json.dumps(compute_stats(series(EQUITY), TRADES, series(CLOSES), 1000.0), allow_nan=False)


def test_drawdown_counts_from_the_initial_amount() -> None:
    import numpy as np

    frac, value, bars = drawdown(np.array([900.0, 950.0, 1000.0, 1001.0]), 1000.0)
    assert (frac, value, bars) == (pytest.approx(0.1), 100.0, 2)
    assert drawdown(np.array([]), 1000.0) == (0.0, 0.0, 0)
