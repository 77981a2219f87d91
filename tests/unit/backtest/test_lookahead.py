"""The sampled exact check flags strategies that read the future, and only those."""

from __future__ import annotations

import pandas as pd
import pytest

from aristobot.backtest.synthetic import synthetic_candles
from aristobot.core.backtest import BacktestParams, run_backtest, runner
from aristobot.core.strategy_loader import load_strategy
from aristobot.strategies.examples import EMA_CROSS_EXAMPLE

BIASED = '''import pandas_ta_classic as ta

class Voyante(Strategy):
    def __init__(self, candles, balance, position=None):
        self.candles = candles
        self.balance = balance
        self.position = position
        self.candles["next_close"] = self.candles["close"].shift(-1)

    def should_long(self) -> bool:
        return self.candles["next_close"].iloc[-1] > self.candles["close"].iloc[-1] * 1.001

    def should_short(self) -> bool:
        return self.candles["next_close"].iloc[-1] < self.candles["close"].iloc[-1]

    def calculate_position_size(self) -> float:
        return self.balance * 0.1

    def calculate_stop_loss(self) -> float:
        return 0.0

    def calculate_take_profit(self) -> float:
        return 0.0
'''

CENTRED = '''class Centree(Strategy):
    def __init__(self, candles, balance, position=None):
        super().__init__(candles, balance, position)
        self.smooth = self.candles["close"].rolling(9, center=True).mean()

    def should_long(self) -> bool:
        if len(self.candles) < 2:
            return False
        return self.smooth.iloc[-1] > self.smooth.iloc[-2]

    def should_short(self) -> bool:
        return self.smooth.iloc[-1] < self.smooth.iloc[-2]

    def calculate_position_size(self) -> float:
        return 1000.0

    def calculate_stop_loss(self) -> float:
        return 0.0

    def calculate_take_profit(self) -> float:
        return 0.0
'''


@pytest.fixture(scope="module")
def candles() -> pd.DataFrame:
    return synthetic_candles(3000, seed=11)


@pytest.fixture(autouse=True)
def _no_exact_rerun(monkeypatch: pytest.MonkeyPatch) -> None:
    # The exact-mode figures beside a flagged run have their own test (test_hidden_lookahead).
    monkeypatch.setattr(runner, "EXACT_BESIDE_MAX_BARS", 0)


@pytest.mark.parametrize("code", [BIASED, CENTRED], ids=["shift-minus-1", "centred-window"])
def test_a_strategy_reading_the_future_is_flagged(candles: pd.DataFrame, code: str) -> None:
    strategy_cls = load_strategy(code)
    result = run_backtest(candles, strategy_cls, BacktestParams(window=100, fee_rate=0.0))
    report = result.lookahead
    assert report is not None and not report.ok
    assert report.mismatches and list(report.mismatches) == sorted(report.mismatches)
    assert report.details[0].startswith(f"Barre {report.mismatches[0]} (")
    assert "chemin rapide" in report.details[0] and "chemin exact" in report.details[0]
    # The fast run believes in a crystal ball; the exact rerun shows the honest truth.
    honest = run_backtest(candles, strategy_cls,
                          BacktestParams(window=100, fee_rate=0.0, mode="exact"))
    assert honest.lookahead is not None and honest.lookahead.ok
    assert result.trades != honest.trades
    if code is BIASED:
        assert result.stats["win_rate_pct"] > 90  # the crystal ball...
        assert honest.stats["trades"] == 0  # ...is NaN on the last candle live


def test_no_false_alarm_on_the_seed_ema_example(candles: pd.DataFrame) -> None:
    result = run_backtest(candles, load_strategy(EMA_CROSS_EXAMPLE), BacktestParams())
    assert result.lookahead is not None
    assert result.lookahead.ok and result.lookahead.mismatches == ()
    assert result.lookahead.verified and result.lookahead.cuts >= 4
    assert result.lookahead.checked_bars >= 60
    assert "Une divergence touchant plus de" in result.lookahead.summary
    assert len(result.trades) > 20


def test_window_dependence_is_flagged_too(candles: pd.DataFrame) -> None:
    code = '''class Cumulative(Strategy):
    def should_long(self) -> bool:
        c = self.candles["close"]
        return c.iloc[-1] > c.expanding().mean().iloc[-1] * 1.002

    def should_short(self) -> bool:
        return True

    def calculate_position_size(self) -> float:
        return 100.0

    def calculate_stop_loss(self) -> float:
        return 0.0

    def calculate_take_profit(self) -> float:
        return 0.0
'''
    # A long history through a short window: the fast path sees the same slice, so this is
    # honest... but an __init__-time expanding mean is not.
    init_code = '''class CumulativeInit(Strategy):
    def __init__(self, candles, balance, position=None):
        super().__init__(candles, balance, position)
        self.mean = self.candles["close"].expanding().mean()

    def should_long(self) -> bool:
        return self.candles["close"].iloc[-1] > self.mean.iloc[-1] * 1.002

    def should_short(self) -> bool:
        return True

    def calculate_position_size(self) -> float:
        return 100.0

    def calculate_stop_loss(self) -> float:
        return 0.0

    def calculate_take_profit(self) -> float:
        return 0.0
'''
    honest = run_backtest(candles, load_strategy(code), BacktestParams(window=50))
    assert honest.lookahead is not None and honest.lookahead.ok
    dependent = run_backtest(candles, load_strategy(init_code), BacktestParams(window=50))
    assert dependent.lookahead is not None and not dependent.lookahead.ok
