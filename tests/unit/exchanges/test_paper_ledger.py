from __future__ import annotations

from decimal import Decimal as D

import ccxt.async_support as ccxt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aristobot.exchanges.paper import ledger
from aristobot.exchanges.paper.ledger import Balance


def test_buy_then_sell_charges_fees_in_quote() -> None:
    bal = {"USDT": Balance(D("1000"))}
    fee = ledger.fill(bal, "BTC", "USDT", "buy", D("0.01"), D("20000"), D("0.001"))
    assert fee == D("0.2")
    assert bal["USDT"].free == D("799.8") and bal["BTC"].free == D("0.01")
    fee2 = ledger.fill(bal, "BTC", "USDT", "sell", D("0.01"), D("21000"), D("0.001"))
    assert fee2 == D("0.21")
    assert bal["USDT"].free == D("799.8") + D("210") - D("0.21")
    assert bal["BTC"].free == 0


def test_insufficient_funds_change_nothing() -> None:
    bal = {"USDT": Balance(D("10"))}
    with pytest.raises(ccxt.InsufficientFunds):
        ledger.fill(bal, "BTC", "USDT", "buy", D("1"), D("20000"))
    assert bal["USDT"].free == D("10") and "BTC" not in bal


def test_limit_order_reserves_then_releases() -> None:
    bal = {"USDT": Balance(D("1000"))}
    need = ledger.reservation("buy", D("0.01"), D("10000"), D("0.001"))
    ledger.reserve(bal, "USDT", need)
    assert bal["USDT"].used == D("100.1") and bal["USDT"].total == D("1000")
    ledger.release(bal, "USDT", need)
    assert bal["USDT"] == Balance(D("1000"), D("0"))


def test_reserved_limit_fill_takes_from_used() -> None:
    bal = {"USDT": Balance(D("1000"))}
    need = ledger.reservation("buy", D("0.01"), D("10000"), D("0.001"))
    ledger.reserve(bal, "USDT", need)
    ledger.fill(bal, "BTC", "USDT", "buy", D("0.01"), D("10000"), D("0.001"), reserved=need)
    assert bal["USDT"] == Balance(D("899.9"), D("0")) and bal["BTC"].free == D("0.01")


def test_limit_fill_price() -> None:
    assert ledger.limit_fill_price("buy", D("100"), D("99")) == D("99")
    assert ledger.limit_fill_price("buy", D("100"), D("101")) is None
    assert ledger.limit_fill_price("sell", D("100"), D("101")) == D("101")
    assert ledger.limit_fill_price("sell", D("100"), D("99")) is None


@given(st.lists(st.tuples(st.sampled_from(["buy", "sell"]),
                          st.decimals(min_value=D("0.001"), max_value=D("1"), places=3),
                          st.decimals(min_value=D("100"), max_value=D("50000"), places=2)),
                max_size=20))
def test_balances_never_go_negative_and_value_only_leaks_fees(trades: list) -> None:
    """Against an exact model: every fill moves cost ± fee (0.1 % of the cost), a refused one
    (not enough funds) moves nothing, and no balance ever goes below zero."""
    bal = {"USDT": Balance(D("10000"))}
    usdt, btc, fees, invested = D("10000"), D(0), D(0), D(0)
    for side, qty, price in trades:
        cost, fee = qty * price, qty * price * D("0.001")  # exact: 3 + 2 (+ 3) decimals
        enough = usdt >= cost + fee if side == "buy" else btc >= qty
        try:
            charged = ledger.fill(bal, "BTC", "USDT", side, qty, price, D("0.001"))
        except ccxt.InsufficientFunds:
            assert not enough, (side, qty, price, usdt, btc)
        else:
            assert enough and charged == fee
            usdt += -(cost + fee) if side == "buy" else cost - fee
            btc += qty if side == "buy" else -qty
            fees += fee
            invested += cost if side == "buy" else -cost
        assert bal["USDT"] == Balance(usdt) and bal.get("BTC", Balance()) == Balance(btc)
        assert usdt >= 0 and btc >= 0
    # the only value that leaves the account is the fees: cash + net cost of the BTC held
    assert usdt + invested == D("10000") - fees and fees >= 0
