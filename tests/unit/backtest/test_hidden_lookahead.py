"""Look-ahead that hides where the fast path did nothing is still caught.

Four strategies, each on synthetic candles and on the real Binance files of the shared data set
(skipped, that case only, when the files are absent): the EMA example with a veto peeking one
bar ahead, a window-dependent one, an ``__init__`` that fails on short windows, and one whose
look-ahead only acts on exits. Each layer of the check is also shown to catch them alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aristobot.backtest.synthetic import synthetic_candles
from aristobot.core.backtest import BacktestParams, lookahead, run_backtest, runner
from aristobot.core.backtest.sampling import guarantee_pct, plan
from aristobot.core.strategy_loader import load_strategy
from aristobot.strategies.examples import EMA_CROSS_EXAMPLE_CLASSIC as EMA
from tests.unit.backtest.support import shared_ohlcv

CROSS = "return ema10_prev < ema20_prev and ema10_now > ema20_now"
EXIT_CROSS = "return ema10_prev > ema20_prev and ema10_now < ema20_now"
NEXT_COLUMN = ('self.candles["ema20"] = ta.ema(self.candles["close"], length=20)\n'
               '        self.candles["next"] = self.candles["close"].shift(-1)')
EMA20 = 'self.candles["ema20"] = ta.ema(self.candles["close"], length=20)'

#: The issue's veto, written as is in ``should_long``.
VETO_AS_WRITTEN = EMA.replace(CROSS, CROSS + ' and self.candles["close"].shift(-1).iloc[-1]'
                              ' > self.candles["close"].iloc[-1]', 1)
#: The same veto with the next close computed in ``__init__``: it only removes entries, so it
#: shows only on bars where the fast path did nothing (live, the next close is NaN: no veto).
HIDDEN_VETO = EMA.replace(EMA20, NEXT_COLUMN, 1).replace(
    CROSS, CROSS + ' and not (self.candles["next"].iloc[-1] < self.candles["close"].iloc[-1])',
    1)
#: Entries honest, exits on the next candle's fall.
EXIT_ONLY = EMA.replace(EMA20, NEXT_COLUMN, 1).replace(
    EXIT_CROSS, 'return self.candles["next"].iloc[-1] < self.candles["close"].iloc[-1] * 0.999',
    1)
#: An expanding mean over everything it is given: live sees 100 candles, the fast path all.
WINDOW_DEPENDENT = '''class Cumulative(Strategy):
    def __init__(self, candles, balance, position=None):
        super().__init__(candles, balance, position)
        self.mean = self.candles["close"].expanding().mean()

    def should_long(self) -> bool:
        return self.candles["close"].iloc[-1] > self.mean.iloc[-1] * 1.002

    def should_short(self) -> bool:
        return self.candles["close"].iloc[-1] < self.mean.iloc[-1]

    def calculate_position_size(self) -> float:
        return 100.0

    def calculate_stop_loss(self) -> float:
        return 0.0

    def calculate_take_profit(self) -> float:
        return 0.0
'''
#: Refuses short histories: live, the first 49 bars raise.
SHORT_INIT = EMA.replace(
    "        self.position = position\n",
    "        self.position = position\n        if len(candles) < 50:\n"
    "            raise ValueError('historique trop court')\n", 1)

FLAGGED = {"hidden-veto": HIDDEN_VETO, "window-dependent": WINDOW_DEPENDENT,
           "init-fails-on-short-windows": SHORT_INIT, "exit-only": EXIT_ONLY}
PARAMS = BacktestParams(window=100, fee_rate=0.0)
REAL_FILES = ("binanceus_BTCUSDT_1m_20230301_20230321.csv",
              "nautilus_BTC-PERP_1m_20211231_20220201.csv.gz")


@pytest.fixture(scope="module")
def candles() -> pd.DataFrame:
    return synthetic_candles(4000, seed=5)


def real(name: str) -> pd.DataFrame:
    frame = shared_ohlcv(name)
    if frame is None:
        pytest.skip(f"shared data set absent ({name})")
    return frame


@pytest.fixture(autouse=True)
def _no_exact_rerun(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "EXACT_BESIDE_MAX_BARS", 0)  # one test below keeps it


def _assert_flagged(frame: pd.DataFrame, code: str) -> None:
    result = run_backtest(frame, load_strategy(code), PARAMS)
    report = result.lookahead
    assert report is not None and report.verified
    assert not report.ok and report.mismatches, report.summary
    assert report.details and report.details[0].startswith("Barre ")


@pytest.mark.parametrize("code", FLAGGED.values(), ids=FLAGGED.keys())
def test_caught_on_synthetic_candles(candles: pd.DataFrame, code: str) -> None:
    _assert_flagged(candles, code)


@pytest.mark.parametrize("name", REAL_FILES)
@pytest.mark.parametrize("code", FLAGGED.values(), ids=FLAGGED.keys())
def test_caught_on_the_real_binance_files(name: str, code: str) -> None:
    _assert_flagged(real(name), code)


@pytest.mark.parametrize("code", [HIDDEN_VETO, EXIT_ONLY], ids=["hidden-veto", "exit-only"])
def test_the_sampled_decisions_alone_catch_it(monkeypatch: pytest.MonkeyPatch,
                                              candles: pd.DataFrame, code: str) -> None:
    # Without the causality cuts, the near misses and the bars around trades still find it.
    monkeypatch.setattr(lookahead, "cut_points", lambda *a, **k: [])
    result = run_backtest(candles, load_strategy(code), PARAMS)
    assert result.lookahead is not None and result.lookahead.cuts == 0
    assert not result.lookahead.ok
    assert any("chemin exact" in d for d in result.lookahead.details)


def test_the_causality_cuts_alone_catch_it(candles: pd.DataFrame) -> None:
    result = run_backtest(candles, load_strategy(HIDDEN_VETO),
                          BacktestParams(window=100, fee_rate=0.0, check_samples=1))
    report = result.lookahead
    assert report is not None and not report.ok
    assert any("« next » change quand les bougies après la barre" in d
               for d in report.details), report.details


def test_short_windows_failing_init_is_named(candles: pd.DataFrame) -> None:
    report = run_backtest(candles, load_strategy(SHORT_INIT), PARAMS).lookahead
    assert report is not None and not report.ok
    assert any("historique trop court" in d for d in report.details)
    assert 0 in report.mismatches  # bar 0: a window of one candle


def test_near_misses_hold_the_vetoed_bars(candles: pd.DataFrame) -> None:
    from aristobot.core.backtest.fast_path import ViewSource

    traced = ViewSource(load_strategy(HIDDEN_VETO), candles, 100, 10_000.0).trace()
    assert traced.near_long is not None
    smallest = traced.near_long[0]
    close = candles["close"].to_numpy()
    # The smallest class: EMA crosses the veto removed (next close below this one).
    assert len(smallest) and (close[smallest + 1] < close[smallest]).all()
    sample = plan(len(candles), 100, [], traced.near_long, 200, seed=1)
    assert len(set(smallest.tolist()) & set(sample.bars)) >= min(len(smallest), 5)


def test_the_veto_as_written_is_never_reported_wrongly(candles: pd.DataFrame) -> None:
    # ``shift`` inside should_long runs on the real window (views): fast and exact agree, and
    # the verdict must say so; were the fast path biased, it must say that instead.
    frame = candles.iloc[:800]
    strategy_cls = load_strategy(VETO_AS_WRITTEN)
    fast = run_backtest(frame, strategy_cls, PARAMS)
    exact = run_backtest(frame, strategy_cls, BacktestParams(window=100, fee_rate=0.0,
                                                             mode="exact"))
    assert fast.lookahead is not None and fast.lookahead.verified
    assert fast.lookahead.ok == (fast.trades == exact.trades)


def test_hidden_veto_shows_the_exact_result_beside(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "EXACT_BESIDE_MAX_BARS", 10_000)
    frame = synthetic_candles(700, seed=5)
    strategy_cls = load_strategy(HIDDEN_VETO)
    fast = run_backtest(frame, strategy_cls, PARAMS)
    exact = run_backtest(frame, strategy_cls, BacktestParams(window=100, fee_rate=0.0,
                                                             mode="exact"))
    assert fast.lookahead is not None and not fast.lookahead.ok
    beside = fast.meta["exact"]
    assert beside["trades"] == len(exact.trades) != len(fast.trades)
    assert beside["total_return_pct"] == pytest.approx(exact.stats["total_return_pct"])


def test_no_check_is_not_verified(candles: pd.DataFrame) -> None:
    result = run_backtest(candles, load_strategy(EMA),
                          BacktestParams(window=100, check_samples=0))
    report = result.lookahead
    assert report is not None and not report.verified and not report.ok
    assert report.checked_bars == 0 and report.summary.startswith("Non vérifié")


def test_full_verification_checks_every_bar(candles: pd.DataFrame) -> None:
    frame = candles.iloc[:600]
    ok = run_backtest(frame, load_strategy(EMA),
                      BacktestParams(window=100, fee_rate=0.0, full_check=True)).lookahead
    assert ok is not None and ok.ok and ok.full and ok.checked_bars == 600
    bad = run_backtest(frame, load_strategy(HIDDEN_VETO),
                       BacktestParams(window=100, fee_rate=0.0, full_check=True)).lookahead
    assert bad is not None and not bad.ok and bad.full


def test_the_guarantee_follows_the_uniform_count() -> None:
    assert guarantee_pct(0) is None
    # 60 uniform bars: a divergence on 4.9 % of the bars escapes with probability 0.05.
    x = guarantee_pct(60)
    assert x is not None and (1 - x / 100) ** 60 == pytest.approx(0.05)
    sample = plan(100_000, 500, [(1000, 1010), (5000, 5003)], None, 200, seed=3)
    assert {999, 1000, 1001, 1009, 1010, 1011, 4999, 5000, 5004} <= set(sample.bars)
    assert {0, 1, 2, 498, 499} <= set(sample.bars)
    assert sample.bars == sorted(set(sample.bars)) and len(sample.bars) <= 200 + 7
    assert sample.uniform == 60 and guarantee_pct(60) == pytest.approx(4.87, abs=0.01)
    assert len(plan(100_000, 500, [(1000, 1010)], None, 1, seed=3).bars) <= 1 + 7
    assert plan(100, 500, [], None, 0, seed=1).bars == []
    assert np.all(np.diff(plan(50, 10, [], None, 200, seed=1).bars) > 0)
