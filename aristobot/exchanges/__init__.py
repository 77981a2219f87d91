"""Exchanges adapter: ccxt instances per broker, error boundary, markets, paper broker.

The manager and the markets loader are imported lazily (they depend on ``aristobot.brokers``,
which itself uses this package's catalog).
"""

from __future__ import annotations

import importlib
from typing import Any

from aristobot.exchanges.catalog import PAPER, ExchangeInfo, exchange_ids, exchange_info
from aristobot.exchanges.handle import ExchangeHandle, new_client_order_id
from aristobot.exchanges.retry import RetryPolicy

_LAZY = {
    "CCXTManager": "aristobot.exchanges.manager",
    "get_manager": "aristobot.exchanges.manager",
    "ensure_markets": "aristobot.exchanges.markets",
    "load_exchange_markets": "aristobot.exchanges.markets",
    "load_missing_markets": "aristobot.exchanges.markets",
    "loaded_exchanges": "aristobot.exchanges.markets",
    "reload_all_markets": "aristobot.exchanges.markets",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)


__all__ = [
    "PAPER", "CCXTManager", "ExchangeHandle", "ExchangeInfo", "RetryPolicy", "ensure_markets",
    "exchange_ids", "exchange_info", "get_manager", "load_exchange_markets",
    "load_missing_markets", "loaded_exchanges", "new_client_order_id", "reload_all_markets",
]
