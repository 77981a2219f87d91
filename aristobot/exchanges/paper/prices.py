"""Prices for the paper broker: heartbeat candles first, then the public Binance ticker."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from aristobot.db.models import CandleRow
from aristobot.errors import AristobotError, NoPriceAvailable
from aristobot.exchanges import messages
from aristobot.exchanges.paper.markets import PRICE_EXCHANGE

if TYPE_CHECKING:  # the handle imports the paper exchange, which uses this module
    from aristobot.exchanges.handle import ExchangeHandle

log = logging.getLogger(__name__)
FRESH = timedelta(minutes=5)  # a candle this recent is the price, no ticker asked
MAX_AGE = timedelta(minutes=10)  # beyond this, an old candle is no price at all


class PriceSource(Protocol):
    async def last_price(self, symbol: str) -> Decimal: ...


def _forms(symbol: str) -> set[str]:
    return {symbol, symbol.replace("/", ""), symbol.replace("/", "-")}


def _candle(s: Session, symbol: str) -> CandleRow | None:
    q = (select(CandleRow).where(CandleRow.exchange == PRICE_EXCHANGE,
                                 CandleRow.symbol.in_(_forms(symbol)))
         .order_by(CandleRow.close_time.desc()).limit(1))
    return s.scalar(q)


def range_since(s: Session, symbol: str, since: datetime) -> tuple[Decimal, Decimal] | None:
    """Lowest low and highest high of the 1m candles opened at or after ``since``.

    Only candles wholly after ``since`` count: a move before an order was placed never
    fills it. None when there is no such candle.
    """
    cond = (CandleRow.exchange == PRICE_EXCHANGE, CandleRow.symbol.in_(_forms(symbol)),
            CandleRow.timeframe == "1m", CandleRow.open_time >= since)
    if s.get_bind().dialect.name == "sqlite":  # decimals stored as text: compare exactly here
        rows = s.execute(select(CandleRow.low, CandleRow.high).where(*cond)).all()
        if not rows:
            return None
        return min(r.low for r in rows), max(r.high for r in rows)
    low, high = s.execute(select(func.min(CandleRow.low), func.max(CandleRow.high))
                          .where(*cond)).one()
    return None if low is None or high is None else (low, high)


class LivePrices:
    """Latest heartbeat candle when fresh; else the public ticker; else the last candle
    if it is at most :data:`MAX_AGE` old (else :class:`NoPriceAvailable`).

    ``public`` returns a keyless Binance handle (the manager's), used for tickers.
    """

    def __init__(self, sessions: sessionmaker[Session],
                 public: Callable[[], Awaitable[ExchangeHandle]] | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._sessions = sessions
        self._public = public
        self._now = now

    async def last_price(self, symbol: str) -> Decimal:
        with self._sessions() as s:
            row = _candle(s, symbol)
        if row is not None and self._now() - row.close_time <= FRESH:
            return row.close
        ticker_error = messages.NO_HEARTBEAT_CANDLE
        if self._public is not None:
            try:
                handle = await self._public()
                ticker = await handle.fetch_ticker(symbol)
                if ticker.last:
                    return ticker.last
            except AristobotError as e:
                ticker_error = e.user_message()
                log.info("paper price for %s: ticker unavailable (%s)", symbol, e)
        if row is not None:
            age = self._now() - row.close_time
            if age <= MAX_AGE:
                return row.close
            minutes = int(age.total_seconds() // 60)
            ticker_error += messages.last_candle_too_old(
                minutes, int(MAX_AGE.total_seconds() // 60))
        raise NoPriceAvailable(symbol=symbol, reason=ticker_error)


class FixedPrices:
    """A price table (tests, notebooks)."""

    def __init__(self, prices: dict[str, Decimal | str | float]) -> None:
        self.prices = {k: Decimal(str(v)) for k, v in prices.items()}

    async def last_price(self, symbol: str) -> Decimal:
        try:
            return self.prices[symbol]
        except KeyError:
            raise NoPriceAvailable(symbol=symbol, reason=messages.PRICE_NOT_SET) from None
