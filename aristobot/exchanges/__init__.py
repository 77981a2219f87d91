"""Exchanges adapter: ccxt instances per broker, error boundary, markets, paper broker."""

from aristobot.exchanges.catalog import PAPER, ExchangeInfo, exchange_ids, exchange_info
from aristobot.exchanges.handle import ExchangeHandle, new_client_order_id
from aristobot.exchanges.manager import CCXTManager, get_manager
from aristobot.exchanges.markets_loader import (
    ensure_markets,
    load_exchange_markets,
    load_missing_markets,
    loaded_exchanges,
    reload_all_markets,
)
from aristobot.exchanges.retry import RetryPolicy

__all__ = [
    "PAPER", "CCXTManager", "ExchangeHandle", "ExchangeInfo", "RetryPolicy", "ensure_markets",
    "exchange_ids", "exchange_info", "get_manager", "load_exchange_markets",
    "load_missing_markets", "loaded_exchanges", "new_client_order_id", "reload_all_markets",
]
