"""View-model of the « Heartbeat » page: raw stream, signal boxes, connection, delays.

It is filled from the database at load (signals shown in orange) and then from the bus
(``StreamBrut``, ``Heartbeat``, ``heartbeat.status``; live signals in green). Bus traffic is
coalesced: messages are folded into plain Python state as they arrive and the params the page
watches are re-rendered at most ``fps`` times per second.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections import deque
from datetime import datetime
from typing import Any

import numpy as np
import param

from aristobot.core.timefmt import to_display
from aristobot.domain.timeframe import HEARTBEAT_TIMEFRAMES, ms_to_utc
from aristobot.heartbeat import live, store
from aristobot.heartbeat.live import LiveMessage, LiveSubscription
from aristobot.runtime import Runtime
from aristobot.ui import messages as msg
from aristobot.ui import page_messages as lbl
from aristobot.ui.numbers import EMPTY, THIN, PrecisionBook, format_fixed
from aristobot.ui.stream_lines import StreamLine, parse_line
from aristobot.ui.stream_lines import stream_html as stream_html

log = logging.getLogger(__name__)

STREAM_LINES = 60
BOX_LINES = 60
TIMEFRAMES = tuple(tf.value for tf in HEARTBEAT_TIMEFRAMES)
RAW_QUEUE = 2000  # raw frame batches waiting for the page (oldest dropped)
EVENT_QUEUE = 1000  # signals and status changes (low rate: never dropped in practice)


def signal_label(open_time: datetime, tz: str) -> str:
    """Return the seed's ``AA.MM.DD_HH:MM`` label of a candle time in the display zone."""
    return to_display(open_time, tz).strftime("%y.%m.%d_%H:%M")


def p99(values: list[float] | deque[float]) -> float | None:
    if not values:
        return None
    return float(np.percentile(np.asarray(values, dtype=float), 99, method="higher"))


class HeartbeatVM(param.Parameterized):
    """Per-session state of the Heartbeat page (tests drive it without a browser)."""

    frames = param.List(default=[], doc="last raw frames as StreamLine, newest first")
    signals = param.Dict(default={}, doc="timeframe -> [(label, live)], newest first")
    delays = param.Dict(default={}, doc="timeframe -> (last ms, p99 ms)")
    is_connected = param.Boolean(default=False)
    is_coherent = param.Boolean(default=None, allow_None=True, doc="None: unknown")
    verified = param.Integer(default=0, doc="1m candles checked against Binance since start")
    corrected = param.Integer(default=0, doc="... of which corrected")
    last_error = param.String(default="")
    frames_seen = param.Integer(default=0)

    def __init__(self, runtime: Runtime, timezone: str, **params: Any) -> None:
        super().__init__(**params)
        self._runtime = runtime
        self._tz = timezone
        self._frames: deque[StreamLine] = deque(maxlen=STREAM_LINES)
        self._signals: dict[str, deque[tuple[str, bool]]] = {
            tf: deque(maxlen=BOX_LINES) for tf in TIMEFRAMES
        }
        self._latency: dict[str, deque[float]] = {tf: deque(maxlen=20_000) for tf in TIMEFRAMES}
        self._last: dict[str, float | None] = {tf: None for tf in TIMEFRAMES}
        self._newest: dict[str, datetime] = {}  # newest candle time shown per timeframe
        self._status: dict[str, Any] = {}
        self._seen = 0
        self._dirty = False
        self._book = PrecisionBook()  # Binance's spot markets, loaded with the rest by load()

    # --- load ----------------------------------------------------------------------------------
    def load(self) -> None:
        """Fill from the database: 60 newest signals per timeframe, status, delays since start."""
        with self._runtime.sessions() as s:
            self._book = PrecisionBook(store.stream_market_rules(s))
            row = store.status_row(s)
            since = row.last_application_start if row is not None else None
            self._add_stored(s)
            for tf, values in store.latencies_since(s, since).items():
                if tf in self._latency:
                    self._latency[tf].extend(values)
        if row is not None:
            self._status = {"is_connected": row.is_connected, "is_coherent": row.is_coherent,
                            "last_error": row.last_error,
                            "candles_verified": row.candles_verified,
                            "candles_corrected": row.candles_corrected}
        self._dirty = True
        self.render()

    def _add_stored(self, s: Any) -> None:
        for tf in TIMEFRAMES:
            newest = self._newest.get(tf)
            recs = [r for r in store.recent_signals(s, tf, BOX_LINES)
                    if newest is None or r.candle_open_time > newest]
            for r in reversed(recs):
                self._signals[tf].append((signal_label(r.candle_open_time, self._tz), False))
            if recs:
                self._newest[tf] = recs[0].candle_open_time
                if recs[0].latency_ms is not None:
                    self._last[tf] = recs[0].latency_ms

    def catch_up(self) -> None:
        """Add the signals stored between ``load()`` and the bus subscription."""
        with self._runtime.sessions() as s:
            self._add_stored(s)
        self._dirty = True

    # --- live ----------------------------------------------------------------------------------
    def apply(self, message: LiveMessage) -> None:
        """Fold one bus message into the state (cheap; no re-render)."""
        if message.topic == live.FRAMES:
            frames = message.payload.get("frames") or []
            self._seen += len(frames)
            for f in frames[-STREAM_LINES:]:
                self._frames.append(parse_line(f, self._tz, self._book))
        elif message.topic == live.SIGNALS:
            p = message.payload
            tf = str(p.get("signal", ""))
            if tf not in self._signals:
                return
            opened = ms_to_utc(int(p["open_time_ms"]))
            newest = self._newest.get(tf)
            if newest is not None and opened <= newest:
                return  # already shown (caught up from the database)
            self._newest[tf] = opened
            self._signals[tf].append((signal_label(opened, self._tz), True))
            latency = p.get("latency_ms")
            if latency is not None:
                self._last[tf] = float(latency)
                self._latency[tf].append(float(latency))
        elif message.topic == live.STATUS:
            self._status.update(message.payload)
        else:
            return
        self._dirty = True

    def render(self) -> None:
        """Publish the folded state to the params the page watches (if anything changed)."""
        if not self._dirty:
            return
        self._dirty = False
        with param.parameterized.batch_call_watchers(self):
            self.frames = list(reversed(self._frames))
            self.frames_seen = self._seen
            self.signals = {tf: list(reversed(d)) for tf, d in self._signals.items()}
            self.delays = {tf: (self._last[tf], p99(self._latency[tf])) for tf in TIMEFRAMES}
            self.is_connected = bool(self._status.get("is_connected", False))
            coherent = self._status.get("is_coherent")
            self.is_coherent = None if coherent is None else bool(coherent)
            self.verified = int(self._status.get("candles_verified") or 0)
            self.corrected = int(self._status.get("candles_corrected") or 0)
            self.last_error = str(self._status.get("last_error") or "")

    async def listen(self, fps: float = 4.0) -> None:
        """Follow the bus until cancelled, re-rendering at most ``fps`` times per second.

        The high-rate raw stream has its own bounded subscription, so a burst of ``StreamBrut``
        frames can only drop older frames, never a ``Heartbeat`` signal or a status change.
        """
        raw = await live.subscribe_frames(self._runtime, RAW_QUEUE)
        events = await live.subscribe_events(self._runtime, EVENT_QUEUE)
        wake = asyncio.Event()

        async def pump(sub: LiveSubscription) -> None:
            while True:
                self.apply(await sub.get())
                wake.set()

        pumps = [asyncio.ensure_future(pump(raw)), asyncio.ensure_future(pump(events))]
        waiter: asyncio.Future[Any] | None = None
        try:
            self.catch_up()
            self.render()
            while True:
                waiter = asyncio.ensure_future(wake.wait())
                await asyncio.wait([waiter, *pumps], return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel()
                for t in pumps:
                    if t.done():
                        t.result()  # a pump failed: raise its error
                await asyncio.sleep(1.0 / fps)  # coalesce what arrives meanwhile
                wake.clear()
                self.render()
        finally:
            # every task made here ends here (a closed tab cancels listen() mid-wait)
            helpers: list[asyncio.Future[Any]] = [*pumps]
            if waiter is not None:
                helpers.append(waiter)
            for h in helpers:
                h.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
            await raw.close()
            await events.close()


def box_html(tf: str, items: list[tuple[str, bool]], delay: tuple[Any, Any] | None) -> str:
    """Return one timeframe box: signals newest first (live green, from the DB orange)."""
    rows = "".join(
        f"<div class='{'hb-live' if live else 'hb-old'}'>{label}</div>" for label, live in items
    ) or f"<div class='ab-placeholder hb-empty'>{msg.NO_SIGNAL_YET}</div>"
    last, high = delay or (None, None)
    fmt = lambda v: EMPTY if v is None else f"{format_fixed(v, 0)}{THIN}ms"  # noqa: E731
    return lbl.SIGNAL_BOX.format(tf=tf, last=fmt(last), high=fmt(high), rows=rows)


def coherence_html(coherent: bool | None) -> str:
    """Return « Cohérent », « Non cohérent » or « Inconnu » (never connected, nothing verified)."""
    if coherent is None:
        return "<span class='ab-muted' id='hb-unknown'>Inconnu</span>"
    if coherent:
        return lbl.COHERENT
    return lbl.INCOHERENT


def connection_html(connected: bool, coherent: bool | None, error: str, seen: int,
                    verified: int = 0, corrected: int = 0) -> str:
    """Return the connection state line (with the verified / corrected candle counts)."""
    state = lbl.CONNECTED if connected else lbl.DISCONNECTED
    err = f" — <span class='ab-danger'>{html.escape(error)}</span>" if error else ""
    checks = lbl.CANDLE_CHECKS.format(verified=verified, corrected=corrected)
    return lbl.CONNECTION_LINE.format(state=state, coherence=coherence_html(coherent), seen=seen,
                                      checks=checks, error=err)
