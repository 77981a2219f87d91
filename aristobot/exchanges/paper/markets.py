"""Which markets the paper broker offers.

The paper broker trades at Binance spot prices (the heartbeat's candles), so it offers the
Binance **spot** markets stored in ``exchange_symbols`` once they are loaded, with their real
precision and minimums. Before that it offers a small built-in set of major USDT pairs with
Binance-like rules, so a new user can trade at once.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aristobot.db.models import ExchangeSymbolRow

PRICE_EXCHANGE = "binance"

# base, amount step, price tick: close to Binance's rules for these pairs.
_BUILTIN: tuple[tuple[str, str, str], ...] = (
    ("BTC", "0.00001", "0.01"),
    ("ETH", "0.0001", "0.01"),
    ("BNB", "0.001", "0.01"),
    ("SOL", "0.001", "0.01"),
    ("XRP", "0.1", "0.0001"),
    ("ADA", "0.1", "0.0001"),
    ("DOGE", "1", "0.00001"),
    ("LTC", "0.001", "0.01"),
)


def _market(symbol: str, base: str, quote: str, amount_step: Decimal | None,
            price_step: Decimal | None, min_amount: Decimal | None,
            max_amount: Decimal | None, min_cost: Decimal | None, active: bool = True
            ) -> dict[str, Any]:
    def f(v: Decimal | None) -> float | None:
        return float(v) if v is not None else None

    return {
        "id": base + quote, "symbol": symbol, "base": base, "quote": quote,
        "baseId": base, "quoteId": quote, "active": active, "type": "spot", "spot": True,
        "margin": False, "swap": False, "future": False, "option": False, "contract": False,
        "precision": {"amount": f(amount_step), "price": f(price_step)},
        "limits": {"amount": {"min": f(min_amount), "max": f(max_amount)},
                   "cost": {"min": f(min_cost), "max": None}, "price": {"min": None, "max": None}},
        "taker": 0.001, "maker": 0.001, "info": {},
    }


def builtin_markets() -> dict[str, dict[str, Any]]:
    out = {}
    for base, step, tick in _BUILTIN:
        sym = f"{base}/USDT"
        out[sym] = _market(sym, base, "USDT", Decimal(step), Decimal(tick), Decimal(step),
                           Decimal("9000000"), Decimal("5"))
    return out


def paper_markets(s: Session) -> dict[str, dict[str, Any]]:
    """Return ccxt-shaped markets: Binance spot rows of ``exchange_symbols`` or the built-ins."""
    rows = s.scalars(select(ExchangeSymbolRow).where(
        ExchangeSymbolRow.exchange == PRICE_EXCHANGE, ExchangeSymbolRow.type == "spot",
        ExchangeSymbolRow.active))
    out = {r.symbol: _market(r.symbol, r.base, r.quote, r.amount_precision, r.price_precision,
                             r.min_amount, r.max_amount, r.min_cost) for r in rows}
    return out or builtin_markets()
