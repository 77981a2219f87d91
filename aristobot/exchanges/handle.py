"""A ccxt instance seen through the boundary: typed results, translated errors, retries.

``ExchangeHandle`` wraps a ccxt exchange or the paper broker and offers only what Aristobot
uses, each answer converted into our own types (:mod:`aristobot.domain.exchange`): markets,
balances, tickers and orders with ``Decimal`` amounts; candles stay float rows (research
series). ccxt errors become Aristobot errors once, here; read-only calls (``fetch_*``,
``load_markets``) are retried on transient errors with capped backoff; ``create_order``
never re-sends blindly: after an ambiguous failure it asks the exchange for the order by its
client order id a few times (an order may not be visible at once); a market order still
absent raises :class:`OrderStatusUnknown` and is never re-sent, a limit order is re-sent
with the same id.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from aristobot.domain.exchange import Balance, Market, Order, Ticker
from aristobot.errors import (
    AristobotError,
    OrderNotFound,
    OrderStatusUnknown,
    RateLimited,
    TemporaryError,
)
from aristobot.exchanges import messages
from aristobot.exchanges.market_rules import TICK_SIZE
from aristobot.exchanges.paper.exchange import PaperExchange
from aristobot.exchanges.parsing import parse_balance, parse_markets, parse_order, parse_ticker
from aristobot.exchanges.retry import RetryPolicy, with_retry
from aristobot.exchanges.translation import is_ambiguous, translate

log = logging.getLogger(__name__)
VISIBILITY_CHECKS = 4  # looks for an order after an ambiguous failure before concluding


def new_client_order_id() -> str:
    """Return a fresh client order id accepted by Binance and most exchanges (32 chars)."""
    return "ab" + uuid.uuid4().hex[:30]


class ExchangeHandle:
    """The only way the rest of Aristobot talks to an exchange instance."""

    def __init__(
        self,
        raw: Any,
        name: str,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._raw = raw
        self.name = name  # display name used in French messages (« Binance »)
        self.policy = policy or RetryPolicy()
        self._sleep = sleep
        self._markets: dict[str, Market] = {}

    def __repr__(self) -> str:
        return f"ExchangeHandle({self.id})"

    @property
    def id(self) -> str:
        """The ccxt exchange id (« binance », « paper »)."""
        return str(getattr(self._raw, "id", "?"))

    async def _call(self, method: str, *args: Any, retry: bool = False, **kwargs: Any) -> Any:
        """Call ``raw.<method>``; translate errors; retry transient ones when ``retry``."""
        fn = getattr(self._raw, method)

        async def once() -> Any:
            try:
                return await fn(*args, **kwargs)
            except AristobotError:
                raise
            except Exception as e:
                raise translate(e, self.name) from e

        if not retry:
            return await once()
        return await with_retry(once, self.policy, f"{self.name}.{method}", self._sleep)

    # --- markets and public data -------------------------------------------------------------
    async def load_markets(self, reload: bool = False) -> dict[str, Market]:
        """Load (once, or again with ``reload``) and return the markets by symbol."""
        raw = await self._call("load_markets", reload, retry=True)
        self._markets = parse_markets(raw or {}, getattr(self._raw, "precisionMode", TICK_SIZE))
        return self._markets

    @property
    def markets(self) -> dict[str, Market]:
        """The markets loaded by :meth:`load_markets` (empty before)."""
        return self._markets

    def supports(self, feature: str) -> bool:
        """Whether the exchange has the ccxt unified ``feature`` (« createStopLossOrder »)."""
        return bool((getattr(self._raw, "has", None) or {}).get(feature))

    def amount_to_precision(self, symbol: str, amount: Decimal) -> Decimal:
        """``amount`` rounded as the exchange wants it for ``symbol`` (markets loaded)."""
        return Decimal(str(self._raw.amount_to_precision(symbol, float(amount))))

    def price_to_precision(self, symbol: str, price: Decimal) -> Decimal:
        return Decimal(str(self._raw.price_to_precision(symbol, float(price))))

    async def fetch_ticker(self, symbol: str) -> Ticker:
        return parse_ticker(await self._call("fetch_ticker", symbol, retry=True))

    async def fetch_ohlcv(self, symbol: str, timeframe: str, since: int | None = None,
                          limit: int | None = None) -> list[list[float]]:
        """Candles as ``[open_ms, open, high, low, close, volume]`` rows (research floats)."""
        rows: list[list[float]] = await self._call("fetch_ohlcv", symbol, timeframe, since,
                                                   limit, retry=True)
        return rows

    async def share_markets_with(self, other: ExchangeHandle) -> None:
        """Give ``other`` (a keyed instance of the same exchange) this one's loaded markets.

        ccxt needs markets before a balance: a key check borrows the shared public
        instance's instead of loading them again.
        """
        await self.load_markets()
        other._raw.set_markets(self._raw.markets, getattr(self._raw, "currencies", None))

    # --- account ---------------------------------------------------------------------------------
    async def fetch_balance(self) -> Balance:
        return parse_balance(await self._call("fetch_balance", retry=True))

    async def fetch_order(self, order_id: str, symbol: str) -> Order:
        return parse_order(await self._call("fetch_order", order_id, symbol, retry=True))

    async def fetch_open_orders(self, symbol: str | None = None) -> list[Order]:
        raw = await self._call("fetch_open_orders", symbol, retry=True)
        return [parse_order(o) for o in raw or []]

    async def cancel_order(self, order_id: str, symbol: str) -> Order:
        return parse_order(await self._call("cancel_order", order_id, symbol))

    async def match_paper_orders(self) -> int:
        """Paper broker only: fill its open limit orders the market reached; 0 elsewhere."""
        if not isinstance(self._raw, PaperExchange):
            return 0
        return await self._raw.match_orders()

    async def create_order(
        self,
        symbol: str,
        type: str,
        side: str,
        amount: Decimal,
        price: Decimal | None = None,
        params: dict[str, Any] | None = None,
        *,
        client_order_id: str | None = None,
    ) -> Order:
        """Place an order at most once, identified by ``client_order_id`` (generated if None)."""
        cid = client_order_id or (params or {}).get("clientOrderId") or new_client_order_id()
        order_params = {**(params or {}), "clientOrderId": cid}
        attempt = 1
        while True:
            try:
                raw = await self._raw.create_order(
                    symbol, type, side, float(amount),
                    float(price) if price is not None else None, order_params,
                )
                return parse_order(raw)
            except AristobotError:
                raise
            except Exception as e:
                err = translate(e, self.name)
                last = attempt >= self.policy.attempts
                if isinstance(err, RateLimited) and not last:
                    await self._sleep(self.policy.delay(attempt))  # refused, so not placed
                elif not is_ambiguous(e):
                    raise err from e
                else:
                    log.warning("order %s: ambiguous failure (%s), checking first", cid, err)
                    found = await self._look_for(cid, symbol, err.context.get("reason"))
                    if found is not None:
                        return found
                    if last or type == "market":
                        # Still invisible after a few looks: a market order is never sent
                        # twice on a guess; a human (or sync) must settle it.
                        raise OrderStatusUnknown(
                            exchange=self.name, client_order_id=cid,
                            reason=err.context.get("reason") or messages.NO_ANSWER,
                        ) from e
                    await self._sleep(self.policy.delay(attempt))
                attempt += 1

    async def _look_for(self, cid: str, symbol: str, reason: object) -> Order | None:
        """Ask for ``cid`` up to :data:`VISIBILITY_CHECKS` times, with backoff.

        An order just accepted may not be visible yet: one « not found » proves nothing.
        """
        for look in range(1, VISIBILITY_CHECKS + 1):
            found = await self.find_order(cid, symbol, reason=reason)
            if found is not None or look == VISIBILITY_CHECKS:
                return found
            await self._sleep(self.policy.delay(look))
        return None

    async def find_order(
        self, client_order_id: str, symbol: str, reason: object = None
    ) -> Order | None:
        """Return the order known by ``client_order_id``, None when the exchange has none.

        Raise :class:`OrderStatusUnknown` when the exchange cannot be asked.
        """
        try:
            raw = await self._call(
                "fetch_order", client_order_id, symbol, {"clientOrderId": client_order_id},
                retry=True,
            )
            return parse_order(raw)
        except OrderNotFound:
            return None
        except TemporaryError as e:
            raise OrderStatusUnknown(
                exchange=self.name, client_order_id=client_order_id,
                reason=reason or e.context.get("reason", ""),
            ) from e

    async def close(self) -> None:
        """Close the wrapped instance (never raises)."""
        try:
            await self._raw.close()
        except Exception:
            # Called at shutdown and when a broker is forgotten: the instance is dropped
            # either way, so a failure to close its HTTP session is only worth a log line.
            log.exception("closing %r failed", self)
