"""A ccxt instance seen through the boundary: translated errors, retries, safe order placement.

``ExchangeHandle`` proxies every attribute of the wrapped instance (a ccxt exchange or the
paper broker). Coroutine methods are wrapped: ccxt errors become Aristobot errors once, here;
read-only calls (``fetch_*``, ``load_markets``) are retried on transient errors with capped
backoff; ``create_order`` never re-sends blindly: after an ambiguous failure it asks the
exchange for the order by its client order id a few times (an order may not be visible at
once); a market order still absent raises :class:`OrderStatusUnknown` and is never re-sent,
a limit order is re-sent with the same id.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aristobot.errors import (
    AristobotError,
    OrderNotFound,
    OrderStatusUnknown,
    RateLimited,
    TemporaryError,
)
from aristobot.exchanges.retry import RetryPolicy, with_retry
from aristobot.exchanges.translation import is_ambiguous, translate

log = logging.getLogger(__name__)
_RETRYABLE_PREFIXES = ("fetch_", "load_markets")
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
        self.raw = raw
        self.name = name  # display name used in French messages (« Binance »)
        self.policy = policy or RetryPolicy()
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"ExchangeHandle({getattr(self.raw, 'id', '?')})"

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self.raw, attr)
        if not inspect.iscoroutinefunction(value):
            return value
        retry = attr.startswith(_RETRYABLE_PREFIXES)

        async def call(*args: Any, **kwargs: Any) -> Any:
            return await self.call(attr, *args, retry=retry, **kwargs)

        return call

    async def call(self, method: str, *args: Any, retry: bool = False, **kwargs: Any) -> Any:
        """Call ``raw.<method>``; translate errors; retry transient ones when ``retry``."""
        fn = getattr(self.raw, method)

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

    async def create_order(
        self,
        symbol: str,
        type: str,
        side: str,
        amount: float,
        price: float | None = None,
        params: dict[str, Any] | None = None,
        *,
        client_order_id: str | None = None,
    ) -> dict[str, Any]:
        """Place an order at most once, identified by ``client_order_id`` (generated if None)."""
        cid = client_order_id or (params or {}).get("clientOrderId") or new_client_order_id()
        order_params = {**(params or {}), "clientOrderId": cid}
        attempt = 1
        while True:
            try:
                order: dict[str, Any] = await self.raw.create_order(
                    symbol, type, side, amount, price, order_params
                )
                return order
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
                            reason=err.context.get("reason") or "aucune réponse",
                        ) from e
                    await self._sleep(self.policy.delay(attempt))
                attempt += 1

    async def _look_for(self, cid: str, symbol: str, reason: object) -> dict[str, Any] | None:
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
    ) -> dict[str, Any] | None:
        """Return the order known by ``client_order_id``, None when the exchange has none.

        Raise :class:`OrderStatusUnknown` when the exchange cannot be asked.
        """
        try:
            order: dict[str, Any] = await self.call(
                "fetch_order", client_order_id, symbol, {"clientOrderId": client_order_id},
                retry=True,
            )
            return order
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
            await self.raw.close()
        except Exception:
            # Called at shutdown and when a broker is forgotten: the instance is dropped
            # either way, so a failure to close its HTTP session is only worth a log line.
            log.exception("closing %r failed", self)
