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


# Boundaries and exact messages (mutation testing: each of these killed a surviving mutant).
EDGE = MarketRules("ETH/USDT", "ETH", "USDT", amount_step=D("0.01"), price_step=D("0.5"),
                   min_amount=D("0.1"), max_amount=D("50"), min_cost=D("10"))


def _refusal(amount: D, price: D | None = None, ref: D | None = None,
             rules: MarketRules = EDGE) -> str:
    with pytest.raises(ValidationError) as e:
        check_order(rules, amount, price, ref)
    return e.value.user_message()


def test_check_order_limits_are_inclusive() -> None:
    check_order(EDGE, D("0.1"), D("100"))  # exactly the minimum amount, cost 10 == min cost
    check_order(EDGE, D("50"), D("0.5"))  # exactly the maximum amount
    check_order(EDGE, D("0.2"), None, D("50"))  # market order: cost 10 from the reference price
    check_order(EDGE, D("0.2"), None, None)  # no price known: the cost cannot be checked


def test_check_order_refusal_messages_name_the_values() -> None:
    assert _refusal(D("0.123")) == (
        "Quantité 0.123 ETH trop précise pour ETH/USDT : pas de 0.01 (ex. 0.12).")
    assert _refusal(D("0.001"), rules=MarketRules("ETH/USDT", "ETH", "USDT",
                                                  amount_step=D("0.01"))) == (
        "Quantité 0.001 ETH trop précise pour ETH/USDT : pas de 0.01.")  # no « ex. 0 »
    assert _refusal(D("0.09")) == (
        "Quantité 0.09 ETH inférieure au minimum de ETH/USDT : 0.1 ETH.")
    assert _refusal(D("50.01")) == (
        "Quantité 50.01 ETH supérieure au maximum de ETH/USDT : 50 ETH.")
    assert _refusal(D("1"), D("0")) == "Le prix limite doit être strictement positif."
    assert _refusal(D("1"), D("-1")) == "Le prix limite doit être strictement positif."
    assert _refusal(D("1"), D("100.2")) == "Prix 100.2 trop précis pour ETH/USDT : pas de 0.5."
    assert _refusal(D("0.19"), D("50")) == (
        "Montant de l'ordre 9.5 USDT inférieur au minimum de ETH/USDT : 10 USDT.")
    assert _refusal(D("0.19"), None, D("50")).startswith("Montant de l'ordre 9.5 USDT")
    assert _refusal(D("-1")) == "La quantité doit être strictement positive."


def test_check_order_limit_price_wins_over_the_reference_for_the_cost() -> None:
    check_order(EDGE, D("0.2"), D("50"), D("1"))  # cost 10 at the limit price: accepted
    assert "Montant de l'ordre" in _refusal(D("0.2"), D("1"), D("50"))


def test_check_order_without_limits_accepts_any_positive_amount() -> None:
    free = MarketRules("X/Y", "X", "Y", max_amount=D("0"))  # 0 means « no maximum »
    check_order(free, D("123456.789"), D("0.000001"))
    small = MarketRules("X/Y", "X", "Y", max_amount=D("0.5"))  # a maximum below 1 still holds
    assert "supérieure au maximum" in _refusal(D("0.6"), rules=small)


def test_floor_to_step_without_a_step_keeps_the_value() -> None:
    assert floor_to_step(D("1.23456"), None) == D("1.23456")
    assert floor_to_step(D("1.23456"), D("0")) == D("1.23456")
    assert floor_to_step(D("1.239"), D("0.01")) == D("1.23")
    assert floor_to_step(D("7"), D("2.5")) == D("5")


def test_amount_from_quote_refuses_non_positive_inputs() -> None:
    with pytest.raises(ValidationError) as e:
        amount_from_quote(D("100"), D("0"), EDGE)
    assert e.value.user_message() == "Prix invalide pour ETH/USDT : 0."
    with pytest.raises(ValidationError):
        amount_from_quote(D("100"), D("-2"), EDGE)
    for bad in (D("0"), D("-5")):
        with pytest.raises(ValidationError) as e:
            amount_from_quote(bad, D("10"), EDGE)
        assert e.value.user_message() == "Le montant en USD doit être strictement positif."
    assert amount_from_quote(D("10"), D("3"), EDGE) == D("3.33")


def test_parse_decimal_strips_spaces_and_refuses_infinity() -> None:
    assert parse_decimal(" 1 234,5 ", "Prix") == D("1234.5")
    assert parse_decimal("1\u202f234,5", "Prix") == D("1234.5")  # French thousands separator
    assert parse_decimal(D("2.5"), "Prix") == D("2.5")
    with pytest.raises(ValidationError) as e:
        parse_decimal("x1", "Prix")
    assert e.value.user_message() == "Prix : nombre attendu, reçu « x1 »."
    for raw in ("inf", "NaN", "-Infinity"):
        with pytest.raises(ValidationError) as e:
            parse_decimal(raw, "Prix")
        assert e.value.user_message() == f"Prix : nombre fini attendu, reçu « {raw} »."
