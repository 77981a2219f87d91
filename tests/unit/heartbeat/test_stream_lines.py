"""Raw stream frames shown readably on the Heartbeat page (time, symbol, price, qty, side)."""

from __future__ import annotations

from decimal import Decimal as D

from aristobot.domain.exchange import MarketRules
from aristobot.ui.numbers import PrecisionBook
from aristobot.ui.stream_lines import StreamLine, parse_line, stream_html

N = "\u202f"  # the French thousands separator
# Binance's documented trade event, raw and inside a combined-stream envelope
TRADE = ('{"e":"trade","E":1774745880123,"s":"BTCUSDT","t":12345,"p":"66123.45000000",'
         '"q":"0.00150000","T":1774745880120,"m":true,"M":true}')
COMBINED = '{"stream":"ethusdt@trade","data":' + TRADE.replace("BTCUSDT", "ETHUSDT").replace(
    '"m":true', '"m":false') + "}"


def test_a_trade_frame_gives_time_symbol_price_quantity_and_side() -> None:
    line = parse_line(TRADE, "Europe/Paris")
    # 1774745880120 ms = 2026-03-29 00:58:00.120 UTC = 01:58:00.120 in Paris (winter time)
    assert line == StreamLine("01:58:00.120", "BTC/USDT", f"66{N}123,45", "0,0015", "Vente")
    assert parse_line(COMBINED.encode(), "UTC") == StreamLine(
        "00:58:00.120", "ETH/USDT", f"66{N}123,45", "0,0015", "Achat")


def test_prices_and_quantities_take_the_markets_precision() -> None:
    book = PrecisionBook({"BTC/USDT": MarketRules("BTC/USDT", "BTC", "USDT",
                                                  amount_step=D("0.00001"),
                                                  price_step=D("0.1"))})
    line = parse_line(TRADE, "UTC", book)
    # 0.1 tick, 0.00001 lot (zeros kept: the stream's quantities line up)
    assert (line.price, line.quantity) == (f"66{N}123,5", "0,00150")
    bad = parse_line(TRADE.replace('"66123.45000000"', '"abc"'), "UTC", book)
    assert bad.other and not bad.price  # not a number: shown as a raw excerpt


def test_other_frames_keep_a_short_excerpt_and_are_escaped() -> None:
    answer = parse_line('{"result":null,"id":1}', "UTC")
    assert answer.other == '{"result":null,"id":1}' and not answer.symbol
    assert parse_line("x" * 500, "UTC").other == "x" * 120
    broken = parse_line('{"e":"trade","s":"BTCUSDT"}', "UTC")  # no price: not a trade line
    assert broken.other.startswith('{"e":"trade"')
    html = stream_html([parse_line("<script>", "UTC")])
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_the_stream_html_has_one_row_per_frame_under_a_header() -> None:
    html = stream_html([parse_line(TRADE, "UTC"), parse_line(COMBINED, "UTC")])
    assert html.count("hb-trade") == 2 and "Quantité" in html and "Sens" in html
    for text in ("BTC/USDT", f"66{N}123,45", "0,0015", "Vente", "ETH/USDT", "Achat"):
        assert text in html
    assert "En attente du flux" in stream_html([])
