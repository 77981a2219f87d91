"""The webhook log writes an order's quantity and price at its market's precision."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from aristobot.domain.exchange import MarketRules
from aristobot.ui.numbers import THIN, PrecisionBook
from aristobot.ui.webhooks_vm import order_text
from aristobot.webhooks.journal import LogEntry

BOOK = PrecisionBook({"BTC/USDT": MarketRules("BTC/USDT", "BTC", "USDT",
                                              amount_step=Decimal("0.00001"),
                                              price_step=Decimal("0.01"))})


def _entry(**trade: object) -> LogEntry:
    fields: dict[str, object] = dict(
        trade_id=7, trade_status="filled", trade_side="buy", trade_symbol="BTC/USDT",
        trade_quantity=Decimal("0.01990766030842545"), trade_error=None)
    fields.update(trade)
    return LogEntry(1, datetime(2026, 1, 2, tzinfo=UTC), "tv", None, "{}", "done", None,
                    **fields)  # type: ignore[arg-type]


def test_order_quantity_and_price_take_the_market_precision() -> None:
    e = _entry(trade_broker_id=3, trade_price=Decimal("58366.9"))
    assert order_text(e, BOOK.of("BTC/USDT")) == f"Achat 0,01991 BTC/USDT @ 58{THIN}366,90 (n° 7)"


def test_order_without_price_or_known_market_stays_readable() -> None:
    assert order_text(_entry(), BOOK.of("ETH/USDT")) == "Achat 0,01990766 BTC/USDT (n° 7)"


def test_request_without_order_has_an_empty_order_cell() -> None:
    assert order_text(_entry(trade_id=None, trade_side=None, trade_symbol=None,
                             trade_quantity=None), BOOK.of("BTC/USDT")) == ""
