"""Market rules and amount conversions: pure, exact (Decimal), French errors.

A market's precision is expressed as steps (tick size for prices, step size for amounts);
the ccxt adapter converts whatever precision mode an exchange uses into these steps.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal, InvalidOperation

from aristobot.core import messages
from aristobot.domain.exchange import MarketRules
from aristobot.errors import ValidationError


def parse_decimal(raw: object, label: str) -> Decimal:
    """Parse a user-typed number (« 0,5 » accepted) into a finite Decimal."""
    text = str(raw).strip().replace(",", ".").replace(" ", "").replace("\u202f", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError(reason=messages.number_expected(label, raw)) from None
    if not value.is_finite():
        raise ValidationError(reason=messages.finite_number_expected(label, raw))
    return value


def floor_to_step(value: Decimal, step: Decimal | None) -> Decimal:
    """Round ``value`` down to a multiple of ``step`` (unchanged when no step)."""
    if not step:
        return value
    return (value / step).to_integral_value(rounding=ROUND_DOWN) * step


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")


def amount_from_quote(quote_amount: Decimal, price: Decimal, rules: MarketRules) -> Decimal:
    """Return the base quantity worth ``quote_amount`` at ``price``, rounded down to the step."""
    if price <= 0:
        raise ValidationError(reason=messages.invalid_price(rules.symbol, _fmt(price)))
    if quote_amount <= 0:
        raise ValidationError(reason=messages.QUOTE_AMOUNT_NOT_POSITIVE)
    return floor_to_step(quote_amount / price, rules.amount_step)


def check_order(rules: MarketRules, amount: Decimal, price: Decimal | None,
                reference_price: Decimal | None = None) -> None:
    """Refuse an order breaking the market's precision or minimums (French message).

    ``price`` is the limit price (None for a market order); ``reference_price`` is the
    last known price used to check the minimum cost of a market order.
    """
    s = rules.symbol
    if amount <= 0:
        raise ValidationError(reason=messages.QUANTITY_NOT_POSITIVE)
    if rules.amount_step and amount != floor_to_step(amount, rules.amount_step):
        rounded = floor_to_step(amount, rules.amount_step)
        example = _fmt(rounded) if rounded > 0 else ""
        raise ValidationError(reason=messages.quantity_too_precise(
            _fmt(amount), rules.base, s, _fmt(rules.amount_step), example))
    if rules.min_amount is not None and amount < rules.min_amount:
        raise ValidationError(reason=messages.quantity_below_minimum(
            _fmt(amount), rules.base, s, _fmt(rules.min_amount)))
    if rules.max_amount is not None and rules.max_amount > 0 and amount > rules.max_amount:
        raise ValidationError(reason=messages.quantity_above_maximum(
            _fmt(amount), rules.base, s, _fmt(rules.max_amount)))
    if price is not None:
        if price <= 0:
            raise ValidationError(reason=messages.LIMIT_PRICE_NOT_POSITIVE)
        if rules.price_step and price != floor_to_step(price, rules.price_step):
            raise ValidationError(
                reason=messages.price_too_precise(_fmt(price), s, _fmt(rules.price_step)))
    ref = price if price is not None else reference_price
    if rules.min_cost is not None and ref is not None and amount * ref < rules.min_cost:
        raise ValidationError(reason=messages.cost_below_minimum(
            _fmt(amount * ref), rules.quote, s, _fmt(rules.min_cost)))
