"""The exactness check does no needless work, and what it saves changes nothing it reports.

Counted in work (calls of the user's ``__init__``), never in time: the sample follows the run's
length with its guarantee stated, and a cut that is also a sampled bar's exact window builds the
strategy once for both.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from aristobot.backtest.synthetic import synthetic_candles
from aristobot.core.backtest import BacktestParams, forked, lookahead, run_backtest, runner
from aristobot.core.backtest.sampling import (
    FULL_RUN,
    MIN_UNIFORM,
    UNIFORM,
    guarantee_pct,
    plan,
    uniform_count,
)
from aristobot.core.strategy_loader import load_strategy
from aristobot.strategies.examples import EMA_CROSS_EXAMPLE_CLASSIC as EMA
from tests.unit.backtest.test_hidden_lookahead import FLAGGED

PARAMS = BacktestParams(window=100, fee_rate=0.0)


@pytest.fixture(scope="module")
def candles() -> pd.DataFrame:
    return synthetic_candles(3000, seed=11)


@pytest.fixture(autouse=True)
def _one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every piece in this process, so that its calls can be counted here.
    monkeypatch.setattr(forked, "cores", lambda: 1)
    monkeypatch.setattr(runner, "EXACT_BESIDE_MAX_BARS", 0)


def _unpaired(items: list[tuple[str, int]], params: BacktestParams, replay: Any,
              pair: bool = True) -> list[list[int]]:
    return [[i] for i in range(len(items))]


def test_the_uniform_share_follows_the_run_and_states_its_guarantee() -> None:
    assert uniform_count(FULL_RUN) == uniform_count(10 * FULL_RUN) == UNIFORM
    assert uniform_count(10_000) == MIN_UNIFORM < uniform_count(30_000) < UNIFORM
    assert uniform_count(12) == 12
    x = guarantee_pct(MIN_UNIFORM)
    assert x is not None and x < 10.0  # the weakest guarantee stated stays under 10 %
    assert plan(10_000, 500, [], None, 200, seed=1).uniform == MIN_UNIFORM
    assert plan(10_000, 500, [], None, 20, seed=1).uniform == 12  # the budget still caps it


def test_a_cut_and_its_bar_share_one_init(monkeypatch: pytest.MonkeyPatch,
                                          candles: pd.DataFrame) -> None:
    strategy_cls = load_strategy(EMA)
    calls = [0]
    original = strategy_cls.__init__

    def counted(self: Any, *args: Any, **kwargs: Any) -> None:
        calls[0] += 1
        original(self, *args, **kwargs)

    monkeypatch.setattr(strategy_cls, "__init__", counted)
    pairs: list[int] = []
    grouped = lookahead._units

    def units(*args: Any, **kwargs: Any) -> list[list[int]]:
        out = grouped(*args, **kwargs)
        pairs.append(sum(len(u) == 2 for u in out))
        return out

    monkeypatch.setattr(lookahead, "_units", units)
    shared = run_backtest(candles, strategy_cls, PARAMS)
    with_sharing = calls[0]
    monkeypatch.setattr(lookahead, "_units", _unpaired)
    calls[0] = 0
    alone = run_backtest(candles, strategy_cls, PARAMS)
    assert shared.lookahead == alone.lookahead and shared.lookahead is not None
    # Cuts of 1, 2 and 3 candles are the exact windows of bars 0, 1 and 2 (warm-up, flat with
    # the initial cash); the cut of a full window too when the simulation was flat there.
    assert alone.lookahead.ok and pairs[0] >= 3 and calls[0] - with_sharing == pairs[0]


@pytest.mark.parametrize("code", FLAGGED.values(), ids=FLAGGED.keys())
def test_sharing_reports_what_separate_inits_report(monkeypatch: pytest.MonkeyPatch,
                                                     candles: pd.DataFrame, code: str) -> None:
    strategy_cls = load_strategy(code)
    shared = run_backtest(candles, strategy_cls, PARAMS).lookahead
    monkeypatch.setattr(lookahead, "_units", _unpaired)
    alone = run_backtest(candles, strategy_cls, PARAMS).lookahead
    assert shared is not None and not shared.ok
    assert shared == alone


@pytest.mark.parametrize("code", [EMA, *FLAGGED.values()], ids=["ema", *FLAGGED.keys()])
def test_cuts_started_during_the_simulation_report_the_same(
        monkeypatch: pytest.MonkeyPatch, candles: pd.DataFrame, code: str) -> None:
    strategy_cls = load_strategy(code)
    inline = run_backtest(candles, strategy_cls, PARAMS).lookahead
    started: list[lookahead.EarlyCuts] = []
    real = lookahead.EarlyCuts.__init__

    def spy(self: lookahead.EarlyCuts, *args: Any) -> None:
        real(self, *args)
        started.append(self)

    monkeypatch.setattr(lookahead.EarlyCuts, "__init__", spy)
    monkeypatch.setattr(forked, "cores", lambda: 2)
    early = run_backtest(candles, strategy_cls, PARAMS).lookahead
    assert len(started) == 1 and early == inline and inline is not None
