from __future__ import annotations

import math

import pytest
from sqlalchemy.orm import Session, sessionmaker

from aristobot.backtest import results_store as rs
from aristobot.backtest.synthetic import synthetic_candles
from aristobot.core.backtest import BacktestParams, run_backtest
from aristobot.core.strategy_loader import load_strategy
from aristobot.errors import NotFound, ValidationError
from aristobot.strategies.examples import EMA_CROSS_EXAMPLE
from tests.support.factories import make_user


def _run(seed: int) -> tuple[rs.RunInfo, object]:
    candles = synthetic_candles(3_000, timeframe="5m", seed=seed)
    result = run_backtest(candles, load_strategy(EMA_CROSS_EXAMPLE), BacktestParams(window=100))
    info = rs.RunInfo("EMA", EMA_CROSS_EXAMPLE, "binance", "BTC/USDT", "5m",
                      candles.index[0].to_pydatetime(), candles.index[-1].to_pydatetime())
    return info, result


def test_store_reopen_compare_delete_scoped_by_user(sessions: sessionmaker[Session]) -> None:
    alice, bob = make_user(sessions, "alice"), make_user(sessions, "bob", "motdepasse-bob1")
    info, result = _run(1)
    info2, result2 = _run(2)
    with sessions.begin() as s:
        a1 = rs.save_result(s, alice.id, info, result)  # type: ignore[arg-type]
        a2 = rs.save_result(s, alice.id, info2, result2)  # type: ignore[arg-type]
        b1 = rs.save_result(s, bob.id, info, result)  # type: ignore[arg-type]
    with sessions() as s:
        assert [r.id for r in rs.list_results(s, alice.id)] == [a2, a1]
        assert [r.id for r in rs.list_results(s, bob.id)] == [b1]
        stored = rs.load_result(s, alice.id, a1)
        with pytest.raises(NotFound) as e:
            rs.load_result(s, alice.id, b1)
        assert "introuvable" in e.value.user_message()
        table = rs.compare_results(s, alice.id, [a1, a2])
    assert stored.summary.total_trades == len(result.trades) > 0  # type: ignore[attr-defined]
    assert len(stored.trades) == len(result.trades)  # type: ignore[attr-defined]
    assert str(stored.trades["entry_time"].dt.tz) == "UTC"
    assert math.isclose(stored.summary.final_amount, result.stats["final_balance"])  # type: ignore[attr-defined]
    assert stored.equity.iloc[-1] == pytest.approx(result.equity.iloc[-1])  # type: ignore[attr-defined]
    assert stored.lookahead is not None and stored.lookahead["ok"] is True
    assert table.shape[1] == 2 and "total_return_pct" in table.index
    with sessions.begin() as s:
        with pytest.raises(NotFound):
            rs.delete_result(s, bob.id, a1)
        rs.delete_result(s, alice.id, a1)
    with sessions() as s:
        assert [r.id for r in rs.list_results(s, alice.id)] == [a2]
        with pytest.raises(ValidationError):
            rs.compare_results(s, alice.id, [])


def test_jsonable_and_equity_preview() -> None:
    import numpy as np
    import pandas as pd

    assert rs.jsonable({"a": float("inf"), "b": np.float64(1.5), "c": pd.Timedelta("1h"),
                        "d": (1, np.int64(2))}) == {"a": None, "b": 1.5, "c": 3600.0,
                                                    "d": [1, 2]}
    eq = pd.Series(np.random.default_rng(0).normal(size=50_000).cumsum(),
                   index=pd.date_range("2024", periods=50_000, freq="1min", tz="UTC"))
    preview = rs.equity_preview(eq, 1_000)
    assert len(preview["t"]) <= 1_002
    assert max(preview["v"]) == pytest.approx(eq.max()) and min(preview["v"]) == pytest.approx(
        eq.min())


def test_stored_counts_agree_with_the_stats_on_a_break_even_trade(
    sessions: sessionmaker[Session],
) -> None:
    from aristobot.db.models import BacktestResultRow
    from tests.unit.backtest.support import LONG, SHORT, candles_from, flat_bar, scripted

    # One trade in and out at 100 without fees: P&L exactly 0, neither won nor lost.
    rows = [flat_bar(100), flat_bar(100, LONG), flat_bar(100, SHORT), flat_bar(100)]
    candles = candles_from(rows)
    result = run_backtest(candles, scripted(), BacktestParams(fee_rate=0.0, window=10))
    assert [t.pnl for t in result.trades] == [0.0]
    info = rs.RunInfo("Plat", "code", "binance", "BTC/USDT", "1m",
                      candles.index[0].to_pydatetime(), candles.index[-1].to_pydatetime())
    user = make_user(sessions)
    with sessions.begin() as s:
        rid = rs.save_result(s, user.id, info, result)
    with sessions() as s:
        row = s.get(BacktestResultRow, rid)
        assert (row.winning_trades, row.losing_trades) == (0, 0)
        assert (row.winning_trades, row.losing_trades) == (
            result.stats["winning_trades"], result.stats["losing_trades"])
