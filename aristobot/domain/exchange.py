"""What an exchange answers, as Aristobot's own types: markets, orders, balances, tickers.

The exchange adapter converts ccxt structures into these once, at its boundary
(:mod:`aristobot.exchanges.parsing`); money and quantities are exact ``Decimal``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

ZERO = Decimal(0)
#: Assets counted as dollars (1:1 to USD).
USD_LIKE = frozenset({"USD", "USDT", "USDC", "BUSD", "FDUSD", "TUSD", "DAI", "USDP"})
#: The quotes whose market gives an asset's USD price, best first.
USD_QUOTES = ("USDT", "USDC", "USD")


@dataclass(frozen=True, slots=True)
class MarketRules:
    """A market's precision (as steps: tick size, lot step) and minimums."""

    symbol: str
    base: str
    quote: str
    amount_step: Decimal | None = None
    price_step: Decimal | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    min_cost: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Market:
    """One tradable market of an exchange."""

    rules: MarketRules
    active: bool = True
    type: str = "spot"  # spot, margin, swap, future, option

    @property
    def symbol(self) -> str:
        return self.rules.symbol

    @property
    def base(self) -> str:
        return self.rules.base

    @property
    def quote(self) -> str:
        return self.rules.quote

    @property
    def spot(self) -> bool:
        return self.type == "spot"


@dataclass(frozen=True, slots=True)
class Order:
    """An order as the exchange reports it (ccxt's unified ``status``: open, closed, …)."""

    id: str | None
    client_order_id: str | None
    symbol: str
    type: str
    side: str
    status: str
    amount: Decimal | None = None
    filled: Decimal = ZERO
    price: Decimal | None = None
    average: Decimal | None = None
    cost: Decimal | None = None
    fee: Decimal | None = None
    fee_currency: str | None = None
    timestamp: datetime | None = None
    # The exchange's answer (JSON-safe, without its bulky ``info``), kept only for the trade
    # journal's audit column; code reads the typed fields above.
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Balance:
    """Amounts per asset: available (``free``), held by open orders (``used``), ``total``."""

    free: Mapping[str, Decimal] = field(default_factory=dict)
    used: Mapping[str, Decimal] = field(default_factory=dict)
    total: Mapping[str, Decimal] = field(default_factory=dict)

    def free_of(self, asset: str) -> Decimal:
        return self.free.get(asset, ZERO)

    def used_of(self, asset: str) -> Decimal:
        return self.used.get(asset, ZERO)

    def total_of(self, asset: str) -> Decimal:
        return self.total.get(asset, ZERO)


@dataclass(frozen=True, slots=True)
class Ticker:
    symbol: str
    last: Decimal | None  # the last trade's price (the close when the exchange gives no last)
    bid: Decimal | None = None
    ask: Decimal | None = None
