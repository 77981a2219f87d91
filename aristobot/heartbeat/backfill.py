"""Replace partial candles (start-up, disconnects, lost trades) with the exchange's own klines."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aristobot.core.aggregator import CandleAggregator, ClosedCandle
from aristobot.domain.timeframe import Timeframe
from aristobot.market.binance_rest import Kline

log = logging.getLogger(__name__)

FetchKlines = Callable[[str, str, int, int], Awaitable[list[Kline]]]


@dataclass(frozen=True, slots=True)
class Hole:
    """A candle that must come from REST: ``exchange_symbol`` is e.g. ``BTCUSDT``."""

    exchange_symbol: str
    symbol: str
    timeframe: Timeframe
    open_time_ms: int
    from_gap: bool  # lost trades (counts against coherence), not just the start-up window
    confirm: bool = False  # rebuilt after a correction: stored only once two answers agree


async def fill(hole: Hole, fetch: FetchKlines) -> ClosedCandle | None:
    """Rebuild the hole's candle from 1m klines; None when the exchange has not all minutes.

    1m klines are used for every timeframe so that 10m (which Binance does not publish) is
    built the same way as the others; ``TemporaryError`` propagates (retry later).
    """
    tf = hole.timeframe
    start, end = hole.open_time_ms, hole.open_time_ms + tf.ms
    klines = await fetch(hole.exchange_symbol, "1m", start, end)
    klines = [k for k in klines if start <= k.open_time_ms < end]
    if len(klines) != tf.ms // 60_000:
        return None
    agg = CandleAggregator(hole.symbol, [tf], since_ms=start)
    out: list[ClosedCandle] = []
    for k in klines:
        out += agg.add_minute(k.open_time_ms, k.open, k.high, k.low, k.close, k.volume,
                              k.trades or (1 if k.volume > 0 else 0))
    done = [c for c in out if c.timeframe is tf and c.open_time_ms == start and c.complete]
    return done[0] if done else None
