"""Exchanges adapter: ccxt instances per broker, error boundary, the paper broker.

It never imports a service: the manager is handed an account lookup by
:mod:`aristobot.brokers.connections`, which also keeps the runtime's manager; markets are
stored by :mod:`aristobot.brokers.markets`.
"""

from __future__ import annotations

from aristobot.exchanges.catalog import PAPER, ExchangeInfo, exchange_ids, exchange_info
from aristobot.exchanges.handle import ExchangeHandle, new_client_order_id
from aristobot.exchanges.manager import AccountLookup, CCXTManager, ExchangeAccount
from aristobot.exchanges.retry import RetryPolicy

__all__ = [
    "PAPER", "AccountLookup", "CCXTManager", "ExchangeAccount", "ExchangeHandle", "ExchangeInfo",
    "RetryPolicy", "exchange_ids", "exchange_info", "new_client_order_id",
]
