from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aristobot.core.order_rules import (
    amount_from_quote,
    check_order,
    floor_to_step,
    parse_decimal,
)
from aristobot.domain.exchange import MarketRules
from aristobot.errors import ValidationError
from aristobot.exchanges.market_rules import DECIMAL_PLACES, rules_from_market

BTC = MarketRules("BTC/USDT", "BTC", "USDT", amount_step=D("0.00001"), price_step=D("0.01"),
                  min_amount=D("0.00001"), max_amount=D("9000"), min_cost=D("5"))


def test_usd_to_quantity_rounds_down_to_the_step() -> None:
    assert amount_from_quote(D("100"), D("30000"), BTC) == D("0.00333")


@given(st.decimals(min_value=D("1"), max_value=D("100000"), places=2),
       st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2))
def test_converted_quantity_never_costs_more_than_typed(usd: D, price: D) -> None:
    qty = amount_from_quote(usd, price, BTC)
    assert qty * price <= usd
    assert qty == floor_to_step(qty, BTC.amount_step)
    assert usd - qty * price < BTC.amount_step * price + D("1e-20")


def test_parse_decimal_accepts_french_comma_and_refuses_text() -> None:
    assert parse_decimal("0,5", "Quantité") == D("0.5")
    with pytest.raises(ValidationError) as e:
        parse_decimal("abc", "Quantité")
    assert "nombre attendu" in e.value.user_message()


@pytest.mark.parametrize(("amount", "price", "ref", "words"), [
    (D("0.000001"), None, D("30000"), "trop précise"),
    (D("0.0001"), None, D("30000"), "inférieur au minimum"),
    (D("10000"), None, D("1"), "supérieure au maximum"),
    (D("0.001"), D("30000.001"), None, "trop précis"),
    (D("0"), None, None, "strictement positive"),
])
def test_check_order_refuses_with_french_messages(amount: D, price: D | None, ref: D | None,
                                                  words: str) -> None:
    with pytest.raises(ValidationError) as e:
        check_order(BTC, amount, price, ref)
    assert words in e.value.user_message()


def test_check_order_accepts_a_valid_order() -> None:
    check_order(BTC, D("0.001"), D("30000.01"))
    check_order(BTC, D("0.001"), None, D("30000"))


def test_rules_from_ccxt_market_in_both_precision_modes() -> None:
    market = {"symbol": "BTC/USDT", "base": "BTC", "quote": "USDT",
              "precision": {"amount": 1e-05, "price": 0.01},
              "limits": {"amount": {"min": 1e-05, "max": 9000.0}, "cost": {"min": 5.0}}}
    r = rules_from_market(market)
    assert (r.amount_step, r.price_step, r.min_cost) == (D("0.00001"), D("0.01"), D("5.0"))
    places = {**market, "precision": {"amount": 5, "price": 2}}
    r2 = rules_from_market(places, DECIMAL_PLACES)
    assert (r2.amount_step, r2.price_step) == (D("0.00001"), D("0.01"))
