"""CCXTManager: one exchange instance per (user, broker), markets loaded once, shared.

Every part of the process (manual trading, backtest, engine, webhooks) gets its exchange
with ``await manager.exchange_for(user_id, broker_id)``: an :class:`ExchangeHandle` whose
calls go through the error-translation boundary. Instances are created on first use,
``load_markets()`` runs once and stays cached, rate limiting is on, and ``aclose()`` (at
runtime shutdown) closes them all. Keyless public instances (per exchange id) serve prices,
candles and market lists.

The manager does not know where brokers are stored: it is given an :data:`AccountLookup`
(the brokers service reads and decrypts the broker). Building it for a runtime is service
work: :func:`aristobot.brokers.connections.get_manager`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from aristobot.domain.exchange import Market
from aristobot.exchanges.catalog import PAPER, display_name
from aristobot.exchanges.factory import create_exchange
from aristobot.exchanges.handle import ExchangeHandle
from aristobot.exchanges.paper import LivePrices, PaperExchange
from aristobot.exchanges.paper.markets import PRICE_EXCHANGE
from aristobot.exchanges.retry import RetryPolicy

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ExchangeAccount:
    """What the exchange layer needs to open one broker; holds secrets (never logged)."""

    broker_id: int
    exchange_id: str
    credentials: Mapping[str, str] = field(repr=False)
    testnet: bool = False
    paper_capital: Decimal = Decimal(0)  # starting capital of a paper broker


#: ``(user_id, broker_id) -> ExchangeAccount``; raises ``NotFound`` for another user's broker.
AccountLookup = Callable[[int, int], ExchangeAccount]


class CCXTManager:
    """The process-wide registry of exchange instances."""

    def __init__(self, sessions: sessionmaker[Session], accounts: AccountLookup,
                 overrides: Mapping[str, str] | None = None, policy: RetryPolicy | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._sessions = sessions
        self._accounts = accounts
        self.policy = policy or RetryPolicy()
        self._sleep = sleep
        self._overrides = dict(overrides or {})
        self._handles: dict[tuple[int, int], ExchangeHandle] = {}
        self._public: dict[str, ExchangeHandle] = {}
        self._locks: dict[object, asyncio.Lock] = {}
        self.prices = LivePrices(sessions, lambda: self.public_exchange(PRICE_EXCHANGE))

    def override_url(self, exchange_id: str) -> str | None:
        """The local base URL replacing ``exchange_id``'s API (tests/dev), if any."""
        return self._overrides.get(exchange_id)

    def _lock(self, key: object) -> asyncio.Lock:
        return self._locks.setdefault(key, asyncio.Lock())

    def build_raw(self, account: ExchangeAccount) -> Any:
        """Create the raw instance (ccxt or paper) for a broker's account."""
        if account.exchange_id == PAPER:
            return PaperExchange(self._sessions, account.broker_id, account.paper_capital,
                                 self.prices, ohlcv=self._paper_ohlcv)
        return create_exchange(account.exchange_id, account.credentials,
                               testnet=account.testnet,
                               override_url=self.override_url(account.exchange_id))

    def wrap(self, raw: Any, exchange_id: str) -> ExchangeHandle:
        name = "Paper" if exchange_id == PAPER else display_name(exchange_id)
        return ExchangeHandle(raw, name, self.policy, self._sleep)

    def open_uncached(self, account: ExchangeAccount) -> ExchangeHandle:
        """A fresh handle the caller closes (a key check before the broker is saved)."""
        return self.wrap(self.build_raw(account), account.exchange_id)

    async def exchange_for(self, user_id: int, broker_id: int) -> ExchangeHandle:
        """Return the (cached) handle of ``user_id``'s broker ``broker_id``, markets loaded.

        Raises ``NotFound`` when the broker does not belong to ``user_id``.
        """
        key = (user_id, broker_id)
        if key in self._handles:
            return self._handles[key]
        async with self._lock(key):
            if key in self._handles:
                return self._handles[key]
            account = self._accounts(user_id, broker_id)
            handle = self.wrap(self.build_raw(account), account.exchange_id)
            try:
                await handle.load_markets()
            except BaseException:
                await handle.close()
                raise
            self._handles[key] = handle
            return handle

    async def public_exchange(self, exchange_id: str) -> ExchangeHandle:
        """Return a keyless shared handle for public data (markets, tickers, candles)."""
        if exchange_id in self._public:
            return self._public[exchange_id]
        async with self._lock(exchange_id):
            if exchange_id not in self._public:
                raw = create_exchange(exchange_id, override_url=self.override_url(exchange_id))
                self._public[exchange_id] = self.wrap(raw, exchange_id)
            return self._public[exchange_id]

    async def _paper_ohlcv(self, symbol: str, timeframe: str, since: int | None,
                           limit: int | None) -> list[list[float]]:
        handle = await self.public_exchange(PRICE_EXCHANGE)
        return await handle.fetch_ohlcv(symbol, timeframe, since, limit)

    async def forget(self, user_id: int, broker_id: int) -> None:
        """Close and drop a broker's instance (after it was edited or deleted)."""
        handle = self._handles.pop((user_id, broker_id), None)
        if handle is not None:
            await handle.close()

    def loaded_markets(self, user_id: int, broker_id: int) -> dict[str, Market]:
        """The markets of a broker whose instance is open (empty when it is not): no request."""
        handle = self._handles.get((user_id, broker_id))
        return handle.markets if handle is not None else {}

    def cached(self) -> list[tuple[int, int]]:
        return list(self._handles)

    async def aclose(self) -> None:
        """Close every instance (runtime shutdown)."""
        handles = [*self._handles.values(), *self._public.values()]
        self._handles.clear()
        self._public.clear()
        for h in handles:
            await h.close()

