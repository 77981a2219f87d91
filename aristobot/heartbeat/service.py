"""The heartbeat service: Binance trades → candles → ``Heartbeat`` signals, stored and published.

Wiring only: frames come from :class:`BinanceTradeStream`, are parsed in batches (every frame
available is drained per loop turn), de-duplicated and gap-checked by trade id, aggregated by
the pure :class:`CandleAggregator`, and the pure :class:`HeartbeatClock` decides which
boundaries passed. Quiet markets are closed by a timer on the *exchange* clock, estimated as
the local clock plus the offset seen on the last frame's event time (so a replayed 2024 tape
is not closed by 2026's wall clock). Writes go through one background persister, in order;
``Heartbeat`` signals are published only once their candles are committed (see
:mod:`aristobot.heartbeat.signals`). Every closed 1m candle is then checked against the
exchange's kline (:mod:`aristobot.heartbeat.verifier`); a stalled or silent link, or trades
arriving for a closed minute, get the minutes concerned re-checked at once, and a corrected
minute gets every longer candle holding it rebuilt (:mod:`aristobot.heartbeat.repair`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from aristobot.bus import Bus, Channels
from aristobot.bus.message import Message
from aristobot.config import Settings
from aristobot.core.aggregator import CandleAggregator, ClosedCandle
from aristobot.core.heartbeat_clock import BoundarySignal, HeartbeatClock
from aristobot.core.heartbeat_coherence import TradeIdTracker
from aristobot.core.heartbeat_integrity import LinkMonitor
from aristobot.domain.timeframe import HEARTBEAT_TIMEFRAMES, Timeframe, ms_to_utc
from aristobot.errors import BusError
from aristobot.heartbeat import store
from aristobot.heartbeat.aio import checkpoint, log_failure, p99, publish_all, settle
from aristobot.heartbeat.backfill import FetchKlines
from aristobot.heartbeat.integrity import IntegrityMixin
from aristobot.heartbeat.messages import BUS_DOWN, connection_error
from aristobot.heartbeat.persister import Persister
from aristobot.heartbeat.repair import Repairs
from aristobot.heartbeat.signals import Ready, SignalGate
from aristobot.heartbeat.verifier import Verifier
from aristobot.market.binance_rest import BinanceKlinesClient
from aristobot.market.binance_ws import BinanceTradeStream
from aristobot.market.frames import ccxt_symbol, parse_frames
from aristobot.market.messages import binance_error_fr
from aristobot.runtime import Runtime

log = logging.getLogger(__name__)

_MAX_BUFFER = 200_000  # frames waiting for the processor before the reader is throttled
#: a feed whose event times are within this of our clock is live (latency is measurable)
LIVE_OFFSET_MS = 5_000
#: an event time this far from the running exchange-clock estimate is ignored for the offset
#: (a lone absurd frame must not move the quiet-market timer to year 2100) ...
OFFSET_JUMP_MS = 5 * 60_000
#: ... unless this many consecutive batches agree on the jump (a replay that skipped ahead)
OFFSET_CONFIRM = 3
#: on a live feed, trades whose event time is further than this from our clock are invalid
LIVE_EVENT_WINDOW_MS = 3600_000


class HeartbeatService(IntegrityMixin):
    """Run the heartbeat for ``settings.heartbeat_symbols`` until cancelled."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        bus: Bus,
        *,
        clock: Callable[[], float] = time.time,
        grace_ms: int = 50,
        fetch_klines: FetchKlines | None = None,
        stream: BinanceTradeStream | None = None,
        backfill_period_s: float = 2.0,
        backfill_attempts: int = 10,
    ) -> None:
        self.symbols = settings.heartbeat_symbols
        self._ccxt = {s: ccxt_symbol(s) for s in self.symbols}
        self._bus = bus
        self._clock = clock
        self.grace_ms = grace_ms
        self.stream = stream or BinanceTradeStream(settings.binance_ws_url, self.symbols)
        fetch = fetch_klines or BinanceKlinesClient(settings.binance_rest_url).fetch
        self.persister = Persister(sessions)
        self.repairs = Repairs(self.persister.submit, fetch, backfill_attempts)
        self.verifier = Verifier(fetch)
        self.link = LinkMonitor()
        self.gate = SignalGate(self._ccxt[s] for s in self.symbols)
        self.aggs = {s: CandleAggregator(self._ccxt[s]) for s in self.symbols}
        self.clock = HeartbeatClock(HEARTBEAT_TIMEFRAMES)
        self.ids = TradeIdTracker()
        self._buf: list[str | bytes] = []
        self._wake = asyncio.Event()
        self._offset_ms: int | None = None  # exchange clock minus local clock
        self._offset_jumps = 0  # consecutive batches whose offset was far from the estimate
        self._seen: set[tuple[str, str]] = set()
        self._exch = {c: s for s, c in self._ccxt.items()}
        self._backfill_period = backfill_period_s
        self.connected_once = False
        self._down_since: tuple[int, str] | None = None  # (local ms, reason) of a disconnect
        self.status: dict[str, Any] = {"is_connected": False, "is_coherent": None,
                                       "last_error": None, "candles_verified": 0,
                                       "candles_corrected": 0}
        self.status_id: int | None = None
        self.latencies: dict[str, deque[float]] = {
            tf.value: deque(maxlen=10_000) for tf in HEARTBEAT_TIMEFRAMES
        }
        self.counters = {"frames": 0, "malformed": 0, "unknown": 0, "invalid": 0,
                         "late": 0, "duplicates": 0, "missing_ids": 0, "signals": 0,
                         "bus_errors": 0, "unrecoverable": 0, "verified": 0, "corrected": 0,
                         "stalls": 0, "late_signals": 0, "dropped_signals": 0,
                         "unverifiable": 0}
        self.started = asyncio.Event()

    # --- FrameSink ---------------------------------------------------------------------------
    def on_frame(self, frame: str | bytes) -> None:
        self._buf.append(frame)
        if not self._wake.is_set():
            self._wake.set()

    def on_connected(self, url: str) -> None:
        log.info("heartbeat connected to %s", url)
        self.connected_once = True
        if self._down_since is not None:
            self._alert_disconnect(*self._down_since)
            self._down_since = None
        self._set_status(is_connected=True, last_error=None)
        self._refresh_coherence()

    def on_disconnected(self, reason: str) -> None:
        log.warning("heartbeat disconnected: %s", reason)
        for agg in self.aggs.values():
            agg.mark_gap()
        if self.connected_once and self._down_since is None:
            self._down_since = (self._now_ms(), reason)
        self._set_status(is_connected=False, last_error=connection_error(reason))

    # --- lifecycle ---------------------------------------------------------------------------
    async def run(self) -> None:
        """Record the start, stream until cancelled, then record the stop (always).

        The start is inside the ``try``: a SIGTERM during start-up still writes the stop, after
        the start's own write (which runs in a thread and cannot be interrupted) has landed.
        """
        now = ms_to_utc(self._now_ms())
        start = asyncio.ensure_future(
            self.persister.call(store.mark_start, now, [self._ccxt[s] for s in self.symbols])
        )
        try:
            self.status_id = await asyncio.shield(start)
            await self._publish_status()
            self.started.set()
            async with asyncio.TaskGroup() as tg:
                tg.create_task(self.persister.run())
                tg.create_task(self.stream.run(self))
                tg.create_task(self._process_forever())
                tg.create_task(self._tick_forever())
                tg.create_task(self._backfill_forever())
                tg.create_task(self._verify_forever())
        finally:
            await settle(start)
            await self.persister.close(store.mark_stop, ms_to_utc(self._now_ms()))
            self.status["is_connected"] = False
            try:
                await asyncio.shield(self._publish_status())
            except Exception:  # the bus may already be closed at shutdown
                log.debug("final status not published", exc_info=True)

    # --- processing --------------------------------------------------------------------------
    async def _process_forever(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            frames, self._buf = self._buf, []
            if frames:
                await self.process(frames)
            checkpoint()

    async def process(self, frames: list[str | bytes]) -> None:
        """Handle one batch of raw frames (public for benchmarks and tests)."""
        recv_ms = self._now_ms()
        await self._publish(Channels.STREAM_BRUT, "frames", {"frames": frames})
        live = self._offset_ms is not None and abs(self._offset_ms) <= LIVE_OFFSET_MS
        window = (recv_ms - LIVE_EVENT_WINDOW_MS, recv_ms + LIVE_EVENT_WINDOW_MS) if live else None
        batch = parse_frames(frames, window)
        c = self.counters
        c["frames"] += batch.frames
        c["malformed"] += batch.malformed
        c["unknown"] += batch.unknown
        c["invalid"] += batch.invalid
        if batch.shutdown:
            log.info("serverShutdown received: rotating the connection")
            self.stream.request_rotation()
        if batch.errors:
            log.warning("Binance error frame(s): %s", "; ".join(batch.errors))
            meaning = binance_error_fr(batch.error_codes[-1])
            self._set_status(last_error=f"Erreur Binance : {meaning}")
        self._watch_link(batch, recv_ms)
        if batch.last_event_ms is not None:
            self._update_offset(batch.last_event_ms - recv_ms)
        closed: list[ClosedCandle] = []
        for sym, tr in batch.trades.items():
            agg = self.aggs.get(sym)
            if agg is None:
                c["unknown"] += len(tr.ts)
                continue
            keep, gaps = self.ids.check(sym, tr.trade_id)
            if gaps:
                self._on_id_gaps(sym, gaps)
                agg.mark_gap()
            ts, price, qty = (tr.ts, tr.price, tr.qty) if keep is None else (
                tr.ts[keep], tr.price[keep], tr.qty[keep])
            self._late_trades(sym, agg.watermark_ms, ts)
            closed += agg.ingest(ts, price, qty)
        c["duplicates"] = self.ids.duplicates
        c["late"] = sum(a.late for a in self.aggs.values())
        await self._after_close(closed)
        if len(self._buf) > _MAX_BUFFER:
            await asyncio.sleep(0)

    def _update_offset(self, offset: int) -> None:
        """Follow the exchange clock, ignoring a lone event time far from the estimate."""
        if self._offset_ms is not None and abs(offset - self._offset_ms) > OFFSET_JUMP_MS:
            self._offset_jumps += 1
            if self._offset_jumps < OFFSET_CONFIRM:
                log.warning("event time %d ms away from the clock estimate ignored",
                            offset - self._offset_ms)
                return
            log.warning("exchange clock estimate moved by %d ms", offset - self._offset_ms)
        self._offset_jumps = 0
        self._offset_ms = offset

    async def _tick_forever(self) -> None:
        """Close quiet markets' minutes on the estimated exchange clock, plus a grace."""
        while True:
            if self._offset_ms is None:
                await asyncio.sleep(0.2)
                continue
            ex_now = self._now_ms() + self._offset_ms
            due = ex_now - self.grace_ms
            closed: list[ClosedCandle] = []
            for agg in self.aggs.values():
                closed += agg.advance(due)
            for cd in closed:
                if cd.timeframe is Timeframe.M1 and cd.complete:
                    self.link.closed_by_timer(self._exch[cd.symbol], cd.open_time_ms)
            self._check_silence(ex_now)
            if closed:
                await self._after_close(closed)
            checkpoint()
            next_boundary = (due // 60_000 + 1) * 60_000
            await asyncio.sleep(min(1.0, max(0.005, (next_boundary - due) / 1000)))

    async def _after_close(self, closed: list[ClosedCandle]) -> None:
        if closed:
            keep = []
            for cd in closed:
                key = (cd.symbol, cd.timeframe.value)
                if cd.complete and not self.repairs.take_rebuild(cd):
                    keep.append(cd)
                    if cd.timeframe is Timeframe.M1:
                        self.verifier.add(self._exch[cd.symbol], cd)
                else:
                    self._add_hole(cd, from_gap=key in self._seen or cd.complete)
                self._seen.add(key)
            if keep:
                self.persister.submit(store.save_candles, keep)
        marks = [a.watermark_ms for a in self.aggs.values() if a.watermark_ms is not None]
        if marks:
            signals = self.clock.advance(min(marks))
            if signals:
                await self._signal(signals)

    async def _signal(self, signals: list[BoundarySignal]) -> None:
        ready = self.gate.offer(signals, self.repairs.unfilled, self._now_ms())
        if ready:
            self._emit_signals(ready)

    def _emit_signals(self, ready: list[Ready]) -> None:
        """Store and publish signals whose candles are committed (late ones marked so)."""
        now_ms = self._now_ms()
        received = ms_to_utc(now_ms)
        messages, records = [], []
        live = self._offset_ms is not None and abs(self._offset_ms) <= LIVE_OFFSET_MS
        for r in ready:
            sg, tf = r.signal, r.signal.timeframe.value
            lat = self.latencies[tf]
            # boundary -> signal on the local clock; meaningless for a replayed or accelerated
            # feed (exchange time far from ours) or a late signal, where it is left out
            latency = float(now_ms - sg.close_time_ms) if live and r.delay_ms is None else None
            if latency is not None:
                lat.append(latency)
            payload = {
                "signal": tf,
                "timeframe": tf,
                "candle_open_time": ms_to_utc(sg.open_time_ms).isoformat(),
                "candle_close_time": ms_to_utc(sg.close_time_ms).isoformat(),
                "open_time_ms": sg.open_time_ms,
                "close_time_ms": sg.close_time_ms,
                "processed_at": received.isoformat(),
                "latency_ms": latency,
                "latency_p99_ms": p99(lat) if lat else None,
                "symbols": [self._ccxt[s] for s in self.symbols],
                "late": r.delay_ms is not None,
                "delay_ms": r.delay_ms,
            }
            messages.append(Message(topic=Channels.HEARTBEAT, type="signal", payload=payload))
            records.append(store.SignalRecord(tf, ms_to_utc(sg.open_time_ms),
                                              ms_to_utc(sg.close_time_ms), received, latency))
        self.counters["signals"] += len(ready)
        self.persister.submit(store.save_signals, self.status_id, records)
        # published once the boundary's candles (submitted before) are committed: a consumer
        # reading ``candles`` on the signal sees the candle that just closed
        self.persister.after(partial(self._publish_signals, messages))

    async def _publish_signals(self, messages: list[Message]) -> None:
        try:
            await publish_all(self._bus, messages)
        except BusError as e:
            self._on_bus_error(e)
        else:
            self._bus_back()

    # --- status --------------------------------------------------------------------------------
    def _set_status(self, **changes: Any) -> None:
        if all(self.status.get(k) == v for k, v in changes.items()):
            return
        self.status.update(changes)
        self.persister.submit(store.update_status, **changes)
        task = asyncio.get_running_loop().create_task(self._publish_status())
        task.add_done_callback(log_failure)

    async def _publish_status(self) -> None:
        payload = dict(self.status, symbols=[self._ccxt[s] for s in self.symbols])
        await self._publish(Channels.HEARTBEAT_STATUS, "status", payload)

    async def _publish(self, topic: str, type: str, payload: dict[str, Any]) -> None:
        """Publish; a bus outage is logged and shown, never fatal (the DB has the data)."""
        try:
            await self._bus.publish(topic, type, payload)
        except BusError as e:
            self._on_bus_error(e)
        else:
            self._bus_back()

    def _on_bus_error(self, e: BusError) -> None:
        self.counters["bus_errors"] += 1
        log.error("heartbeat bus publication failed: %s", e)
        if self.status.get("last_error") != BUS_DOWN:
            self.status["last_error"] = BUS_DOWN
            self.persister.submit(store.update_status, last_error=BUS_DOWN)

    def _bus_back(self) -> None:
        if self.status.get("last_error") == BUS_DOWN:
            log.info("heartbeat bus reachable again")
            self._set_status(last_error=None)

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)


async def serve(runtime: Runtime) -> None:
    """Run the heartbeat inside ``runtime`` until cancelled (embedded mode or its process)."""
    await HeartbeatService(runtime.settings, runtime.sessions, runtime.bus).run()
