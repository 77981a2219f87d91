"""Prices for the paper broker: heartbeat candles first, then the public Binance ticker."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from aristobot.db.models import CandleRow
from aristobot.errors import AristobotError, NoPriceAvailable
from aristobot.exchanges.paper.markets import PRICE_EXCHANGE

log = logging.getLogger(__name__)
FRESH = timedelta(minutes=5)


class PriceSource(Protocol):
    async def last_price(self, symbol: str) -> Decimal: ...


def _candle(s: Session, symbol: str) -> CandleRow | None:
    forms = {symbol, symbol.replace("/", ""), symbol.replace("/", "-")}
    q = (select(CandleRow).where(CandleRow.exchange == PRICE_EXCHANGE,
                                 CandleRow.symbol.in_(forms))
         .order_by(CandleRow.close_time.desc()).limit(1))
    return s.scalar(q)


class LivePrices:
    """Latest heartbeat candle when fresh; else the public ticker; else the last candle.

    ``public`` returns a keyless Binance handle (the manager's), used for tickers.
    """

    def __init__(self, sessions: sessionmaker[Session],
                 public: Callable[[], Awaitable[Any]] | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._sessions = sessions
        self._public = public
        self._now = now

    async def last_price(self, symbol: str) -> Decimal:
        with self._sessions() as s:
            row = _candle(s, symbol)
        if row is not None and self._now() - row.close_time <= FRESH:
            return row.close
        ticker_error = "aucune bougie du heartbeat"
        if self._public is not None:
            try:
                handle = await self._public()
                ticker = await handle.call("fetch_ticker", symbol)
                last = ticker.get("last") or ticker.get("close")
                if last:
                    return Decimal(str(last))
            except AristobotError as e:
                ticker_error = e.user_message()
                log.info("paper price for %s: ticker unavailable (%s)", symbol, e)
        if row is not None:
            return row.close
        raise NoPriceAvailable(symbol=symbol, reason=ticker_error)


class FixedPrices:
    """A price table (tests, notebooks)."""

    def __init__(self, prices: dict[str, Decimal | str | float]) -> None:
        self.prices = {k: Decimal(str(v)) for k, v in prices.items()}

    async def last_price(self, symbol: str) -> Decimal:
        try:
            return self.prices[symbol]
        except KeyError:
            raise NoPriceAvailable(symbol=symbol, reason="prix non défini") from None
