"""The notebook facade against real databases and a local exchange (fake Binance, replay)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from bokeh.models import GlyphRenderer

from aristobot import research
from aristobot.backtest import candle_store
from aristobot.core.backtest import BacktestParams, run_backtest
from aristobot.core.strategy_loader import load_strategy
from aristobot.errors import NotFound, ValidationError
from aristobot.strategies.examples import EMA_CROSS_EXAMPLE
from aristobot.strategies.repository import create_strategy
from tests.support.factories import make_user
from tests.support.fake_binance import FakeBinance, ThreadedFakeBinance
from tests.support.replay import synthetic_replay_rest_url

START, END = datetime(2024, 1, 2, tzinfo=UTC), datetime(2024, 1, 22, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeBinance]:
    with ThreadedFakeBinance(FakeBinance()) as f:
        yield f


@pytest.fixture
def bench(db_url: str, fake: FakeBinance) -> Iterator[research.Workbench]:
    wb = research.use(db_url, exchange_urls={"binance": fake.url})
    yield wb
    research.close()


def test_candles_are_fetched_once_then_read_from_the_database(
        bench: research.Workbench, fake: FakeBinance) -> None:
    first = research.candles("binance", "btc/usdt", "1h", "2024-01-02", "2024-01-22",
                             progress=False)
    assert len(first) == 480 and first.index[0] == pd.Timestamp(START)
    assert list(first.columns) == list(candle_store.COLUMNS)
    requests = fake.count("GET", "/api/v3/klines")
    assert requests >= 1
    with bench.sessions() as s:  # stored in the workbench's shared candles table
        assert candle_store.count_candles(s, "binance", "BTC/USDT", "1h") == 480
    again = research.candles("binance", "BTC/USDT", "1h", START, END)
    assert fake.count("GET", "/api/v3/klines") == requests  # nothing fetched twice
    pd.testing.assert_frame_equal(first, again)


def test_fetch_false_reads_only_what_is_stored(bench: research.Workbench,
                                               fake: FakeBinance) -> None:
    assert research.candles("binance", "BTC/USDT", "1h", START, END, fetch=False).empty
    assert fake.count("GET", "/api/v3/klines") == 0


def test_bad_dates_are_refused_in_french(bench: research.Workbench) -> None:
    with pytest.raises(ValidationError, match="date de fin"):
        research.candles("binance", "BTC/USDT", "1h", END, START)
    with pytest.raises(ValidationError, match="illisible"):
        research.candles("binance", "BTC/USDT", "1h", "hier", END)
    with pytest.raises(ValidationError, match="Unité de temps"):
        research.candles("binance", "BTC/USDT", "7m", START, END)


def test_backtest_equals_the_simulator_and_charts(bench: research.Workbench) -> None:
    candles = research.candles("binance", "BTC/USDT", "1h", START, END, progress=False)
    run = research.backtest(EMA_CROSS_EXAMPLE, candles, window=200)
    direct = run_backtest(candles, load_strategy(EMA_CROSS_EXAMPLE),
                          BacktestParams(window=200))
    assert run.result.stats["final_balance"] == direct.stats["final_balance"]
    assert len(run.trades) == len(direct.trades) > 0
    assert run.lookahead_ok is True
    assert run.stats["trades"] == len(direct.trades)
    layout = research.chart(run)
    renderers = list(layout.select({"type": GlyphRenderer}))
    assert len(renderers) > 4  # candles, wicks, trades, equity, drawdown
    with pytest.raises(ValidationError, match="bougies manquantes"):
        research.chart(run.result)


def test_stored_strategy_of_a_user(bench: research.Workbench, db_url: str) -> None:
    alice = make_user(bench.sessions, "alice")
    bob = make_user(bench.sessions, "bob")
    with bench.sessions.begin() as s:
        create_strategy(s, alice.id, "EMA 10/20", EMA_CROSS_EXAMPLE, timeframe="1h",
                        window_size=42)
    stored = research.strategy("EMA 10/20", user="alice")
    assert stored.code == EMA_CROSS_EXAMPLE and stored.window_size == 42
    with pytest.raises(NotFound, match="EMA 10/20"):
        research.strategy("EMA 10/20", user="bob")  # bob's strategies only
    with pytest.raises(ValidationError, match="précisez l'utilisateur"):
        research.strategy("EMA 10/20")  # two users: which one?
    with pytest.raises(NotFound, match="carol"):
        research.strategy("EMA 10/20", user="carol")
    candles = research.candles("binance", "BTC/USDT", "1h", START, END, progress=False)
    run = research.backtest(stored, candles)
    assert run.name == "EMA 10/20" and run.result.params.window == 42
    assert bob.id != alice.id


def test_strategy_parameters_override_the_declared_defaults(
        bench: research.Workbench) -> None:
    code = """
import pandas_ta_classic as ta

class Croisement(Strategy):
    params = {"fast": 10, "slow": 20}

    def __init__(self, candles, balance, position=None):
        super().__init__(candles, balance, position)
        close = self.candles["close"]
        self.candles["fast"] = ta.ema(close, length=self.params["fast"])
        self.candles["slow"] = ta.ema(close, length=self.params["slow"])

    def should_long(self) -> bool:
        if len(self.candles) <= self.params["slow"]:
            return False  # the averages need that many candles
        return bool(self.candles["fast"].iloc[-1] > self.candles["slow"].iloc[-1])

    def should_short(self) -> bool:
        if len(self.candles) <= self.params["slow"]:
            return False
        return not self.should_long()

    def calculate_position_size(self) -> float:
        return self.balance * 0.5

    def calculate_stop_loss(self) -> float:
        return 0.02

    def calculate_take_profit(self) -> float:
        return 0.04
"""
    candles = research.candles("binance", "BTC/USDT", "1h", START, END, progress=False)
    default = research.backtest(code, candles, window=60)
    other = research.backtest(code, candles, window=60, params={"fast": 5, "slow": 30})
    assert other.params == {"fast": 5, "slow": 30} and default.params == {"fast": 10, "slow": 20}
    hand = code.replace('"fast": 10', '"fast": 5').replace('"slow": 20', '"slow": 30')
    same = research.backtest(hand, candles, window=60)
    assert other.result.stats["final_balance"] == same.result.stats["final_balance"]
    assert not np.isclose(default.result.stats["final_balance"],
                          other.result.stats["final_balance"])
    with pytest.raises(ValidationError, match="inconnu.*lent"):
        research.backtest(code, candles, params={"lent": 3})


@pytest.fixture
def replay_url() -> Iterator[str]:
    with synthetic_replay_rest_url() as url:
        yield url


def test_candles_offline_from_the_replay(sqlite_url: str, replay_url: str) -> None:
    research.use(sqlite_url, exchange_urls={"binance": replay_url})
    try:
        candles = research.candles("binance", "BTC/USDT", "15m", "2024-03-01", "2024-03-04",
                                   progress=False)
    finally:
        research.close()
    assert len(candles) == 3 * 96
    assert (candles["high"] >= candles[["open", "close"]].max(axis=1)).all()
    assert candles["close"].std() > 0  # a moving market, not a constant
