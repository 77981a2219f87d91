"""ccxt structures become our types once, at the adapter boundary, with exact decimals."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

from aristobot.domain.exchange import Market
from aristobot.exchanges.market_rules import DECIMAL_PLACES
from aristobot.exchanges.parsing import parse_balance, parse_markets, parse_order, parse_ticker

# The shape ccxt 4 gives for a Binance spot order (fields Aristobot reads, plus noise).
CCXT_ORDER = {
    "id": 28457, "clientOrderId": "ab12", "timestamp": 1_704_067_200_000,
    "symbol": "BTC/USDT", "type": "limit", "side": "buy", "status": "closed",
    "price": 42000.1, "amount": 0.1, "filled": 0.1, "remaining": 0.0, "cost": 4200.01,
    "average": 42000.1, "fee": {"cost": 0.0001, "currency": "BTC"},
    "trades": [], "info": {"orderId": 28457, "huge": "x" * 1000},
}


def test_an_order_is_typed_with_exact_decimals() -> None:
    o = parse_order(CCXT_ORDER)
    assert (o.id, o.client_order_id, o.symbol, o.type, o.side, o.status) == (
        "28457", "ab12", "BTC/USDT", "limit", "buy", "closed")
    # float 0.1 and 4200.01 are read through str: no binary noise (0.1000000000000000055…)
    assert (o.amount, o.filled, o.price, o.cost, o.fee) == (
        D("0.1"), D("0.1"), D("42000.1"), D("4200.01"), D("0.0001"))
    assert o.fee_currency == "BTC"
    assert o.timestamp == datetime(2024, 1, 1, tzinfo=UTC)
    assert "info" not in o.raw and o.raw["id"] == 28457  # audit copy without the bulk


def test_a_sparse_order_gets_safe_defaults() -> None:
    o = parse_order({"id": None, "symbol": "ETH/USDT", "filled": None, "price": float("nan")})
    assert (o.id, o.status, o.filled, o.price, o.fee, o.timestamp) == (
        None, "open", D(0), None, None, None)


def test_balance_and_ticker() -> None:
    bal = parse_balance({"free": {"USDT": 10.5, "BTC": None}, "used": {"USDT": "1"},
                         "total": {"USDT": 11.5}, "info": {}})
    assert (bal.free_of("USDT"), bal.used_of("USDT"), bal.total_of("USDT")) == (
        D("10.5"), D("1"), D("11.5"))
    assert bal.free_of("BTC") == 0 and "BTC" not in bal.free
    assert parse_ticker({"symbol": "BTC/USDT", "last": None, "close": 50000.5}).last == D(
        "50000.5")
    assert parse_ticker({"symbol": "BTC/USDT"}).last is None


def test_markets_keep_their_rules_and_drop_incomplete_ones() -> None:
    raw = {
        "BTC/USDT": {"base": "BTC", "quote": "USDT", "type": "spot", "active": True,
                     "precision": {"amount": 5, "price": 2},
                     "limits": {"amount": {"min": 0.00001}, "cost": {"min": 5}}},
        "BROKEN": {"base": "", "quote": "USDT"},
        "X/Y:Y": {"base": "X", "quote": "Y", "type": "swap", "active": False},
    }
    markets = parse_markets(raw, DECIMAL_PLACES)
    assert sorted(markets) == ["BTC/USDT", "X/Y:Y"]
    btc = markets["BTC/USDT"]
    assert isinstance(btc, Market) and btc.spot and btc.active
    assert (btc.rules.amount_step, btc.rules.price_step, btc.rules.min_cost) == (
        D("0.00001"), D("0.01"), D("5"))
    assert not markets["X/Y:Y"].spot and not markets["X/Y:Y"].active
