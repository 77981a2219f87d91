"""Convert ccxt market structures into :class:`MarketRules` (steps, minimums)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aristobot.domain.exchange import MarketRules

# ccxt precision modes (ccxt.base.decimal_to_precision): DECIMAL_PLACES=2,
# SIGNIFICANT_DIGITS=3, TICK_SIZE=4. Repeated here so this module stays light.
DECIMAL_PLACES, SIGNIFICANT_DIGITS, TICK_SIZE = 2, 3, 4


def to_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        out = Decimal(str(value))
    except ArithmeticError:
        return None
    return out if out.is_finite() else None


def precision_step(value: Any, mode: int) -> Decimal | None:
    """Return the step for a ccxt precision ``value`` under precision ``mode``."""
    d = to_decimal(value)
    if d is None:
        return None
    if mode == TICK_SIZE:
        return d if d > 0 else None
    if mode == DECIMAL_PLACES:
        return Decimal(1).scaleb(-int(d))
    return None  # significant digits: no fixed step


def rules_from_market(market: dict[str, Any], precision_mode: int = TICK_SIZE) -> MarketRules:
    """Build the rules of one ccxt market dict."""
    precision = market.get("precision") or {}
    limits = market.get("limits") or {}
    amount_limits = limits.get("amount") or {}
    cost_limits = limits.get("cost") or {}
    return MarketRules(
        symbol=market["symbol"],
        base=market["base"],
        quote=market["quote"],
        amount_step=precision_step(precision.get("amount"), precision_mode),
        price_step=precision_step(precision.get("price"), precision_mode),
        min_amount=to_decimal(amount_limits.get("min")),
        max_amount=to_decimal(amount_limits.get("max")),
        min_cost=to_decimal(cost_limits.get("min")),
    )
