"""Check every closed 1m candle against the exchange's own kline, shortly after it closes.

One REST call per symbol and pass (normally one per minute: ``limit`` = the minutes asked,
weight 2 on Binance), for the minutes due. A candle equal to the kline is *verified*; one that
differs is re-asked once (a kline is only trusted when two answers agree: a kline fetched at the
very end of its minute, or from a server still catching up, may be incomplete) and then
*corrected*: the caller replaces it and rebuilds the longer candles holding it.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

from aristobot.core.aggregator import ClosedCandle
from aristobot.core.heartbeat_integrity import MINUTE_MS, Change, candle_changes
from aristobot.domain.timeframe import Timeframe
from aristobot.errors import TemporaryError
from aristobot.heartbeat import messages
from aristobot.heartbeat.backfill import FetchKlines
from aristobot.market.binance_rest import Kline

log = logging.getLogger(__name__)

#: a kline is asked this long (exchange clock) after its minute closed
VERIFY_DELAY_MS = 2_000
#: a differing kline is asked again this long after the first answer, to confirm it
CONFIRM_DELAY_MS = 1_000
#: a verification still not done this long after it was due holds coherence
OVERDUE_MS = 60_000
#: closed candles remembered for re-checks (a stall found later)
RECENT = 300
MAX_MINUTES = 100  # minutes per REST call (Binance's cheapest weight)


@dataclass(frozen=True, slots=True)
class Correction:
    """A stored 1m candle replaced by the exchange's kline."""

    exchange_symbol: str
    old: ClosedCandle
    new: ClosedCandle
    changes: list[Change]
    reason: str


@dataclass
class _Pending:
    candle: ClosedCandle
    due_ms: int
    reason: str | None  # why it is suspect (None: the routine check)
    first: Kline | None = None  # a differing answer waiting for confirmation
    tries: int = 0


@dataclass
class Verifier:
    """Pending verifications per exchange symbol (``BTCUSDT``) and their counts."""

    fetch: FetchKlines
    delay_ms: int = VERIFY_DELAY_MS
    max_tries: int = 30
    pending: dict[str, dict[int, _Pending]] = field(default_factory=dict)
    recent: dict[str, OrderedDict[int, ClosedCandle]] = field(default_factory=dict)
    verified: int = 0
    corrected: int = 0
    calls: int = 0
    given_up: list[tuple[str, int]] = field(default_factory=list)  # (symbol, minute) to alert

    def add(self, exchange_symbol: str, candle: ClosedCandle, now_ms: int | None = None) -> None:
        """Queue a stored 1m candle (due ``delay_ms`` after its close, or at ``now_ms``)."""
        due = candle.close_time_ms + self.delay_ms if now_ms is None else now_ms
        self.pending.setdefault(exchange_symbol, {})[candle.open_time_ms] = _Pending(
            candle, due, None)
        recent = self.recent.setdefault(exchange_symbol, OrderedDict())
        recent[candle.open_time_ms] = candle
        while len(recent) > RECENT:
            recent.popitem(last=False)

    def suspect(self, exchange_symbol: str, minutes: Iterable[int], now_ms: int,
                reason: str) -> int:
        """Re-check these stored minutes as soon as possible; return how many were queued."""
        queue = self.pending.setdefault(exchange_symbol, {})
        recent = self.recent.get(exchange_symbol, OrderedDict())
        n = 0
        for m in minutes:
            candle = queue[m].candle if m in queue else recent.get(m)
            if candle is None:
                continue  # never stored (a hole: the backfill takes the exchange's kline)
            queue[m] = _Pending(candle, min(now_ms + self.delay_ms // 2,
                                            candle.close_time_ms + self.delay_ms), reason)
            n += 1
        return n

    def unresolved(self, now_ms: int) -> int:
        """Return the suspect or differing candles not settled yet, plus overdue checks."""
        return sum(
            1 for q in self.pending.values() for p in q.values()
            if p.reason is not None or p.first is not None or now_ms - p.due_ms > OVERDUE_MS
        )

    def forget(self, exchange_symbol: str, open_time_ms: int) -> None:
        """Drop a minute replaced by other means (backfilled from the exchange)."""
        self.pending.get(exchange_symbol, {}).pop(open_time_ms, None)
        self.recent.get(exchange_symbol, OrderedDict()).pop(open_time_ms, None)

    async def run(self, now_ms: int) -> list[Correction]:
        """Check every due candle (one call per symbol); return the confirmed corrections."""
        out: list[Correction] = []
        for sym, queue in self.pending.items():
            due = sorted(m for m, p in queue.items() if p.due_ms <= now_ms)[:MAX_MINUTES]
            if not due:
                continue
            try:
                klines = await self._klines(sym, due[0], due[-1] + MINUTE_MS)
            except TemporaryError as e:
                log.info("verification postponed for %s: %s", sym, e)
                continue
            for m in due:
                corr = self._check(sym, queue, m, klines.get(m), now_ms)
                if corr is not None:
                    out.append(corr)
        return out

    async def _klines(self, sym: str, start: int, end: int) -> dict[int, Kline]:
        self.calls += 1
        rows = await self.fetch(sym, "1m", start, end)
        return {k.open_time_ms: k for k in rows if start <= k.open_time_ms < end}

    def _check(self, sym: str, queue: dict[int, _Pending], m: int, k: Kline | None,
               now_ms: int) -> Correction | None:
        p = queue[m]
        c = p.candle
        if k is None:  # not published yet: ask again later, then give up (logged)
            p.tries += 1
            p.due_ms = now_ms + CONFIRM_DELAY_MS
            if p.tries >= self.max_tries:
                log.warning("no kline for %s %d after %d tries", sym, m, p.tries)
                self.given_up.append((sym, m))
                del queue[m]
            return None
        theirs = (k.open, k.high, k.low, k.close, k.volume)
        changes = candle_changes((c.open, c.high, c.low, c.close, c.volume), theirs)
        if not changes:
            self.verified += 1
            del queue[m]
            return None
        if p.first != k:  # first sight of this answer: confirm it before acting
            p.first = k
            p.due_ms = now_ms + CONFIRM_DELAY_MS
            return None
        del queue[m]
        self.verified += 1
        self.corrected += 1
        new = ClosedCandle(c.symbol, Timeframe.M1, m, k.open, k.high, k.low, k.close, k.volume,
                           k.trades, True)
        self.recent.setdefault(sym, OrderedDict())[m] = new
        return Correction(sym, c, new, changes, p.reason or messages.ROUTINE_CHECK)
