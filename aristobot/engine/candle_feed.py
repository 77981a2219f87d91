"""Candles for a live decision: the shared ``candles`` table, refreshed through CCXT.

The candle that closed at the signal's boundary must be stored before deciding. It is read
from the database (the heartbeat stores its symbols itself); what is missing is fetched
incrementally from the exchange (only closed candles up to the boundary) and stored; this is
retried until a short deadline, after which the decision is skipped with a French reason.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import pandas as pd
from sqlalchemy.orm import Session, sessionmaker

from aristobot.backtest.candle_store import read_candles, write_candles
from aristobot.domain.timeframe import Timeframe, ms_to_utc, utc_to_ms
from aristobot.engine import messages
from aristobot.errors import AristobotError, user_text

log = logging.getLogger(__name__)


class OhlcvFetcher(Protocol):
    async def fetch_ohlcv(self, symbol: str, timeframe: str, since: int | None = None,
                          limit: int | None = None) -> list[list[Any]]: ...


SourceFor = Callable[[str], Awaitable[OhlcvFetcher]]


@dataclass(frozen=True, slots=True)
class CandleWindow:
    """The window a strategy decides on, or why there is none."""

    candles: pd.DataFrame | None
    reason: str | None = None
    fetched: int = 0


def _read(sessions: sessionmaker[Session], exchange: str, symbol: str, tf: Timeframe,
          boundary: datetime, window: int) -> pd.DataFrame:
    start = ms_to_utc(utc_to_ms(boundary) - (window - 1) * tf.ms)
    with sessions() as s:
        return read_candles(s, exchange, symbol, tf, start, ms_to_utc(utc_to_ms(boundary) + 1))


async def _refresh(sessions: sessionmaker[Session], source: OhlcvFetcher, exchange: str,
                   symbol: str, tf: Timeframe, boundary: datetime, have: pd.DataFrame,
                   window: int) -> int:
    """Fetch the candles after the last stored one (or the whole window) up to the boundary."""
    boundary_ms = utc_to_ms(boundary)
    if len(have) >= window:
        since = int(have.index[-1].value // 1_000_000) + tf.ms
    else:
        since = boundary_ms - (window - 1) * tf.ms
    limit = min(1000, (boundary_ms - since) // tf.ms + 1)
    rows = await source.fetch_ohlcv(symbol, tf.value, since=since, limit=limit)
    closed = [r for r in rows if since <= int(r[0]) <= boundary_ms]
    if closed:
        with sessions.begin() as s:
            write_candles(s, exchange, symbol, tf, closed)
    return len(closed)


async def wait_for_window(sessions: sessionmaker[Session], source_for: SourceFor | None,
                          exchange: str, symbol: str, timeframe: str, boundary: datetime,
                          window: int, deadline_s: float,
                          clock: Callable[[], float] = time.monotonic) -> CandleWindow:
    """Return the ``window`` candles ending with the one opened at ``boundary``.

    Polls the database and the exchange (when ``source_for`` is given) until that candle is
    there or ``deadline_s`` passed; never returns a window whose last candle is older.
    """
    tf = Timeframe.parse(timeframe)
    give_up = clock() + deadline_s
    delay, fetched, last_error = 0.1, 0, ""
    while True:
        have = await asyncio.to_thread(_read, sessions, exchange, symbol, tf, boundary, window)
        if _complete(have, boundary):
            return CandleWindow(have, fetched=fetched)
        if source_for is not None:
            try:
                source = await source_for(exchange)
                n = await _refresh(sessions, source, exchange, symbol, tf, boundary, have,
                                   window)
                fetched += n
            except AristobotError as e:
                last_error, n = e.user_message(), 0
            except Exception as e:  # a malformed answer: keep waiting, say why at the end
                log.warning("candle refresh %s %s failed", symbol, timeframe, exc_info=True)
                last_error, n = user_text(e), 0
            if n:
                have = await asyncio.to_thread(_read, sessions, exchange, symbol, tf, boundary,
                                               window)
                if _complete(have, boundary):
                    return CandleWindow(have, fetched=fetched)
        if clock() >= give_up:
            return CandleWindow(None, _stale_reason(symbol, tf, boundary, deadline_s, have,
                                                    last_error), fetched)
        await asyncio.sleep(min(delay, max(0.0, give_up - clock())))
        delay = min(delay * 2, 1.0)


def _complete(have: pd.DataFrame, boundary: datetime) -> bool:
    return bool(len(have)) and have.index[-1] == pd.Timestamp(boundary)


def _stale_reason(symbol: str, tf: Timeframe, boundary: datetime, deadline_s: float,
                  have: pd.DataFrame, error: str) -> str:
    last = have.index[-1] if len(have) else None
    return messages.stale_candle(symbol, tf.value, boundary, deadline_s, last, error)
