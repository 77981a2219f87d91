"""The paper (dry-run) broker: simulated fills on live prices, persisted balances/orders."""

from aristobot.exchanges.paper.exchange import PaperExchange
from aristobot.exchanges.paper.markets import builtin_markets, paper_markets
from aristobot.exchanges.paper.prices import FixedPrices, LivePrices, PriceSource

__all__ = ["FixedPrices", "LivePrices", "PaperExchange", "PriceSource", "builtin_markets",
           "paper_markets"]
