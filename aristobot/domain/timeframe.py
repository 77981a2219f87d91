"""Timeframes: the heartbeat's clock units, aligned on UTC boundaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum

from aristobot.domain import messages
from aristobot.errors import ValidationError


class Timeframe(StrEnum):
    """A candle duration. The value is the seed's label (``"1m"`` … ``"4h"``)."""

    M1 = "1m"
    M3 = "3m"
    M5 = "5m"
    M10 = "10m"
    M15 = "15m"
    H1 = "1h"
    H2 = "2h"
    H4 = "4h"
    D1 = "1d"

    @property
    def seconds(self) -> int:
        """Return the duration in seconds."""
        unit = self.value[-1]
        n = int(self.value[:-1])
        return n * {"m": 60, "h": 3600, "d": 86400}[unit]

    @property
    def ms(self) -> int:
        """Return the duration in milliseconds."""
        return self.seconds * 1000

    @property
    def delta(self) -> timedelta:
        return timedelta(seconds=self.seconds)

    def floor_ms(self, ts_ms: int) -> int:
        """Return the open time (epoch ms) of the candle containing ``ts_ms``."""
        return ts_ms - ts_ms % self.ms

    def floor(self, ts: datetime) -> datetime:
        """Return the open time of the candle containing ``ts`` (tz-aware UTC)."""
        ms = int(ts.timestamp() * 1000)
        return datetime.fromtimestamp(self.floor_ms(ms) / 1000, tz=UTC)

    @classmethod
    def parse(cls, value: str | Timeframe) -> Timeframe:
        """Return the timeframe for a label, or raise a French ``ValidationError``."""
        if isinstance(value, Timeframe):
            return value
        try:
            return cls(value.strip())
        except ValueError:
            labels = ", ".join(t.value for t in cls)
            raise ValidationError(
                reason=messages.unknown_timeframe(value, labels)
            ) from None


#: The eight timeframes the heartbeat emits a signal for, smallest first.
HEARTBEAT_TIMEFRAMES: tuple[Timeframe, ...] = (
    Timeframe.M1,
    Timeframe.M3,
    Timeframe.M5,
    Timeframe.M10,
    Timeframe.M15,
    Timeframe.H1,
    Timeframe.H2,
    Timeframe.H4,
)


def ms_to_utc(ts_ms: int) -> datetime:
    """Convert epoch milliseconds to a tz-aware UTC datetime."""
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC)


def utc_to_ms(ts: datetime) -> int:
    """Convert a tz-aware datetime to epoch milliseconds; naive datetimes are refused."""
    if ts.tzinfo is None:
        raise ValidationError(reason="date sans fuseau horaire (UTC attendu)")
    return int(ts.timestamp() * 1000)
