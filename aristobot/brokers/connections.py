"""A user's broker opened as an exchange: the runtime's CCXT manager, fed by this service.

The exchange adapter (:class:`CCXTManager`) never reads the database: this module gives it
an account lookup that reads and decrypts the broker (scoped by user), and keeps one manager
per runtime in the :data:`EXCHANGES` slot, closed with the runtime.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal

from aristobot.brokers.repository import broker_config
from aristobot.exchanges.factory import url_overrides
from aristobot.exchanges.manager import AccountLookup, CCXTManager, ExchangeAccount
from aristobot.exchanges.retry import RetryPolicy
from aristobot.runtime import Runtime, Slot

EXCHANGES: Slot[CCXTManager] = Slot("ccxt")


def account_lookup(runtime: Runtime) -> AccountLookup:
    """Return the lookup giving the manager a user's broker (``NotFound`` for another's)."""
    default_capital = Decimal(runtime.settings.paper_starting_capital)

    def lookup(user_id: int, broker_id: int) -> ExchangeAccount:
        with runtime.sessions() as s:
            config = broker_config(s, runtime.vault, user_id, broker_id)
        b = config.broker
        return ExchangeAccount(b.id, b.exchange, config.credentials, b.is_testnet,
                               b.paper_capital or default_capital)

    return lookup


def build_manager(runtime: Runtime, policy: RetryPolicy | None = None,
                  sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> CCXTManager:
    """Build a manager for ``runtime`` (closed with it); :func:`get_manager` keeps one."""
    settings = runtime.settings
    manager = CCXTManager(
        runtime.sessions, account_lookup(runtime),
        url_overrides(settings.exchange_url_overrides, settings.binance_rest_url),
        policy, sleep)
    runtime.on_close(manager.aclose)
    return manager


def get_manager(runtime: Runtime) -> CCXTManager:
    """Return the runtime's manager, creating it on first use."""
    return runtime.provide(EXCHANGES, lambda: build_manager(runtime))


async def forget_broker(runtime: Runtime, user_id: int, broker_id: int) -> None:
    """Close a broker's open exchange (after it was edited or deleted): the next use reopens."""
    manager = runtime.get(EXCHANGES)
    if manager is not None:
        await manager.forget(user_id, broker_id)
