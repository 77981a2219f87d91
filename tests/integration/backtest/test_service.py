"""The whole backtest path: paper broker → fake Binance through ccxt → real worker pool → store."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta

import pytest

from aristobot.backtest import candle_store, results_store
from aristobot.backtest.service import BacktestRequest, BacktestService
from aristobot.backtest.synthetic import synthetic_candles
from aristobot.bus import Message
from aristobot.db.models import StrategyRow
from aristobot.domain.timeframe import Timeframe
from aristobot.strategies.examples import EMA_CROSS_EXAMPLE
from tests.integration.backtest.conftest import World

START = datetime(2024, 1, 1, tzinfo=UTC)


def _request(w: World, **kw: object) -> BacktestRequest:
    values: dict[str, object] = {
        "user_id": w.user_id, "strategy_id": w.strategy_id, "broker_id": w.broker_id,
        "symbol": "BTC/USDT", "timeframe": Timeframe.M5, "start": START,
        "end": START + timedelta(days=3), "initial_amount": 1000.0,
    }
    values.update(kw)
    return BacktestRequest(**values)  # type: ignore[arg-type]


async def _collect(sub: object, into: list[Message]) -> None:
    while not (into and into[-1].payload["done"]):
        into.append(await sub.get())  # type: ignore[attr-defined]


async def test_run_loads_candles_simulates_in_a_worker_and_stores(world: World) -> None:
    service = BacktestService(world.runtime)
    job_id = service.new_job_id()
    sub = await world.runtime.bus.subscribe(service.topic(job_id))
    seen: list[Message] = []
    reader = asyncio.ensure_future(_collect(sub, seen))
    outcome = await service.run(_request(world), job_id=job_id)
    await asyncio.wait_for(reader, 10)  # until the final (done) message
    assert outcome.status == "done", outcome.error
    assert outcome.load is not None and outcome.load.fetched == 864
    assert outcome.result is not None and outcome.result.stats["trades"] > 0
    assert outcome.result.lookahead is not None and outcome.result.lookahead.ok
    phases = [m.payload["phase"] for m in seen]
    assert phases[0] == "candles" and phases[-1] == "done"
    assert "simulation" in phases
    assert seen[-1].payload["result_id"] == outcome.result_id
    with world.runtime.sessions() as s:
        stored = results_store.load_result(s, world.user_id, outcome.result_id or 0)
        assert candle_store.count_candles(s, "binance", "BTC/USDT", "5m") == 864
    assert stored.summary.total_trades == len(outcome.result.trades)
    assert stored.info.strategy_code == EMA_CROSS_EXAMPLE and stored.info.exchange == "binance"
    # Same request again: candles are reused from the table, no new kline request.
    before = world.fake.count("GET", "/api/v3/klines")
    again = await service.run(_request(world))
    assert again.status == "done" and world.fake.count("GET", "/api/v3/klines") == before


async def test_user_errors_come_back_in_french(world: World) -> None:
    service = BacktestService(world.runtime)
    bad = await service.run(_request(world, end=START - timedelta(days=1)))
    assert bad.status == "error" and "date de fin" in (bad.error or "")
    other = await service.run(_request(world, strategy_id=world.strategy_id + 99))
    assert other.status == "error" and "introuvable" in (other.error or "")
    with world.runtime.sessions.begin() as s:
        s.get(StrategyRow, world.strategy_id).code = "class X(Strategy):\n    def should_long(self"
    broken = await service.run(_request(world))
    assert broken.status == "error" and "invalide" in (broken.error or "").lower()


async def test_cancel_candle_loading_keeps_fetched_candles(world: World) -> None:
    service = BacktestService(world.runtime)
    cancel = asyncio.Event()
    job_id = service.new_job_id()
    sub = await world.runtime.bus.subscribe(service.topic(job_id))

    async def cancel_after_first_page() -> None:
        while True:
            msg = await sub.get()
            if msg.payload["phase"] == "candles" and msg.payload["pct"] > 0:
                cancel.set()
                return

    watcher = asyncio.ensure_future(cancel_after_first_page())
    req = _request(world, timeframe=Timeframe.M1, end=START + timedelta(days=5))
    outcome = await service.run(req, job_id=job_id, cancel_candles=cancel)
    watcher.cancel()
    assert outcome.status == "cancelled" and outcome.phase == "candles"
    with world.runtime.sessions() as s:
        kept = candle_store.count_candles(s, "binance", "BTC/USDT", "1m")
    assert 1000 <= kept < 5 * 1440


async def test_cancel_simulation_mid_run(world: World) -> None:
    # 20 000 candles already stored; exact mode evaluates every bar: long enough to cancel.
    candles = synthetic_candles(20_000, timeframe="1m", start=START, seed=9)
    with world.runtime.sessions.begin() as s:
        candle_store.write_frame(s, "binance", "BTC/USDT", "1m", candles)
    service = BacktestService(world.runtime)
    cancel = asyncio.Event()
    job_id = service.new_job_id()
    sub = await world.runtime.bus.subscribe(service.topic(job_id))

    async def cancel_when_running() -> None:
        while True:
            msg = await sub.get()
            if msg.payload["phase"] == "simulation" and msg.payload["pct"] >= 1:
                cancel.set()
                return

    watcher = asyncio.ensure_future(cancel_when_running())
    req = _request(world, timeframe=Timeframe.M1, end=candles.index[-1].to_pydatetime()
                   + timedelta(minutes=1), mode="exact")
    outcome = await asyncio.wait_for(service.run(req, job_id=job_id, cancel_run=cancel), 120)
    watcher.cancel()
    assert outcome.status == "cancelled" and outcome.phase == "simulation"
    with world.runtime.sessions() as s:
        assert results_store.list_results(s, world.user_id) == []


async def test_testnet_broker_reads_mainnet_candles_through_a_keyless_public_instance(
    world: World,
) -> None:
    from aristobot.brokers.connections import get_manager
    from aristobot.brokers.repository import BrokerDraft, create_broker

    with world.runtime.sessions.begin() as s:
        testnet = create_broker(s, world.runtime.vault, world.user_id, BrokerDraft(
            "Binance testnet", "binance", {"apiKey": "k" * 16, "secret": "s" * 16},
            is_testnet=True))
    service = BacktestService(world.runtime)
    outcome = await service.run(_request(world, broker_id=testnet.id))
    assert outcome.status == "done", outcome.error
    manager = get_manager(world.runtime)
    # No keyed (sandbox) instance was built for the broker; the candles came from mainnet.
    assert manager.cached() == []
    public = await manager.public_exchange("binance")
    assert public._raw.isSandboxModeEnabled is False  # the ccxt instance's configuration
    assert not public._raw.apiKey
    with world.runtime.sessions() as s:
        assert candle_store.count_candles(s, "binance", "BTC/USDT", "5m") == 864
        assert candle_store.count_candles(s, "binance-testnet", "BTC/USDT", "5m") == 0


async def test_unexpected_failure_shows_a_fixed_french_message_details_in_the_log(
    world: World, caplog: pytest.LogCaptureFixture,
) -> None:
    from aristobot.backtest.service import UNEXPECTED_ERROR

    async def broken_source(_user_id: int, _broker: object) -> object:
        raise RuntimeError("connection string postgresql://admin:hunter2@db/prod")

    service = BacktestService(world.runtime, source_for=broken_source)  # type: ignore[arg-type]
    job_id = service.new_job_id()
    sub = await world.runtime.bus.subscribe(service.topic(job_id))
    with caplog.at_level("ERROR", logger="aristobot.backtest.service"):
        outcome = await service.run(_request(world), job_id=job_id)
    assert outcome.status == "error" and outcome.error == UNEXPECTED_ERROR
    assert "hunter2" not in UNEXPECTED_ERROR and "RuntimeError" not in UNEXPECTED_ERROR
    final = await sub.get(timeout=5)
    while not final.payload["done"]:
        final = await sub.get(timeout=5)
    assert final.payload["error"] == UNEXPECTED_ERROR
    assert "hunter2" in caplog.text  # the details are in the server log, with the traceback
    assert "RuntimeError" in caplog.text


async def test_candles_before_listing_are_asked_for_once_per_process(world: World) -> None:
    base = int(START.timestamp() * 1000)
    spec = world.fake.symbols["BTCUSDT"]
    listed = [base + (288 + i) * 300_000 for i in range(2 * 288)]  # listed one day in
    world.fake.klines[("BTCUSDT", "5m")] = [world.fake.generated_kline(spec, 300_000, t)
                                           for t in listed]
    service = BacktestService(world.runtime)
    first = await service.run(_request(world))
    assert first.status == "done" and first.load is not None and first.load.fetched == 576
    before = world.fake.count("GET", "/api/v3/klines")
    again = await BacktestService(world.runtime).run(_request(world))  # the page's next run
    assert again.status == "done" and again.load is not None
    assert again.load.known_absent == 288 and again.load.requests == 0
    assert world.fake.count("GET", "/api/v3/klines") == before


async def test_full_verification_runs_in_the_sandboxed_worker_on_every_core(
        world: World) -> None:
    # Every bar re-evaluated exactly inside the strategy worker (its forked children share
    # its sandbox); the report travels back through the result codec and is stored.
    service = BacktestService(world.runtime)
    outcome = await service.run(_request(world, full_check=True,
                                         end=START + timedelta(days=2)))
    assert outcome.status == "done", outcome.error
    report = outcome.result.lookahead if outcome.result else None
    assert report is not None and report.verified and report.full and report.ok
    assert report.checked_bars == 576 and report.summary.startswith("Vérification complète")
    assert outcome.result is not None
    assert outcome.result.meta["check_processes"] == min(2, len(os.sched_getaffinity(0)))
    with world.runtime.sessions() as s:
        stored = results_store.load_result(s, world.user_id, outcome.result_id or 0)
    assert stored.lookahead is not None and stored.lookahead["full"] is True


async def test_a_hidden_veto_is_flagged_through_the_worker(world: World) -> None:
    veto = EMA_CROSS_EXAMPLE.replace(
        'self.candles["ema20"] = ta.ema(self.candles["close"], length=20)',
        'self.candles["ema20"] = ta.ema(self.candles["close"], length=20)\n'
        '        self.candles["next"] = self.candles["close"].shift(-1)').replace(
        "return ema10_prev < ema20_prev and ema10_now > ema20_now",
        "return ema10_prev < ema20_prev and ema10_now > ema20_now and not "
        '(self.candles["next"].iloc[-1] < self.candles["close"].iloc[-1])', 1)
    with world.runtime.sessions.begin() as s:
        s.get(StrategyRow, world.strategy_id).code = veto
    outcome = await BacktestService(world.runtime).run(_request(world))
    assert outcome.status == "done", outcome.error
    report = outcome.result.lookahead if outcome.result else None
    assert report is not None and report.verified and not report.ok
    assert outcome.result is not None and outcome.result.meta["exact"]["trades"] >= 0
    with world.runtime.sessions() as s:
        summary = results_store.list_results(s, world.user_id)[0]
    assert summary.lookahead_ok is False
