from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from aristobot.backtest import candle_store as cs
from aristobot.backtest.synthetic import synthetic_candles, to_ohlcv_rows
from aristobot.db.models import CandleRow
from aristobot.errors import ValidationError

START = datetime(2024, 1, 1, tzinfo=UTC)
FAR = datetime(2030, 1, 1, tzinfo=UTC)


def _count(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(CandleRow)) or 0)


def test_roundtrip_is_exact_and_upsert_skips_duplicates(sessions: sessionmaker[Session]) -> None:
    candles = synthetic_candles(3_000, seed=5)
    rows = to_ohlcv_rows(candles)
    with sessions.begin() as s:
        cs.write_candles(s, "binance", "BTC/USDT", "1m", rows[:2_000])
    with sessions.begin() as s:  # overlapping second write: only the new rows are added
        cs.write_candles(s, "binance", "BTC/USDT", "1m", rows[1_500:])
    assert _count(sessions) == 3_000
    with sessions() as s:
        out = cs.read_candles(s, "binance", "BTC/USDT", "1m", START, FAR)
        assert cs.count_candles(s, "binance", "BTC/USDT", "1m") == 3_000
    assert np.array_equal(out.to_numpy(), candles.to_numpy())  # float64, bit for bit
    assert (out.index == candles.index).all() and str(out.index.tz) == "UTC"


def test_reads_are_scoped_by_key_and_half_open_range(sessions: sessionmaker[Session]) -> None:
    candles = synthetic_candles(100, seed=6)
    with sessions.begin() as s:
        cs.write_frame(s, "binance", "BTC/USDT", "1m", candles)
        cs.write_frame(s, "kraken", "BTC/USDT", "1m", candles.iloc[:10])
        cs.write_frame(s, "binance", "ETH/USDT", "1m", candles.iloc[:10])
    a, b = candles.index[20].to_pydatetime(), candles.index[30].to_pydatetime()
    with sessions() as s:
        part = cs.read_candles(s, "binance", "BTC/USDT", "1m", a, b)
        times = cs.stored_open_times(s, "binance", "BTC/USDT", "1m", a, b)
        other = cs.read_candles(s, "binance", "BTC/USDT", "5m", START, FAR)
    assert len(part) == 10 and part.index[0] == candles.index[20]
    assert list(times) == list(candles.index[20:30].as_unit("ms").asi8)
    assert other.empty and list(other.columns) == list(cs.COLUMNS)


@pytest.mark.parametrize(
    "row",
    [
        [1704067200000, 10, 9, 8, 9.5, 1],  # high below open
        [1704067200000, 10, 11, 8, 9.5, -1],  # negative volume
        [1704067200000, 0, 11, 0, 9.5, 1],  # zero price
        [1704067230000, 10, 11, 8, 9.5, 1],  # not aligned on 1m
        [1704067200000, "abc", 11, 8, 9.5, 1],
        [1704067200000, 10, 11],
    ],
)
def test_bad_rows_refused_and_nothing_written(sessions: sessionmaker[Session],
                                              row: list[object]) -> None:
    good = [1704067260000, 10, 11, 9, 10, 1]
    with pytest.raises(ValidationError) as e, sessions.begin() as s:
        cs.write_candles(s, "binance", "BTC/USDT", "1m", [good, row])
    assert "bougie" in e.value.user_message()
    assert _count(sessions) == 0


def test_naive_and_inverted_dates_are_refused(sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        with pytest.raises(ValidationError):
            cs.read_candles(s, "binance", "BTC/USDT", "1m", datetime(2024, 1, 1), FAR)
        with pytest.raises(ValidationError) as e:
            cs.read_candles(s, "binance", "BTC/USDT", "1m", FAR, START)
        assert "fin" in e.value.user_message()
