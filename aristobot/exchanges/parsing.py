"""ccxt structures -> Aristobot's types (:mod:`aristobot.domain.exchange`); pure.

The exchange handle calls these on every answer, so nothing past the adapter reads a ccxt
dict. Numbers go through ``str`` into ``Decimal`` (never through binary float arithmetic).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from aristobot.domain.exchange import Balance, Market, Order, Ticker
from aristobot.exchanges.market_rules import TICK_SIZE, rules_from_market, to_decimal


def _amounts(section: Any) -> dict[str, Decimal]:
    out = {}
    for asset, value in (section or {}).items():
        d = to_decimal(value)
        if d is not None:
            out[str(asset)] = d
    return out


def parse_balance(raw: Mapping[str, Any]) -> Balance:
    """A ccxt balance structure (``free``/``used``/``total`` per asset)."""
    return Balance(_amounts(raw.get("free")), _amounts(raw.get("used")),
                   _amounts(raw.get("total")))


def parse_ticker(raw: Mapping[str, Any]) -> Ticker:
    last = to_decimal(raw.get("last")) or to_decimal(raw.get("close"))
    return Ticker(str(raw.get("symbol") or ""), last, to_decimal(raw.get("bid")),
                  to_decimal(raw.get("ask")))


def _timestamp(value: Any) -> datetime | None:
    if isinstance(value, int | float) and value > 0:
        return datetime.fromtimestamp(value / 1000, UTC)
    return None


def parse_order(raw: Mapping[str, Any]) -> Order:
    """A ccxt order structure (unknown status stays as given; the journal maps it)."""
    fee = raw.get("fee") or {}
    order_id = raw.get("id")
    return Order(
        id=str(order_id) if order_id not in (None, "") else None,
        client_order_id=raw.get("clientOrderId") or None,
        symbol=str(raw.get("symbol") or ""),
        type=str(raw.get("type") or ""),
        side=str(raw.get("side") or ""),
        status=str(raw.get("status") or "open"),
        amount=to_decimal(raw.get("amount")),
        filled=to_decimal(raw.get("filled")) or Decimal(0),
        price=to_decimal(raw.get("price")),
        average=to_decimal(raw.get("average")),
        cost=to_decimal(raw.get("cost")),
        fee=to_decimal(fee.get("cost")) if isinstance(fee, Mapping) else None,
        fee_currency=fee.get("currency") if isinstance(fee, Mapping) else None,
        timestamp=_timestamp(raw.get("timestamp")),
        raw=json.loads(json.dumps({k: v for k, v in raw.items() if k != "info"},
                                  default=str)),
    )


def parse_markets(raw: Mapping[str, Mapping[str, Any]],
                  precision_mode: int = TICK_SIZE) -> dict[str, Market]:
    """ccxt markets by symbol; a market without symbol, base or quote is left out."""
    out = {}
    for symbol, m in raw.items():
        if not symbol or not m.get("base") or not m.get("quote"):
            continue
        rules = rules_from_market({**m, "symbol": symbol}, precision_mode)
        out[symbol] = Market(rules, active=m.get("active") is not False,
                             type=str(m.get("type") or "spot"))
    return out
