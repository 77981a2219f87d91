"""A paper price source for replaying stored candles through the live engine.

The price is the close of the latest stored candle of one timeframe, whatever its age: fed
candle by candle, the paper broker fills at the close of the candle just decided on, as the
backtester does (notebooks, parity tests, benchmarks).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from aristobot.db.models import CandleRow
from aristobot.engine import messages
from aristobot.errors import NoPriceAvailable


class StoredClosePrices:
    def __init__(self, sessions: sessionmaker[Session], timeframe: str = "1m") -> None:
        self.sessions = sessions
        self.timeframe = timeframe
        self.override: dict[str, Decimal] = {}  # symbol -> forced price (a « late fill »)

    async def last_price(self, symbol: str) -> Decimal:
        if symbol in self.override:
            return self.override[symbol]
        with self.sessions() as s:
            close = s.scalar(select(CandleRow.close).where(
                CandleRow.symbol == symbol, CandleRow.timeframe == self.timeframe)
                .order_by(CandleRow.open_time.desc()).limit(1))
        if close is None:
            raise NoPriceAvailable(symbol=symbol, reason=messages.NO_STORED_CANDLE)
        return close
