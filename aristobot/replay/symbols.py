"""The spot markets the offline Binance lists: the served symbols plus the majors.

Each market has Binance-like trading rules (tick size, lot step, minimum notional), so
``ccxt.load_markets()`` builds real markets and amounts validate as they would on Binance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

QUOTES = ("USDT", "FDUSD", "USDC", "BTC", "ETH", "BNB", "EUR", "TRY")


@dataclass(frozen=True, slots=True)
class MarketSpec:
    """One spot market: its rules and a typical price and 1m volume (for synthetic data)."""

    symbol: str
    base: str
    quote: str
    price: float  # typical price (the synthetic market starts there)
    tick: float
    step: float
    min_notional: float
    volume_per_minute: float  # in base units

    @property
    def price_decimals(self) -> int:
        """Return the number of decimals of a price on this market's tick."""
        return _decimals(self.tick)


def _decimals(step: float) -> int:
    return max(0, round(-math.log10(step)))


# symbol: base, quote, price, tick, lot step, min notional, 1m volume (base units)
_MAJORS: tuple[tuple[str, str, float, float, float, float, float], ...] = (
    ("BTC", "USDT", 60_000.0, 0.01, 0.00001, 5.0, 15.0),
    ("ETH", "USDT", 3_000.0, 0.01, 0.0001, 5.0, 200.0),
    ("BNB", "USDT", 550.0, 0.01, 0.001, 5.0, 300.0),
    ("SOL", "USDT", 150.0, 0.01, 0.001, 5.0, 2_000.0),
    ("XRP", "USDT", 0.55, 0.0001, 0.1, 5.0, 300_000.0),
    ("ADA", "USDT", 0.45, 0.0001, 0.1, 5.0, 200_000.0),
    ("DOGE", "USDT", 0.12, 0.00001, 1.0, 5.0, 2_000_000.0),
    ("LTC", "USDT", 80.0, 0.01, 0.001, 5.0, 500.0),
    ("ETH", "BTC", 0.05, 0.00001, 0.0001, 0.0001, 100.0),
)

MAJORS: dict[str, MarketSpec] = {
    b + q: MarketSpec(b + q, b, q, p, t, s, n, v) for b, q, p, t, s, n, v in _MAJORS
}


def split_symbol(symbol: str) -> tuple[str, str]:
    """Return (base, quote) of an exchange symbol like ``BTCUSDT``; raise ``ValueError``."""
    for quote in QUOTES:
        if symbol.endswith(quote) and len(symbol) > len(quote):
            return symbol[: -len(quote)], quote
    raise ValueError(f"cannot tell the quote currency of {symbol!r}")


def spec_for(symbol: str, price: float | None = None) -> MarketSpec:
    """Return the market of ``symbol``: a major's rules, or rules fitted to ``price``."""
    symbol = symbol.upper()
    if symbol in MAJORS:
        return MAJORS[symbol]
    base, quote = split_symbol(symbol)
    p = price if price and price > 0 else 1.0
    tick = 10.0 ** min(-2, math.floor(math.log10(p)) - 5)
    step = 10.0 ** max(-8, min(0, -math.floor(math.log10(p)) - 3))
    notional = 5.0 if quote not in ("BTC", "ETH", "BNB") else 0.0001
    return MarketSpec(symbol, base, quote, p, max(tick, 1e-8), step, notional,
                      1_000.0 / max(p, 1e-6) ** 0.5)


def _fmt(x: float) -> str:
    return f"{x:.8f}"


def symbol_info(spec: MarketSpec) -> dict[str, Any]:
    """Return the ``exchangeInfo`` entry of ``spec``, shaped like Binance's spot answer."""
    return {
        "symbol": spec.symbol, "status": "TRADING", "baseAsset": spec.base,
        "baseAssetPrecision": 8, "quoteAsset": spec.quote, "quotePrecision": 8,
        "quoteAssetPrecision": 8, "baseCommissionPrecision": 8, "quoteCommissionPrecision": 8,
        "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT",
                       "TAKE_PROFIT_LIMIT"],
        "icebergAllowed": True, "ocoAllowed": True, "otoAllowed": True,
        "quoteOrderQtyMarketAllowed": True, "allowTrailingStop": True,
        "cancelReplaceAllowed": True, "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False,
        "filters": [
            {"filterType": "PRICE_FILTER", "minPrice": _fmt(spec.tick),
             "maxPrice": _fmt(max(1_000_000.0, spec.price * 1000)), "tickSize": _fmt(spec.tick)},
            {"filterType": "LOT_SIZE", "minQty": _fmt(spec.step),
             "maxQty": _fmt(9_000.0 if spec.step < 0.01 else 9_000_000.0),
             "stepSize": _fmt(spec.step)},
            {"filterType": "NOTIONAL", "minNotional": _fmt(spec.min_notional),
             "applyMinToMarket": True, "maxNotional": "9000000.00000000",
             "applyMaxToMarket": False, "avgPriceMins": 5},
            {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 200},
        ],
        "permissions": [], "permissionSets": [["SPOT"]],
        "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
        "allowedSelfTradePreventionModes": ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"],
    }


def exchange_info(specs: list[MarketSpec], server_time_ms: int) -> dict[str, Any]:
    """Return the whole ``GET /api/v3/exchangeInfo`` body for ``specs``."""
    return {
        "timezone": "UTC", "serverTime": server_time_ms,
        "rateLimits": [
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
             "limit": 6000},
            {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100},
            {"rateLimitType": "RAW_REQUESTS", "interval": "MINUTE", "intervalNum": 5,
             "limit": 61000},
        ],
        "exchangeFilters": [],
        "symbols": [symbol_info(s) for s in specs],
    }
