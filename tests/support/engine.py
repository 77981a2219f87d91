"""Helpers for the live engine's tests: strategies, candles, signals, a candle price source."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from aristobot.brokers import ensure_default_paper_broker
from aristobot.db.models import CandleRow
from aristobot.domain.timeframe import Timeframe, utc_to_ms
from aristobot.engine import selection
from aristobot.engine.stored_prices import StoredClosePrices
from aristobot.strategies.repository import create_strategy

_METHODS = ("should_long", "should_short", "calculate_position_size", "calculate_stop_loss",
            "calculate_take_profit")


def strategy_code(name: str = "Momentum", *, should_long: str = "return False",
                  should_short: str = "return False", size: str = "return 100.0",
                  stop_loss: str = "return 0.0", take_profit: str = "return 0.0",
                  prelude: str = "") -> str:
    """A strategy class whose methods run the given one-line bodies."""
    bodies = dict(zip(_METHODS, (should_long, should_short, size, stop_loss, take_profit),
                      strict=True))
    methods = "".join(f"    def {m}(self):\n        {b}\n" for m, b in bodies.items())
    return f"{prelude}\nclass {name}(Strategy):\n{methods}"


#: Long when the last close rose, out when it fell: trades often on any wavy series.
MOMENTUM = strategy_code(
    should_long="c = self.candles['close']\n        return len(c) > 1 and c.iloc[-1] > c.iloc[-2]",
    should_short="c = self.candles['close']\n        return len(c) > 1 and c.iloc[-1] < c.iloc[-2]",
)
ALWAYS_LONG = strategy_code(should_long="return True")
HANGS = strategy_code(should_long="while True:\n            pass")
RAISES = strategy_code(should_long="raise ValueError('boom')")


def add_candles(sessions: sessionmaker[Session], symbol: str, timeframe: str, start: datetime,
                closes: Sequence[float], exchange: str = "binance") -> list[datetime]:
    """Store candles opening at ``start`` every timeframe; return their open times."""
    tf = Timeframe.parse(timeframe)
    opens = []
    with sessions.begin() as s:
        prev = closes[0]
        for i, c in enumerate(closes):
            t = start + i * tf.delta
            o = prev
            s.add(CandleRow(exchange=exchange, symbol=symbol, timeframe=tf.value, open_time=t,
                            close_time=t + tf.delta, open=Decimal(str(o)),
                            high=Decimal(str(max(o, c) + 1)), low=Decimal(str(min(o, c) - 1)),
                            close=Decimal(str(c)), volume=Decimal(1)))
            opens.append(t)
            prev = c
    return opens


def signal(timeframe: str, open_time: datetime, symbols: Sequence[str] = ("BTC/USDT",)
           ) -> dict[str, object]:
    """A ``Heartbeat`` signal payload for the candle opened at ``open_time``."""
    tf = Timeframe.parse(timeframe)
    close = open_time + tf.delta
    return {"signal": tf.value, "timeframe": tf.value,
            "candle_open_time": open_time.isoformat(), "candle_close_time": close.isoformat(),
            "open_time_ms": utc_to_ms(open_time), "close_time_ms": utc_to_ms(close),
            "symbols": list(symbols)}


def activate(sessions: sessionmaker[Session], user_id: int, code: str, *, name: str,
             symbol: str = "BTC/USDT", timeframe: str = "1m", start: datetime,
             end: datetime, broker_id: int | None = None, window: int = 50,
             limit: int = 20) -> int:
    """Create a strategy and activate it on the user's paper broker (or ``broker_id``)."""
    with sessions.begin() as s:
        if broker_id is None:
            broker_id = ensure_default_paper_broker(s, user_id, "10000").id
        st = create_strategy(s, user_id, name, code, timeframe=timeframe, window_size=window)
        return selection.activate(s, user_id, strategy_id=st.id, broker_id=broker_id,
                                  symbol=symbol, timeframe=timeframe, start=start, end=end,
                                  now=start, limit=limit)


class CandlePrices(StoredClosePrices):
    """Paper prices from the stored candles (see :class:`StoredClosePrices`)."""


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)
