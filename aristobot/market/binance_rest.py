"""Binance public REST klines (``GET /api/v3/klines``) for the heartbeat's gap backfill."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import aiohttp

from aristobot.errors import TemporaryError
from aristobot.market import messages

log = logging.getLogger(__name__)

KLINES_LIMIT = 1000
_INTERVAL_MS = {"1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000, "1h": 3_600_000}


@dataclass(frozen=True, slots=True)
class Kline:
    """One exchange kline (open time epoch ms; floats as research values)."""

    open_time_ms: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    trades: int


def parse_klines(rows: object) -> list[Kline]:
    """Parse Binance's 12-column kline arrays; raise ``TemporaryError`` on a bad body."""
    if not isinstance(rows, list):
        raise TemporaryError(exchange="Binance", reason=messages.unexpected_klines(rows))
    try:
        return [
            Kline(int(r[0]), float(r[1]), float(r[2]), float(r[3]), float(r[4]), float(r[5]),
                  int(r[8]) if len(r) > 8 else 0)
            for r in rows
        ]
    except (TypeError, ValueError, IndexError) as e:
        raise TemporaryError(exchange="Binance", reason=messages.unreadable_kline(e)) from e


def _detail_fr(msg: str) -> str:
    """Binance's refusal of a klines request, in French (the rest stays in the log)."""
    if "symbol" in msg.lower():
        return messages.KLINES_UNKNOWN_SYMBOL
    return messages.KLINES_REFUSED


class BinanceKlinesClient:
    """Fetch 1m klines between two instants, paging by 1000."""

    def __init__(self, base_url: str, timeout_s: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def fetch(
        self, symbol: str, interval: str, start_ms: int, end_ms: int
    ) -> list[Kline]:
        """Return klines whose open time lies in ``[start_ms, end_ms)``, oldest first."""
        out: list[Kline] = []
        url = f"{self.base_url}/api/v3/klines"
        async with aiohttp.ClientSession(timeout=self._timeout) as http:
            cursor = start_ms
            while cursor < end_ms:
                # ask for no more klines than the range holds: Binance weighs a call by limit
                step = _INTERVAL_MS.get(interval)
                limit = KLINES_LIMIT if step is None else min(
                    KLINES_LIMIT, max(1, -(-(end_ms - cursor) // step)))
                params = {
                    "symbol": symbol, "interval": interval, "startTime": str(cursor),
                    "endTime": str(end_ms - 1), "limit": str(limit),
                }
                try:
                    async with http.get(url, params=params) as resp:
                        body = await resp.json(content_type=None)
                        if resp.status != 200:
                            msg = body.get("msg") if isinstance(body, dict) else body
                            raise TemporaryError(
                                exchange="Binance", reason=f"HTTP {resp.status} {msg}",
                                detail=_detail_fr(str(msg)))
                except (aiohttp.ClientError, TimeoutError, ValueError) as e:
                    raise TemporaryError(exchange="Binance", reason=f"klines : {e}") from e
                page = [k for k in parse_klines(body) if k.open_time_ms < end_ms]
                if not page:
                    break
                out.extend(page)
                cursor = page[-1].open_time_ms + 1
                if len(page) < limit:
                    break
        return out
