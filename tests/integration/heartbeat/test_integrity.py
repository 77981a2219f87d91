"""No wrong candle left as good: stalls, freezes and disconnects against the replay.

The service runs on the replay's market clock (``market_clock``), so an accelerated replay
behaves like a live feed in every respect: a 15 s stall is 15 market seconds for both sides.
The replay runs on its own thread and is frozen like a stalled process (``stall``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import select

from aristobot.bus import Bus, Channels
from aristobot.db.models import AlertRow
from aristobot.domain.timeframe import Timeframe
from tests.integration.heartbeat.conftest import Harness, reference, running, threaded_replay


def matches(h: Harness, tf: str, open_ms: int) -> bool:
    """True when our stored candle equals the independently computed one."""
    ref = reference(h, "BTCUSDT", tf, open_ms + Timeframe(tf).ms).set_index("t")
    got = h.db_candles("BTC/USDT", tf).set_index("t")
    if open_ms not in got.index or open_ms not in ref.index:
        return False
    same = all(got.at[open_ms, c] == ref.at[open_ms, c] for c in ("open", "high", "low", "close"))
    return same and abs(got.at[open_ms, "volume"] - ref.at[open_ms, "volume"]) < 1e-8


def alerts(h: Harness, kind: str) -> list[AlertRow]:
    with h.sessions() as s:
        return list(s.scalars(select(AlertRow).where(AlertRow.kind == kind)).all())


def before_boundary(h: Harness, lo_ms: int, hi_ms: int) -> bool:
    t = h.server.market_time_ms() or 0
    return lo_ms <= (-t) % 60_000 <= hi_ms


async def test_a_15s_stall_across_a_boundary_is_corrected_and_alerted(
    backend: tuple[str, Bus], tmp_path: Path
) -> None:
    db_url, bus = backend
    speed = 10.0
    replay = threaded_replay(speed)
    async with running(db_url, bus, tmp_path, threaded=replay, market_clock=True) as h:
        svc = h.service
        await h.wait_for(lambda: svc.status["is_coherent"] is True, 60)  # verified, steady
        await h.wait_for(lambda: before_boundary(h, 300, 1_500), 60)
        boundary = ((h.server.market_time_ms() or 0) // 60_000 + 1) * 60_000
        replay.stall(15.0 / speed)  # 15 market seconds, across the boundary
        minute = boundary - 60_000
        await h.wait_for(lambda: svc.counters["stalls"] >= 1, 30)
        await h.wait_for(lambda: any(a.context.get("open_time_ms") == minute
                                     for a in alerts(h, "heartbeat_correction")), 60)
        await h.wait_for(lambda: matches(h, "1m", minute), 30)
        for tf in (Timeframe.M3, Timeframe.M5):  # every longer candle holding it, once closed
            start = tf.floor_ms(minute)
            await h.wait_for(lambda s=start, t=tf: matches(h, t.value, s), 60)
        await h.wait_for(lambda: svc.status["is_coherent"] is True, 60)
    assert svc.counters["late"] > 0  # the stalled trades did arrive after the timer's close
    fix = next(a for a in alerts(h, "heartbeat_correction")
               if a.context["open_time_ms"] == minute)
    assert "corrigée d'après Binance" in fix.message and "volume" in fix.message
    assert "3m" in fix.message and "5m" in fix.message  # what was rebuilt is said
    stall = alerts(h, "heartbeat_stall")
    assert stall and "figé pendant" in stall[0].message
    assert svc.counters["corrected"] >= 1 and svc.counters["verified"] > svc.counters["corrected"]


async def test_a_freeze_across_several_minutes_leaves_no_made_up_candle(
    backend: tuple[str, Bus], tmp_path: Path
) -> None:
    db_url, bus = backend
    speed = 30.0
    replay = threaded_replay(speed)
    async with running(db_url, bus, tmp_path, threaded=replay, market_clock=True) as h:
        svc = h.service
        await h.wait_for(lambda: svc.status["is_coherent"] is True, 60)
        await h.wait_for(lambda: before_boundary(h, 20_000, 50_000), 60)
        frozen_at = h.server.market_time_ms() or 0
        replay.stall(200.0 / speed)  # 200 market seconds: three boundaries pass in silence
        first = frozen_at - frozen_at % 60_000
        minutes = list(range(first, frozen_at + 200_000, 60_000))
        await h.wait_for(lambda: svc.counters["stalls"] >= 1, 30)
        for m in minutes:
            await h.wait_for(lambda m=m: matches(h, "1m", m), 60)
        three = sorted({Timeframe.M3.floor_ms(m) for m in minutes})
        for start in three:
            await h.wait_for(lambda s=start: matches(h, "3m", s), 60)
        await h.wait_for(lambda: svc.status["is_coherent"] is True, 60)
    ones = h.db_candles("BTC/USDT", "1m").set_index("t")
    assert all(ones.at[m, "volume"] > 0 for m in minutes)  # no flat volume-0 made-up candle
    assert svc.counters["corrected"] >= 3


async def test_signals_wait_for_the_backfill_during_a_disconnect(
    backend: tuple[str, Bus], tmp_path: Path
) -> None:
    db_url, bus = backend
    checked: list[dict[str, Any]] = []
    async with running(db_url, bus, tmp_path, speed=60, market_clock=True,
                       backoff_base_s=25.0) as h:
        svc = h.service
        sub = await bus.subscribe(Channels.HEARTBEAT, maxsize=10_000)

        async def consume() -> None:  # an engine reading the candles as each signal comes
            while True:
                p = (await sub.get()).payload
                if p["signal"] == "1m":
                    stored = await asyncio.to_thread(h.db_candles, "BTC/USDT", "1m")
                    checked.append(dict(p, stored=p["open_time_ms"] in set(stored["t"])))

        consumer = asyncio.ensure_future(consume())
        await h.wait_for(lambda: svc.status["is_coherent"] is True, 60)
        await h.server.drop_clients()  # reconnects 1.25-2.5 s later: 75-150 market seconds
        await h.wait_for(lambda: svc.stream.connects >= 2, 30)
        await h.wait_for(lambda: svc.counters["late_signals"] >= 2, 30)
        n = h.count("1m")
        await h.wait_for(lambda: h.count("1m") >= n + 1, 30)
        await h.wait_for(lambda: len(checked) >= h.count("1m"), 30)
        consumer.cancel()
        await asyncio.gather(consumer, return_exceptions=True)
        await sub.close()
    late = [p for p in checked if p["late"]]
    assert late and all(p["delay_ms"] > 0 and p["latency_ms"] is None for p in late)
    assert all(p["stored"] for p in checked)  # never a signal for a candle not stored
    ones = sorted(m.payload["close_time_ms"] for m in h.signals if m.payload["signal"] == "1m")
    assert ones == list(range(ones[0], ones[-1] + 1, 60_000))  # late, not lost
    down = alerts(h, "heartbeat_disconnect")
    assert len(down) == 1 and "connexion à Binance perdue pendant" in down[0].message
    assert down[0].context["seconds"] > 0
