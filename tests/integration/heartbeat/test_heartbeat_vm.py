"""The Heartbeat page's view-model without a browser: DB prefill (orange), live bus (green)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from aristobot.bus import Channels, InMemoryBus, Message
from aristobot.db.engine import make_engine, make_sessionmaker
from aristobot.heartbeat import store
from aristobot.ui.heartbeat_page import build
from aristobot.ui.heartbeat_vm import HeartbeatVM, box_html, signal_label
from aristobot.ui.stream_lines import StreamLine, stream_html

T0 = datetime(2026, 3, 29, 0, 58, tzinfo=UTC)  # Paris switches to summer time at 01:00 UTC


def seed_db(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        sid = store.mark_start(s, T0 - timedelta(hours=1), ["BTC/USDT"])
        recs = [
            store.SignalRecord("1m", T0 + timedelta(minutes=i), T0 + timedelta(minutes=i + 1),
                               T0 + timedelta(minutes=i + 1, milliseconds=20), 20.0 + i)
            for i in range(70)
        ]
        store.save_signals(s, sid, recs)
        store.update_status(s, is_connected=True)


async def until(cond: Callable[[], bool]) -> None:
    """Wait for ``cond`` on the event loop (bounded, never a timing budget)."""
    async def poll() -> None:
        while not cond():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), 20)


def test_labels_follow_the_display_zone() -> None:
    assert signal_label(T0, "UTC") == "26.03.29_00:58"
    assert signal_label(T0 + timedelta(minutes=2), "Europe/Paris") == "26.03.29_03:00"


async def test_prefill_then_live_signals_newest_first(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    sessions = make_sessionmaker(engine)
    seed_db(sessions)
    bus = InMemoryBus()
    vm = HeartbeatVM(SimpleNamespace(sessions=sessions, bus=bus), "Europe/Paris")
    vm.load()
    ones = vm.signals["1m"]
    assert len(ones) == 60 and not any(live for _, live in ones)
    assert ones[0][0] == "26.03.29_04:07"  # newest first: 00:58 + 69 min UTC, in Paris (+2)
    assert vm.is_connected and vm.delays["1m"][0] == 89.0
    with sessions.begin() as s:  # stored between the page load and the bus subscription
        store.save_signals(s, None, [store.SignalRecord(
            "1m", T0 + timedelta(minutes=70), T0 + timedelta(minutes=71), T0, 1.0)])
    task = asyncio.ensure_future(vm.listen(fps=50))
    await until(lambda: any(s.matches(Channels.HEARTBEAT) for s in bus._subs))  # made by the task
    close = int((T0 + timedelta(minutes=72)).timestamp() * 1000)
    frames = [f"frame {i}" for i in range(100)]
    await bus.publish(Channels.STREAM_BRUT, "frames", {"frames": frames})
    await bus.publish(Channels.HEARTBEAT, "signal", {
        "signal": "1m", "open_time_ms": close - 60_000, "close_time_ms": close,
        "latency_ms": 7.0})
    await bus.publish(Channels.HEARTBEAT_STATUS, "status",
                      {"is_connected": False, "is_coherent": False, "last_error": "perdu"})
    await until(lambda: vm.frames_seen == 100 and vm.signals["1m"][0][1]
                and vm.last_error == "perdu")
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert vm.signals["1m"][:2] == [("26.03.29_04:09", True), ("26.03.29_04:08", False)]
    assert len(vm.signals["1m"]) == 60
    assert vm.frames[0].other == "frame 99" and len(vm.frames) == 60
    assert vm.delays["1m"][0] == 7.0 and not vm.is_connected and vm.last_error == "perdu"
    html = box_html("1m", vm.signals["1m"], vm.delays["1m"])
    assert html.index("hb-live") < html.index("hb-old") and "p99" in html
    assert "&lt;" in stream_html([StreamLine(other="<b>")])
    engine.dispose()


async def test_page_builds(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    sessions = make_sessionmaker(engine)
    ctx = SimpleNamespace(runtime=SimpleNamespace(sessions=sessions, bus=InMemoryBus()),
                          timezone="UTC", theme="dark", user=None)
    page = build(ctx)  # type: ignore[arg-type]
    assert "Flux en temps réel" in str(page.objects[2].objects[0].objects[0].object)
    engine.dispose()


async def test_a_raw_stream_burst_never_drops_a_signal(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    bus = InMemoryBus()
    vm = HeartbeatVM(SimpleNamespace(sessions=make_sessionmaker(engine), bus=bus), "UTC")
    vm.load()
    task = asyncio.ensure_future(vm.listen(fps=50))
    await until(lambda: len(bus._subs) >= 1 and all(not s.closed for s in bus._subs)
                and any(s.matches(Channels.HEARTBEAT) for s in bus._subs))
    close = int((T0 + timedelta(minutes=1)).timestamp() * 1000)
    bus.publish_nowait(Message(topic=Channels.HEARTBEAT, type="signal", payload={
        "signal": "1m", "open_time_ms": close - 60_000, "close_time_ms": close,
        "latency_ms": 3.0}))
    for i in range(5000):  # a burst larger than any queue, before the page can read
        bus.publish_nowait(Message(topic=Channels.STREAM_BRUT, type="frames",
                                   payload={"frames": [f"frame {i}"]}))
    await until(lambda: bool(vm.signals.get("1m")) and vm.frames_seen > 0)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert vm.signals["1m"] == [("26.03.29_00:58", True)]
    engine.dispose()
