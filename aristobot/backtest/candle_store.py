"""The shared ``candles`` table as float64 DataFrames: fast range reads, duplicate-free upserts.

Candles are keyed by exchange id + symbol + timeframe + open time (UTC). Prices are exact
decimals at rest and float64 series in research, converted here, at the boundary.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    String,
    cast,
    func,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from aristobot.backtest import messages as msg
from aristobot.db.models import CandleRow
from aristobot.domain.timeframe import Timeframe, ms_to_utc, utc_to_ms
from aristobot.errors import ValidationError

log = logging.getLogger(__name__)

COLUMNS = ("open", "high", "low", "close", "volume")
_BATCH = 2_000  # rows per INSERT statement (below SQLite's bound-parameter limit per row set)


def empty_frame() -> pd.DataFrame:
    """Return an empty candle DataFrame with the usual columns and a UTC index."""
    index = pd.DatetimeIndex([], tz="UTC", name="open_time").as_unit("ms")
    return pd.DataFrame({c: np.empty(0, np.float64) for c in COLUMNS}, index=index)


def _open_ms(session: Session) -> ColumnElement[int]:
    # Epoch milliseconds computed by the database: avoids building 500k datetime objects.
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.strftime("%s", CandleRow.open_time), BigInteger) * 1000
    return cast(func.extract("epoch", CandleRow.open_time) * 1000, BigInteger)


def _key_filter(exchange: str, symbol: str, timeframe: str) -> list[ColumnElement[bool]]:
    return [
        CandleRow.exchange == exchange,
        CandleRow.symbol == symbol,
        CandleRow.timeframe == timeframe,
    ]


def read_candles(
    session: Session,
    exchange: str,
    symbol: str,
    timeframe: Timeframe | str,
    start: datetime,
    end: datetime,
) -> pd.DataFrame:
    """Return the stored candles whose open time is in ``[start, end)``, oldest first.

    Columns ``open high low close volume`` are float64; the index is the UTC open time.
    """
    tf = Timeframe.parse(timeframe)
    _check_range(start, end)
    stmt = (
        select(_open_ms(session), *_price_columns(session))
        .where(*_key_filter(exchange, symbol, tf.value))
        .where(CandleRow.open_time >= start, CandleRow.open_time < end)
        .order_by(CandleRow.open_time)
    )
    rows = session.connection().execute(stmt).all()
    if not rows:
        return empty_frame()
    # float() parses SQLite's decimal text exactly (correctly rounded), unlike CAST AS REAL.
    flat = np.fromiter(map(float, chain.from_iterable(rows)), np.float64, len(rows) * 6)
    data = flat.reshape(-1, 6)
    index = pd.DatetimeIndex(data[:, 0].astype("datetime64[ms]"), name="open_time")
    index = index.tz_localize("UTC")
    return pd.DataFrame({c: data[:, i + 1] for i, c in enumerate(COLUMNS)}, index=index)


def _price_columns(session: Session) -> list[ColumnElement[Any]]:
    if session.get_bind().dialect.name == "sqlite":
        return [type_coerce(getattr(CandleRow, c), String) for c in COLUMNS]
    return [cast(getattr(CandleRow, c), Float) for c in COLUMNS]


def stored_open_times(
    session: Session,
    exchange: str,
    symbol: str,
    timeframe: Timeframe | str,
    start: datetime,
    end: datetime,
) -> np.ndarray:
    """Return the open times (epoch ms, int64, sorted) stored in ``[start, end)``."""
    tf = Timeframe.parse(timeframe)
    _check_range(start, end)
    stmt = (
        select(_open_ms(session))
        .where(*_key_filter(exchange, symbol, tf.value))
        .where(CandleRow.open_time >= start, CandleRow.open_time < end)
        .order_by(CandleRow.open_time)
    )
    return np.fromiter(session.connection().execute(stmt).scalars(), dtype=np.int64)


def count_candles(session: Session, exchange: str, symbol: str, timeframe: str) -> int:
    """Return how many candles are stored for this key."""
    stmt = select(func.count(literal_column("1"))).select_from(CandleRow)
    return int(session.scalar(stmt.where(*_key_filter(exchange, symbol, timeframe))) or 0)


def write_candles(
    session: Session,
    exchange: str,
    symbol: str,
    timeframe: Timeframe | str,
    rows: Iterable[Sequence[float | int | str | Decimal]],
) -> int:
    """Insert ccxt-style rows ``[open_ms, o, h, l, c, v]``; candles already stored are kept.

    Values go through float64 (what ccxt returns) and are stored as their shortest decimal.
    Rows must be valid (aligned open time, finite positive prices, ``low <= open/close <=
    high``, volume ≥ 0): a bad row raises a French ``ValidationError`` and nothing of the call
    is written. Return the number of rows offered (duplicates are skipped by the database).
    """
    tf = Timeframe.parse(timeframe)
    arr = _as_array(rows)
    if not len(arr):
        return 0
    _validate(arr, tf)
    records = [_record(exchange, symbol, tf.value, tf.ms, r) for r in arr.tolist()]
    insert = sqlite.insert if session.get_bind().dialect.name == "sqlite" else postgresql.insert
    stmt = insert(CandleRow).on_conflict_do_nothing(
        index_elements=["exchange", "symbol", "timeframe", "open_time"]
    )
    conn = session.connection()
    for i in range(0, len(records), _BATCH):
        conn.execute(stmt, records[i : i + _BATCH])
    return len(records)


def write_frame(
    session: Session, exchange: str, symbol: str, timeframe: Timeframe | str, candles: pd.DataFrame
) -> int:
    """Insert a candle DataFrame (as returned by ``read_candles``); duplicates are skipped."""
    ms = candles.index.as_unit("ms").asi8.astype(np.float64)
    values = candles[list(COLUMNS)].to_numpy(np.float64)
    return write_candles(session, exchange, symbol, timeframe, np.column_stack([ms, values]))


def _as_array(rows: Iterable[Sequence[float | int | str | Decimal]]) -> np.ndarray:
    rows = rows if isinstance(rows, np.ndarray) else list(rows)
    if not len(rows):
        return np.empty((0, 6))
    try:
        arr = np.asarray([r[:6] for r in rows], dtype=np.float64)
    except (TypeError, ValueError):
        raise ValidationError(reason=msg.UNREADABLE_CANDLES) from None
    if arr.ndim != 2 or arr.shape[1] != 6:
        raise ValidationError(reason=msg.INCOMPLETE_CANDLES)
    return arr


def _validate(arr: np.ndarray, tf: Timeframe) -> None:
    t, o, h, lo, c, v = arr.T
    bad = ~np.isfinite(arr).all(axis=1) | (np.minimum.reduce([o, h, lo, c]) <= 0) | (v < 0)
    bad |= (lo > np.minimum(o, c)) | (h < np.maximum(o, c))
    bad |= (np.mod(t, tf.ms) != 0) | (t < 0)
    if bad.any():
        i = int(np.argmax(bad))
        when = ms_to_utc(int(t[i])) if np.isfinite(t[i]) else "?"
        raise ValidationError(reason=msg.invalid_candle(tf.value, when, arr[i].tolist()))


def _record(
    exchange: str, symbol: str, tf: str, tf_ms: int, row: list[float]
) -> dict[str, object]:
    t = int(row[0])
    return {
        "exchange": exchange,
        "symbol": symbol,
        "timeframe": tf,
        "open_time": ms_to_utc(t),
        "close_time": ms_to_utc(t + tf_ms - 1),
        "open": Decimal(repr(row[1])),
        "high": Decimal(repr(row[2])),
        "low": Decimal(repr(row[3])),
        "close": Decimal(repr(row[4])),
        "volume": Decimal(repr(row[5])),
    }


def _check_range(start: datetime, end: datetime) -> None:
    utc_to_ms(start), utc_to_ms(end)  # refuses naive datetimes in French
    if end <= start:
        raise ValidationError(reason=msg.END_BEFORE_START)
