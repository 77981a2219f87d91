"""Domain vocabulary: frozen dataclasses and enums shared by every part of Aristobot."""

from aristobot.domain.timeframe import HEARTBEAT_TIMEFRAMES, Timeframe, ms_to_utc, utc_to_ms

__all__ = ["HEARTBEAT_TIMEFRAMES", "Timeframe", "ms_to_utc", "utc_to_ms"]
