"""Bus messages and channel names."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any


class Channels:
    """Channel (topic) names shared by every service."""

    STREAM_BRUT = "StreamBrut"  # every raw frame received from Binance
    HEARTBEAT = "Heartbeat"  # one signal per closed timeframe boundary
    HEARTBEAT_STATUS = "heartbeat.status"  # connection / coherence changes
    MARKETS_PROGRESS = "markets.progress"  # « Chargement 'X' nn% »
    TRADES = "Trades"  # order attempts and fills
    ALERTS = "alerts"
    BACKTEST_PROGRESS = "backtest.progress"  # + ".<job id>"
    ENGINE_STATUS = "engine.status"


@dataclass(frozen=True, slots=True)
class Message:
    """An immutable bus message. ``ts`` is epoch seconds (UTC) at publication."""

    topic: str
    type: str
    payload: dict[str, Any]
    ts: float = field(default_factory=time.time)

    def to_json(self) -> str:
        """Serialise for transports that need bytes (Redis)."""
        return json.dumps(
            {"topic": self.topic, "type": self.type, "ts": self.ts, "payload": self.payload},
            default=_json_default,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> Message:
        data = json.loads(raw)
        return cls(topic=data["topic"], type=data["type"], payload=data["payload"], ts=data["ts"])


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
