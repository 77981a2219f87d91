"""The bus contract, on the in-process bus and on real Redis."""

from __future__ import annotations

import asyncio

from aristobot.bus import Bus, Channels


async def test_subscriber_receives_matching_topics(bus: Bus) -> None:
    sub = await bus.subscribe(Channels.HEARTBEAT, "markets.*")
    await bus.publish(Channels.HEARTBEAT, "signal", {"timeframe": "1m"})
    await bus.publish(Channels.STREAM_BRUT, "frame", {"raw": "x"})  # not subscribed
    await bus.publish("markets.progress", "progress", {"exchange": "binance", "pct": 50})
    first = await sub.get(timeout=5)
    second = await sub.get(timeout=5)
    assert (first.topic, first.payload) == ("Heartbeat", {"timeframe": "1m"})
    assert (second.topic, second.payload["pct"]) == ("markets.progress", 50)
    # A sentinel published last arrives next: the StreamBrut frame was never delivered.
    await bus.publish(Channels.HEARTBEAT, "sentinel", {})
    assert (await sub.get(timeout=5)).type == "sentinel"
    assert sub.get_nowait() is None
    await sub.close()


async def test_slow_subscriber_never_blocks_and_drops_are_counted(bus: Bus) -> None:
    slow = await bus.subscribe(Channels.STREAM_BRUT, maxsize=10)
    fast = await bus.subscribe(Channels.STREAM_BRUT, maxsize=1000)
    for i in range(100):
        await bus.publish(Channels.STREAM_BRUT, "frame", {"i": i})
    got = [(await fast.get(timeout=5)).payload["i"] for _ in range(100)]
    assert got == list(range(100))
    assert slow.qsize() == 10
    assert slow.dropped == 90
    kept = [slow.get_nowait().payload["i"] for _ in range(10)]  # type: ignore[union-attr]
    assert kept == list(range(90, 100))  # the newest are kept


async def test_closed_subscription_receives_nothing(bus: Bus) -> None:
    sub = await bus.subscribe("alerts")
    witness = await bus.subscribe("alerts")
    await sub.close()
    await bus.publish("alerts", "x", {})
    assert (await witness.get(timeout=5)).type == "x"  # delivered to whoever listens...
    assert sub.get_nowait() is None  # ...but not to the closed subscription
    await witness.close()


async def test_redis_bus_reconnects_by_itself() -> None:
    """Kill the subscriber's Redis connection: the reader reconnects and delivery resumes."""
    import pytest
    import redis.asyncio as aioredis

    from aristobot.bus.redis_bus import RedisBus
    from tests.support.databases import RUN_ID, redis_test_url

    url = redis_test_url()
    if url is None:
        pytest.skip("Redis not configured (ARISTOBOT_TEST_REDIS_URL=skip)")
    bus = RedisBus(url, namespace=f"t{RUN_ID}-reconnect:")
    admin = aioredis.from_url(url)
    try:
        sub = await bus.subscribe("alerts")
        clients = await admin.client_list(_type="pubsub")
        ours = [c["id"] for c in clients if c.get("name") == bus.client_name]
        assert ours, "the subscriber connection should be visible"
        for cid in ours:  # only this bus's connection: other test runs share the server
            await admin.client_kill_filter(_id=cid)
        for attempt in range(100):  # publish until the reconnected reader gets one
            await bus.publish("alerts", "ping", {"n": attempt})
            try:
                msg = await sub.get(timeout=0.1)
            except TimeoutError:
                continue
            break
        else:
            raise AssertionError("no message after the connection was killed")
        assert msg.type == "ping"
        assert bus.reconnects >= 1
    finally:
        await admin.aclose()
        await bus.close()


async def test_cancelling_a_publisher_stops_it(bus: Bus) -> None:
    """A service being stopped while it publishes must stop (redis-py 8 swallowed the cancel)."""
    sub = await bus.subscribe("load")
    published = asyncio.Event()

    async def publish_forever() -> None:
        while True:
            await bus.publish("load", "x", {"i": 1})
            published.set()

    for _ in range(20):
        published.clear()
        task = asyncio.create_task(publish_forever())
        await published.wait()
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=10)
        assert done == {task}, "the cancelled publisher kept running"
        assert task.cancelled()
    await sub.close()
