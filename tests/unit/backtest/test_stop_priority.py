"""S3 on many bars: whenever a bar reaches both the stop loss and the take profit, the stop
loss wins, in the fast and the exact simulator alike (one hand-built bar is not enough)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.unit.backtest.support import LONG, candles_from, flat_bar, run_both, scripted

NO_COSTS = {"fee_rate": 0.0, "slippage": 0.0}


def _wide_bars(seed: int, n: int = 400) -> list[tuple[float, float, float, float, float]]:
    """Bars whose range often spans both a 2 % stop and a 3 % target; LONG signals often."""
    rng = np.random.default_rng(seed)
    rows, close = [flat_bar(100)], 100.0
    for _ in range(n):
        o = close * (1 + rng.normal(0, 0.01))
        c = o * (1 + rng.normal(0, 0.01))
        h = max(o, c) * (1 + abs(rng.normal(0, 0.025)))
        lo = min(o, c) * (1 - abs(rng.normal(0, 0.025)))
        rows.append((o, h, lo, c, LONG if rng.random() < 0.3 else 0.0))
        close = c
    return rows


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stop_loss_wins_on_every_bar_that_reaches_both(seed: int) -> None:
    candles = candles_from(_wide_bars(seed))
    trades = run_both(candles, scripted(take_profit=0.03), **NO_COSTS).trades
    both = 0
    for t in trades:
        if t.exit_reason not in ("stop_loss", "take_profit"):
            continue
        bar = candles.iloc[t.exit_bar]
        reaches_sl = bar["low"] <= t.stop_loss
        reaches_tp = bar["high"] >= t.take_profit
        both += reaches_sl and reaches_tp
        assert t.exit_reason == ("stop_loss" if reaches_sl else "take_profit"), (t, bar)
        if t.exit_reason == "stop_loss":
            assert t.exit_price == pytest.approx(min(bar["open"], t.stop_loss))
        else:
            assert t.exit_price == pytest.approx(max(bar["open"], t.take_profit))
    assert both >= 3  # the data really exercises S3
