"""Fill the ``candles`` table for a range: find what is missing, fetch it page by page.

Pages come from ``fetch_ohlcv`` of a ccxt exchange (or anything with the same method),
whose own throttle (``enableRateLimit``) keeps us within the exchange's rate limits; transient
errors are retried with capped backoff. Every page is stored as soon as it arrives, so an
interruption (the cancel event, or the task being cancelled) keeps what was fetched. Ranges
the exchange does not have (before listing, maintenance) are remembered in an optional
in-process ``AbsentRanges`` and not requested again (see ``absent_ranges``).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from aristobot.backtest import candle_store
from aristobot.backtest import messages as msg
from aristobot.backtest.absent_ranges import RECENT_MS, AbsentRanges
from aristobot.domain.timeframe import Timeframe, ms_to_utc, utc_to_ms
from aristobot.errors import AristobotError, ValidationError
from aristobot.exchanges.handle import ExchangeHandle
from aristobot.exchanges.retry import RetryPolicy, with_retry
from aristobot.exchanges.translation import translate

log = logging.getLogger(__name__)

ProgressFn = Callable[[float], Awaitable[None] | None]


class OhlcvSource(Protocol):
    """What the loader needs from an exchange (a ccxt async instance satisfies it)."""

    async def fetch_ohlcv(
        self, symbol: str, timeframe: str, since: int | None = None, limit: int | None = None
    ) -> list[list[Any]]: ...


@dataclass(frozen=True, slots=True)
class CandleRequest:
    """Candles of ``exchange``/``symbol``/``timeframe`` whose open time is in [start, end)."""

    exchange: str
    symbol: str
    timeframe: Timeframe
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class LoadReport:
    expected: int  # closed candles the range can hold
    missing: int  # of which were not stored before loading
    fetched: int  # rows received from the exchange and stored
    requests: int  # fetch_ohlcv calls
    cancelled: bool
    known_absent: int = 0  # of the missing ones, known not to exist on the exchange (skipped)


def missing_ranges(
    stored_ms: np.ndarray, start_ms: int, end_ms: int, tf_ms: int
) -> list[tuple[int, int]]:
    """Return the half-open ``[a, b)`` ranges of aligned open times absent from ``stored_ms``.

    ``start_ms`` is rounded up and ``end_ms`` down to the timeframe; ``stored_ms`` is sorted.
    """
    first = -(-start_ms // tf_ms) * tf_ms
    last = end_ms - (end_ms % tf_ms)  # exclusive
    if last <= first:
        return []
    stored = stored_ms[(stored_ms >= first) & (stored_ms < last)]
    bounds = np.concatenate(([first - tf_ms], stored, [last]))
    gaps = np.flatnonzero(np.diff(bounds) > tf_ms)
    return [(int(bounds[i] + tf_ms), int(bounds[i + 1])) for i in gaps]


class CandleLoader:
    """Load missing candles of one request into the database, reporting progress."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        source: OhlcvSource,
        *,
        page_limit: int = 1000,
        progress: ProgressFn | None = None,
        cancel: asyncio.Event | None = None,
        clock: Callable[[], float] = time.time,
        retry: RetryPolicy | None = None,
        absent: AbsentRanges | None = None,
    ) -> None:
        if page_limit < 1:
            raise ValueError("page_limit must be >= 1")
        self._sessions = sessions
        self._source = source
        self._limit = page_limit
        self._progress = progress
        self._cancel = cancel or asyncio.Event()
        self._clock = clock
        # An ExchangeHandle already retries fetch_* calls; do not multiply the attempts.
        self._retry = retry or (
            RetryPolicy(attempts=1) if isinstance(source, ExchangeHandle) else RetryPolicy()
        )
        self._requests = 0
        self._fetched = 0
        self._absent = absent

    async def load(self, req: CandleRequest) -> LoadReport:
        """Fetch and store every closed candle of ``req`` that is not stored yet."""
        tf = req.timeframe
        start_ms, end_ms = utc_to_ms(req.start), utc_to_ms(req.end)
        if end_ms <= start_ms:
            raise ValidationError(reason=msg.END_BEFORE_START)
        # Only closed candles: the one still open now is never stored.
        end_ms = min(end_ms, tf.floor_ms(int(self._clock() * 1000)))
        expected = max(0, (end_ms - 1) // tf.ms - (-(-start_ms // tf.ms)) + 1)
        stored = await asyncio.to_thread(self._stored, req, start_ms, end_ms)
        gaps = missing_ranges(stored, start_ms, end_ms, tf.ms)
        missing = sum((b - a) // tf.ms for a, b in gaps)
        if self._absent is not None:
            gaps = self._absent.subtract(_key(req), gaps)
        to_fetch = sum((b - a) // tf.ms for a, b in gaps)
        log.info("candles %s %s %s: %d expected, %d missing (%d known absent) in %d range(s)",
                 req.exchange, req.symbol, tf.value, expected, missing, missing - to_fetch,
                 len(gaps))
        done = 0
        await self._report(0.0 if to_fetch else 100.0)
        for a, b in gaps:
            async for covered in self._load_range(req, a, b):
                await self._report(100.0 * (done + covered) / to_fetch)
            done += (b - a) // tf.ms
            if self._cancel.is_set():
                break
        cancelled = self._cancel.is_set()
        if not cancelled:
            await self._report(100.0)
        return LoadReport(expected, missing, self._fetched, self._requests, cancelled,
                          missing - to_fetch)

    def _stored(self, req: CandleRequest, start_ms: int, end_ms: int) -> np.ndarray:
        if end_ms <= start_ms:
            return np.empty(0, np.int64)
        with self._sessions() as s:
            return candle_store.stored_open_times(
                s, req.exchange, req.symbol, req.timeframe, req.start, _utc(end_ms)
            )

    async def _load_range(self, req: CandleRequest, a: int, b: int) -> Any:
        """Yield the number of candles of [a, b) covered so far, page after page."""
        tf_ms = req.timeframe.ms
        since = a
        while since < b and not self._cancel.is_set():
            page = await self._fetch(req, since)
            if page is None:  # cancelled while waiting
                return
            rows = [r for r in page if since <= int(r[0]) < b]
            if rows:
                await asyncio.to_thread(self._store, req, rows)
                self._fetched += len(rows)
            if not page or int(page[-1][0]) < since:
                # Nothing more here (delisted, no history): remembered unless recent.
                if b <= self._clock() * 1000 - RECENT_MS:
                    self._remember(req, since, b)
                return
            # Candles the exchange skipped before the last one it returned never will exist.
            covered = min(b, int(page[-1][0]) + tf_ms)
            for hole in missing_ranges(np.array([int(r[0]) for r in rows], np.int64), since,
                                       covered, tf_ms):
                self._remember(req, *hole)
            since = max(since + tf_ms, int(page[-1][0]) + tf_ms)
            yield (min(since, b) - a) // tf_ms

    async def _fetch(self, req: CandleRequest, since: int) -> list[list[Any]] | None:
        try:
            return await with_retry(
                lambda: self._fetch_once(req, since), self._retry,
                f"fetch_ohlcv {req.symbol} {req.timeframe.value}",
            )
        except _Cancelled:
            return None

    async def _fetch_once(self, req: CandleRequest, since: int) -> list[list[Any]]:
        self._requests += 1
        call = asyncio.ensure_future(
            self._source.fetch_ohlcv(req.symbol, req.timeframe.value, since=since,
                                     limit=self._limit)
        )
        stop = asyncio.ensure_future(self._cancel.wait())
        try:
            await asyncio.wait({call, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            answered = call.done()
            if not answered:
                call.cancel()  # the user cancelled, or this task itself is being cancelled
        if not answered:
            raise _Cancelled
        try:
            return list(call.result() or [])
        except AristobotError:
            raise
        except Exception as e:
            raise translate(e, req.exchange) from e

    def _remember(self, req: CandleRequest, a: int, b: int) -> None:
        if self._absent is not None:
            log.info("candles %s %s %s: none on the exchange in [%s, %s), remembered",
                     req.exchange, req.symbol, req.timeframe.value, _utc(a), _utc(b))
            self._absent.add(_key(req), a, b)

    def _store(self, req: CandleRequest, rows: list[list[Any]]) -> None:
        with self._sessions.begin() as s:
            candle_store.write_candles(s, req.exchange, req.symbol, req.timeframe, rows)

    async def _report(self, pct: float) -> None:
        if self._progress is None:
            return
        result = self._progress(min(100.0, max(0.0, pct)))
        if inspect.isawaitable(result):
            await result


class _Cancelled(Exception):
    """The cancel event fired while a request was in flight."""


def _key(req: CandleRequest) -> tuple[str, str, str]:
    return (req.exchange, req.symbol, req.timeframe.value)


def _utc(ms: int) -> datetime:
    return ms_to_utc(ms)
