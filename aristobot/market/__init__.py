"""Market-data adapters: Binance websocket trade stream, frame parsing, REST klines."""

from aristobot.market.binance_rest import BinanceKlinesClient, Kline, parse_klines
from aristobot.market.binance_ws import BinanceTradeStream, FrameSink, backoff_delay
from aristobot.market.frames import (
    ParsedBatch,
    TradeArrays,
    ccxt_symbol,
    combined_url,
    parse_frames,
)

__all__ = [
    "BinanceKlinesClient",
    "BinanceTradeStream",
    "FrameSink",
    "Kline",
    "ParsedBatch",
    "TradeArrays",
    "backoff_delay",
    "ccxt_symbol",
    "combined_url",
    "parse_frames",
    "parse_klines",
]
