"""Progress, cancellation, engines and input validation of ``run_backtest``."""

from __future__ import annotations

from datetime import UTC

import numpy as np
import pandas as pd
import pytest

from aristobot.backtest.synthetic import synthetic_candles
from aristobot.core.backtest import BacktestParams, run_backtest
from aristobot.core.strategy_loader import load_strategy
from aristobot.errors import ValidationError
from aristobot.strategies.examples import EMA_CROSS_EXAMPLE


@pytest.fixture(scope="module")
def candles() -> pd.DataFrame:
    return synthetic_candles(30_000, seed=5)


@pytest.fixture(scope="module")
def ema():  # type: ignore[no-untyped-def]
    return load_strategy(EMA_CROSS_EXAMPLE)


class StopAfter:
    def __init__(self, calls: int) -> None:
        self.left = calls

    def __call__(self) -> bool:
        self.left -= 1
        return self.left < 0


@pytest.mark.parametrize("mode", ["fast", "exact"])
def test_progress_is_monotone_bounded_and_ends_at_one(candles, ema, mode: str) -> None:  # type: ignore[no-untyped-def]
    seen: list[float] = []
    data = candles if mode == "fast" else candles.iloc[:800]
    run_backtest(data, ema, BacktestParams(mode=mode, window=60), progress=seen.append)
    assert seen[-1] == 1.0
    assert all(0.0 <= f <= 1.0 for f in seen)
    assert all(a < b for a, b in zip(seen, seen[1:], strict=False))
    assert 10 <= len(seen) <= 110


@pytest.mark.parametrize("mode", ["fast", "exact"])
def test_cancel_mid_run_returns_the_partial_result(candles, ema, mode: str) -> None:  # type: ignore[no-untyped-def]
    data = candles if mode == "fast" else candles.iloc[:800]
    full = run_backtest(data, ema, BacktestParams(mode=mode, window=60))
    seen: list[float] = []
    part = run_backtest(data, ema, BacktestParams(mode=mode, window=60),
                        progress=seen.append, should_stop=StopAfter(40))
    assert part.cancelled and not full.cancelled
    assert 0.3 < len(part.equity) / len(data) < 0.5
    assert part.equity.index.equals(data.index[: len(part.equity)])
    assert seen and seen[-1] < 1.0
    # The partial run is the beginning of the full one.
    closed = [t for t in part.trades if t.exit_reason != "end"]
    assert closed and tuple(closed) == full.trades[: len(closed)]
    assert np.array_equal(part.equity.to_numpy(), full.equity.to_numpy()[: len(part.equity)])
    assert part.stats["bars"] == len(part.equity)


def test_cancel_during_the_exactness_check(candles, ema) -> None:  # type: ignore[no-untyped-def]
    result = run_backtest(candles, ema, BacktestParams(window=60), should_stop=StopAfter(102))
    assert result.cancelled
    assert len(result.equity) == len(candles)
    assert result.lookahead is not None and result.lookahead.checked_bars < 200


def test_meta_reports_the_engine_and_speed(candles, ema) -> None:  # type: ignore[no-untyped-def]
    result = run_backtest(candles, ema, BacktestParams())
    assert result.meta["engine"] == "trace"
    assert result.meta["bars"] == len(candles)
    assert result.meta["candles_per_second"] > 0
    exact = run_backtest(candles.iloc[:300], ema, BacktestParams(mode="exact"))
    assert exact.meta["engine"] == "exact"
    assert exact.lookahead is not None and exact.lookahead.ok


def _bad(candles: pd.DataFrame) -> list[tuple[pd.DataFrame, str]]:
    naive = candles.copy()
    naive.index = naive.index.tz_localize(None)
    negative = candles.copy()
    negative.iloc[3, 3] = -1.0
    nan = candles.copy()
    nan.iloc[3, 0] = np.nan
    return [
        (candles.drop(columns=["volume"]), "Colonnes de bougies manquantes : volume."),
        (naive, "heure d'ouverture UTC"),
        (candles.iloc[::-1], "triées"),
        (pd.concat([candles.iloc[:3], candles.iloc[2:5]]), "triées"),
        (negative, "positifs"),
        (nan, "positifs"),
        (candles.iloc[:0], "Aucune bougie"),
    ]


def test_bad_candles_are_refused_in_french(candles) -> None:  # type: ignore[no-untyped-def]
    small = candles.iloc[:10]
    for bad, text in _bad(small):
        with pytest.raises(ValidationError) as info:
            run_backtest(bad, load_strategy(EMA_CROSS_EXAMPLE), BacktestParams())
        assert text in info.value.user_message()
    assert small.index.tz == UTC  # the input was never modified


@pytest.mark.parametrize(
    ("params", "text"),
    [
        ({"mode": "turbo"}, "Mode de backtest inconnu"),
        ({"initial_amount": 0.0}, "montant initial"),
        ({"initial_amount": float("nan")}, "montant initial"),
        ({"fee_rate": -0.1}, "frais"),
        ({"slippage": 1.5}, "glissement"),
        ({"window": 0}, "fenêtre"),
        ({"check_samples": -1}, "vérifiées"),
    ],
)
def test_bad_params_are_refused_in_french(candles, ema, params, text: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as info:
        run_backtest(candles.iloc[:10], ema, BacktestParams(**params))
    assert text in info.value.user_message()


def test_user_code_errors_propagate_unchanged(candles) -> None:  # type: ignore[no-untyped-def]
    from aristobot.core.strategy_api import Strategy

    class Broken(Strategy):
        def should_long(self) -> bool:
            return 1 / 0 > 1  # type: ignore[no-any-return]

    with pytest.raises(ZeroDivisionError):
        run_backtest(candles.iloc[:50], Broken, BacktestParams())
