"""Offline Binance: a replay server speaking the trade-stream protocol, its sources, a recorder."""

from aristobot.replay.recorder import record
from aristobot.replay.server import ReplayServer
from aristobot.replay.sources import SyntheticMarket, TapeTrade, read_tape, trade_frame

__all__ = ["ReplayServer", "SyntheticMarket", "TapeTrade", "read_tape", "record", "trade_frame"]
