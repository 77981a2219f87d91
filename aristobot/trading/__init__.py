"""Manual trading: market rules, amount conversions, order placement journaled in trades."""

from aristobot.trading.rules import (
    MarketRules,
    amount_from_quote,
    check_order,
    floor_to_step,
    parse_decimal,
    quote_from_amount,
)

__all__ = ["MarketRules", "amount_from_quote", "check_order", "floor_to_step", "parse_decimal",
           "quote_from_amount"]
