"""The loader against the real ccxt client talking to a local fake Binance (no network)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from aristobot.backtest import candle_store as cs
from aristobot.backtest.candle_loader import CandleLoader, CandleRequest
from aristobot.domain.timeframe import Timeframe
from aristobot.errors import AristobotError, RateLimited
from aristobot.exchanges.factory import create_exchange
from aristobot.exchanges.retry import RetryPolicy
from tests.support.fake_binance import FakeBinance

# The fake server (another part's file) stores request data under str keys; aiohttp warns.
START = datetime(2024, 1, 1, tzinfo=UTC)
NO_WAIT = RetryPolicy(attempts=3, base_delay_s=0.0, max_delay_s=0.0)


@pytest.fixture
async def fake() -> AsyncIterator[FakeBinance]:
    server = await FakeBinance().start()
    yield server
    await server.stop()


@pytest.fixture
async def exchange(fake: FakeBinance) -> AsyncIterator[object]:
    ex = create_exchange("binance", override_url=fake.url)
    yield ex
    await ex.close()


def _req(minutes: int, start: datetime = START) -> CandleRequest:
    return CandleRequest("binance", "BTC/USDT", Timeframe.M1, start,
                         start + timedelta(minutes=minutes))


def _stored(sessions: sessionmaker[Session], minutes: int = 10_000) -> list[int]:
    with sessions() as s:
        return list(cs.stored_open_times(s, "binance", "BTC/USDT", "1m", START,
                                         START + timedelta(minutes=minutes)))


def _kline_requests(fake: FakeBinance) -> list[dict[str, str]]:
    return [p for m, path, p in fake.requests if path == "/api/v3/klines"]


async def test_paginates_stores_everything_and_then_reuses_it(
    sessions: sessionmaker[Session], fake: FakeBinance, exchange: object
) -> None:
    seen: list[float] = []
    loader = CandleLoader(sessions, exchange, page_limit=100, progress=seen.append, retry=NO_WAIT)
    report = await loader.load(_req(350))
    assert (report.expected, report.missing, report.fetched) == (350, 350, 350)
    assert report.requests == 4 and not report.cancelled
    assert len(_kline_requests(fake)) == 4
    assert seen[0] == 0.0 and seen[-1] == 100.0 and seen == sorted(seen)
    stored = _stored(sessions)
    assert len(stored) == 350 and stored[0] == int(START.timestamp() * 1000)
    again = await CandleLoader(sessions, exchange, page_limit=100).load(_req(350))
    assert (again.missing, again.requests) == (0, 0)


async def test_only_missing_ranges_are_fetched(
    sessions: sessionmaker[Session], fake: FakeBinance, exchange: object
) -> None:
    await CandleLoader(sessions, exchange, page_limit=1000).load(_req(100, START +
                                                                       timedelta(minutes=50)))
    fake.requests.clear()
    report = await CandleLoader(sessions, exchange, page_limit=1000).load(_req(200))
    assert report.missing == 100 and report.fetched == 100
    starts = sorted(int(p["startTime"]) for p in _kline_requests(fake))
    base = int(START.timestamp() * 1000)
    assert starts == [base, base + 150 * 60_000]
    assert len(_stored(sessions)) == 200


async def test_gaps_on_the_exchange_are_skipped_not_invented(
    sessions: sessionmaker[Session], fake: FakeBinance, exchange: object
) -> None:
    base = int(START.timestamp() * 1000)
    spec = fake.symbols["BTCUSDT"]
    opens = [base + i * 60_000 for i in range(300) if not 100 <= i < 160]  # 1 h maintenance
    fake.klines[("BTCUSDT", "1m")] = [fake.generated_kline(spec, 60_000, t) for t in opens]
    report = await CandleLoader(sessions, exchange, page_limit=100).load(_req(300))
    assert report.fetched == 240
    assert _stored(sessions) == opens


async def test_cancel_keeps_what_was_fetched_and_resume_completes(
    sessions: sessionmaker[Session], exchange: object
) -> None:
    cancel = asyncio.Event()

    def stop_after_first_page(pct: float) -> None:
        if pct > 0:
            cancel.set()

    loader = CandleLoader(sessions, exchange, page_limit=100, cancel=cancel,
                          progress=stop_after_first_page)
    report = await loader.load(_req(500))
    assert report.cancelled and report.fetched == 100
    assert len(_stored(sessions)) == 100
    resumed = await CandleLoader(sessions, exchange, page_limit=100).load(_req(500))
    assert resumed.missing == 400 and not resumed.cancelled
    assert len(_stored(sessions)) == 500


async def test_cancel_interrupts_a_request_in_flight(sessions: sessionmaker[Session]) -> None:
    class Hanging:
        async def fetch_ohlcv(self, *args: object, **kwargs: object) -> list[list[float]]:
            await asyncio.Event().wait()
            return []

    cancel = asyncio.Event()
    task = asyncio.ensure_future(CandleLoader(sessions, Hanging(), cancel=cancel).load(_req(10)))
    await asyncio.sleep(0)
    cancel.set()
    report = await asyncio.wait_for(task, 5)
    assert report.cancelled and report.fetched == 0


async def test_rate_limit_is_retried_then_reported_in_french(
    sessions: sessionmaker[Session], fake: FakeBinance, exchange: object
) -> None:
    fake.fail("/api/v3/klines", "429", times=1)
    report = await CandleLoader(sessions, exchange, retry=NO_WAIT).load(_req(30))
    assert report.fetched == 30
    fake.fail("/api/v3/klines", "429", times=5)
    with pytest.raises(RateLimited) as e:
        await CandleLoader(sessions, exchange, retry=NO_WAIT).load(_req(30, START +
                                                                          timedelta(days=1)))
    assert "Trop de requêtes" in e.value.user_message()


async def test_unknown_symbol_is_a_french_error(
    sessions: sessionmaker[Session], exchange: object
) -> None:
    req = CandleRequest("binance", "NOPE/USDT", Timeframe.M1, START, START + timedelta(hours=1))
    with pytest.raises(AristobotError) as e:
        await CandleLoader(sessions, exchange, retry=NO_WAIT).load(req)
    assert e.value.user_message()


async def test_ranges_the_exchange_lacks_are_remembered_not_requested_again(
    sessions: sessionmaker[Session], fake: FakeBinance, exchange: object
) -> None:
    from aristobot.backtest.absent_ranges import AbsentRanges

    base = int(START.timestamp() * 1000)
    spec = fake.symbols["BTCUSDT"]
    # Listed at minute 100, a maintenance at 150-169, delisted after minute 299.
    opens = [base + i * 60_000 for i in range(100, 300) if not 150 <= i < 170]
    fake.klines[("BTCUSDT", "1m")] = [fake.generated_kline(spec, 60_000, t) for t in opens]
    absent = AbsentRanges()
    first = await CandleLoader(sessions, exchange, page_limit=100, absent=absent).load(_req(400))
    assert (first.missing, first.fetched, first.known_absent) == (400, 180, 0)
    assert absent.ranges(("binance", "BTC/USDT", "1m")) == [
        (base, base + 100 * 60_000), (base + 150 * 60_000, base + 170 * 60_000),
        (base + 300 * 60_000, base + 400 * 60_000)]
    fake.requests.clear()
    seen: list[float] = []
    again = await CandleLoader(sessions, exchange, page_limit=100, absent=absent,
                               progress=seen.append).load(_req(400))
    assert (again.missing, again.known_absent, again.requests) == (220, 220, 0)
    assert _kline_requests(fake) == [] and set(seen) == {100.0}
    # Without the memory, every backtest asks the exchange again for what it does not have.
    forgetful = await CandleLoader(sessions, exchange, page_limit=100).load(_req(400))
    assert forgetful.requests > 0 and forgetful.fetched == 0


async def test_an_empty_recent_range_is_not_remembered(
    sessions: sessionmaker[Session], fake: FakeBinance, exchange: object
) -> None:
    from aristobot.backtest.absent_ranges import AbsentRanges

    base = int(START.timestamp() * 1000)
    spec = fake.symbols["BTCUSDT"]
    opens = [base + i * 60_000 for i in range(0, 50)]
    fake.klines[("BTCUSDT", "1m")] = [fake.generated_kline(spec, 60_000, t) for t in opens]
    absent = AbsentRanges()
    now = START + timedelta(minutes=100)  # the last 50 minutes may just not be served yet
    loader = CandleLoader(sessions, exchange, page_limit=100, absent=absent,
                          clock=now.timestamp)
    report = await loader.load(_req(100))
    assert report.fetched == 50
    assert absent.ranges(("binance", "BTC/USDT", "1m")) == []
