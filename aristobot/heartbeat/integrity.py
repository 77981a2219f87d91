"""The heartbeat's integrity duties: lost trades, stalls, silences, backfill and verification.

Mixed into :class:`~aristobot.heartbeat.service.HeartbeatService` (kept apart so that the
service stays the wiring of the hot path). Decisions are pure (:mod:`aristobot.core`); this
module turns them into REST calls, replaced candles, alerts and the coherence status.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from aristobot.core.aggregator import MINUTE_MS, ClosedCandle
from aristobot.core.heartbeat_integrity import (
    LinkMonitor,
    Stall,
    coherence,
    describe_changes,
    minutes_in,
)
from aristobot.domain.timeframe import ms_to_utc
from aristobot.heartbeat import messages, store
from aristobot.heartbeat.aio import checkpoint
from aristobot.heartbeat.persister import Persister
from aristobot.heartbeat.repair import Repairs
from aristobot.heartbeat.signals import Ready, SignalGate
from aristobot.heartbeat.verifier import Correction, Verifier
from aristobot.market.frames import ParsedBatch

log = logging.getLogger("aristobot.heartbeat.service")

VERIFY_PERIOD_S = 0.25


def _when(open_time_ms: int) -> str:
    return ms_to_utc(open_time_ms).strftime("%Y-%m-%d %H:%M UTC")


def _secs(seconds: float) -> str:
    return f"{seconds:.1f} s".replace(".", ",")


class IntegrityMixin:
    """Coherence, backfill and verification of :class:`HeartbeatService`."""

    persister: Persister
    repairs: Repairs
    verifier: Verifier
    link: LinkMonitor
    gate: SignalGate
    counters: dict[str, int]
    status: dict[str, Any]
    connected_once: bool
    aggs: dict[str, Any]
    _ccxt: dict[str, str]
    _offset_ms: int | None
    _backfill_period: float
    _set_status: Callable[..., None]
    _now_ms: Callable[[], int]
    _emit_signals: Callable[[list[Ready]], None]

    def _ex_now(self) -> int:
        return self._now_ms() + (self._offset_ms or 0)

    # --- lost trades and disconnects ---------------------------------------------------------
    def _on_id_gaps(self, sym: str, gaps: list[Any]) -> None:
        missing = sum(g.count for g in gaps)
        self.counters["missing_ids"] += missing
        first, last = gaps[0].first, gaps[-1].last
        text = messages.trades_missing(missing, self._ccxt[sym], first, last)
        log.warning("trade id gap on %s: %d trades missing", sym, missing)
        self.persister.submit(store.add_alert, "heartbeat_gap", text,
                              {"symbol": self._ccxt[sym], "first_id": first, "last_id": last})
        self.repairs.gap_open.add(self._ccxt[sym])
        self._refresh_coherence()

    def _alert_disconnect(self, since_ms: int, reason: str) -> None:
        seconds = max(0, self._now_ms() - since_ms) / 1000
        text = messages.link_was_down(_secs(seconds), reason)
        log.warning("heartbeat link was down for %.1f s", seconds)
        self.persister.submit(store.add_alert, "heartbeat_disconnect", text,
                              {"seconds": seconds, "reason": reason})

    def _add_hole(self, cd: ClosedCandle, from_gap: bool) -> None:
        exch = next(s for s, c in self._ccxt.items() if c == cd.symbol)
        self.repairs.add(exch, cd, from_gap)
        self.verifier.forget(exch, cd.open_time_ms)
        self._refresh_coherence()

    # --- stalls, silences, late trades ---------------------------------------------------------
    def _watch_link(self, batch: ParsedBatch, recv_ms: int) -> None:
        firsts = [int(tr.ts.min()) for tr in batch.trades.values() if len(tr.ts)]
        if not firsts or self._offset_ms is None:
            return
        stall = self.link.on_batch(recv_ms + self._offset_ms, min(firsts))
        if stall is not None:
            self._on_stall(stall)

    def _on_stall(self, stall: Stall) -> None:
        self.counters["stalls"] += 1
        log.warning("frames arrived %.1f s late: the link stalled", stall.seconds)
        text = messages.stream_stalled(_secs(stall.seconds))
        self.persister.submit(store.add_alert, "heartbeat_stall", text,
                              {"seconds": stall.seconds, "from_ms": stall.start_ms})
        for exch in self.aggs:
            self._suspect(exch, minutes_in(stall.start_ms, stall.end_ms), messages.STREAM_STALLED)
        for exch, minute in self.link.take_stalled(stall):  # closed by the timer before it
            self._suspect(exch, [minute], messages.STREAM_STALLED)

    def _check_silence(self, ex_now: int) -> None:
        for exch, minute in self.link.take_silent(ex_now):
            self._suspect(exch, [minute], messages.STREAM_SILENT)

    def _late_trades(self, exch: str, watermark: int | None, ts: npt.NDArray[np.int64]) -> None:
        if watermark is None or not len(ts) or int(ts.min()) >= watermark:
            return
        late = np.unique(ts[ts < watermark] // MINUTE_MS * MINUTE_MS)
        self._suspect(exch, [int(m) for m in late], messages.LATE_TRADES)

    def _suspect(self, exch: str, minutes: list[int], reason: str) -> None:
        if self.verifier.suspect(exch, minutes, self._ex_now(), reason):
            self._refresh_coherence()

    # --- backfill and verification -----------------------------------------------------------
    async def _backfill_forever(self) -> None:
        while True:
            await asyncio.sleep(self._backfill_period)
            if (self.repairs.holes or self.gate.held()) and self.status["is_connected"]:
                await self.backfill()
            checkpoint()

    async def backfill(self) -> int:
        """Try to fill every hole from REST klines; return how many remain."""
        await self.repairs.backfill()
        self._release_signals()
        self.counters["unrecoverable"] = self.repairs.unrecoverable
        self._refresh_coherence()
        return len(self.repairs.holes)

    def _release_signals(self) -> None:
        ready = self.gate.release(self.repairs.unfilled, self.repairs.abandoned, self._now_ms())
        self.counters["late_signals"] = self.gate.late
        self.counters["dropped_signals"] = self.gate.dropped
        if ready:
            self._emit_signals(ready)

    async def _verify_forever(self) -> None:
        while True:
            await asyncio.sleep(VERIFY_PERIOD_S)
            if self._offset_ms is not None:
                await self.verify()
            checkpoint()

    async def verify(self) -> int:
        """Check the due candles against the exchange; return how many were corrected."""
        corrections = await self.verifier.run(self._ex_now())
        for corr in corrections:
            self._apply(corr)
        for sym, minute in self.verifier.given_up:
            self._alert_unverifiable(sym, minute)
        self.verifier.given_up.clear()
        v, c = self.verifier.verified, self.verifier.corrected
        self.counters["verified"], self.counters["corrected"] = v, c
        if (v, c) != (self.status["candles_verified"], self.status["candles_corrected"]):
            self._set_status(candles_verified=v, candles_corrected=c)
        self._refresh_coherence()
        return len(corrections)

    def _apply(self, corr: Correction) -> None:
        new, sym = corr.new, corr.new.symbol
        log.warning("candle %s 1m %d corrected (%s)", sym, new.open_time_ms, corr.reason)
        self.persister.submit(store.save_candles, [new], replace=True)
        watermark = self.aggs[corr.exchange_symbol].watermark_ms
        rebuilt = self.repairs.on_correction(corr.exchange_symbol, new, watermark)
        text = messages.candle_corrected(sym, _when(new.open_time_ms), corr.reason,
                                         describe_changes(corr.changes), ", ".join(rebuilt))
        self.persister.submit(store.add_alert, "heartbeat_correction", text, {
            "symbol": sym, "open_time_ms": new.open_time_ms, "reason": corr.reason,
            "changes": {ch.field: [ch.ours, ch.theirs] for ch in corr.changes}})

    def _alert_unverifiable(self, exch: str, minute: int) -> None:
        self.counters["unverifiable"] += 1
        text = messages.candle_unverifiable(self._ccxt[exch], _when(minute))
        self.persister.submit(store.add_alert, "heartbeat_unverifiable", text,
                              {"symbol": self._ccxt[exch], "open_time_ms": minute})

    def _refresh_coherence(self) -> None:
        unresolved = self.repairs.unresolved() + self.verifier.unresolved(self._ex_now())
        value = coherence(self.connected_once, self.verifier.verified > 0, unresolved)
        self._set_status(is_coherent=value)
