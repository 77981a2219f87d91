"""Live engine latency: one Heartbeat signal due for 20 strategies on 20 symbols.

    .venv/bin/python benchmarks/engine_signal.py --signals 40
    .venv/bin/python benchmarks/engine_signal.py --db postgresql+psycopg://postgres@127.0.0.1:5432/bench

A local fake Binance (the real ccxt client talks to it over loopback HTTP) answers every call
100 ms late. 5 users (the workbench's maximum) run 4 strategies each, one per symbol, on their
own Binance broker; each signal makes every strategy trade (enter on even minutes, exit on odd
ones), so each signal ends with 20 decisions taken in the isolated workers and 20 market orders
acknowledged. Printed: p50 / p99 / max from the signal to the last order acknowledged, and the
serial lower bound (3 exchange calls × 100 ms × 20 strategies).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support (fake Binance)

from aristobot.brokers.connections import EXCHANGES, build_manager  # noqa: E402
from aristobot.bus import InMemoryBus  # noqa: E402
from aristobot.config import Secret, Settings  # noqa: E402
from aristobot.db.engine import make_engine, make_sessionmaker, migrate  # noqa: E402
from aristobot.engine.service import Engine  # noqa: E402
from aristobot.runtime import Runtime  # noqa: E402
from aristobot.security import Vault  # noqa: E402
from aristobot.strategies import StrategyPool  # noqa: E402
from tests.support.engine import activate, add_candles, signal, strategy_code  # noqa: E402
from tests.support.factories import make_user  # noqa: E402
from tests.support.fake_binance import FakeBinance  # noqa: E402

USERS, PER_USER = 5, 4
FLIP = strategy_code(should_long="return self.candles.index[-1].minute % 2 == 0",
                     should_short="return self.candles.index[-1].minute % 2 == 1",
                     size="return 50.0")
START = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _loadavg() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()


async def _setup(db_url: str, fake: FakeBinance, signals: int) -> tuple[Runtime, list[str]]:
    tmp = Path(tempfile.mkdtemp())
    settings = Settings(var_dir=tmp, database_url=db_url, secret_key=Secret("bench-key-0123"),
                        exchange_url_overrides={"binance": fake.url}, max_users=USERS,
                        binance_ws_url="ws://127.0.0.1:9", binance_rest_url="http://127.0.0.1:9")
    engine = make_engine(db_url)
    rt = Runtime(settings=settings, engine=engine, sessions=make_sessionmaker(engine),
                 bus=InMemoryBus(), vault=Vault(str(settings.secret_key)))
    manager = build_manager(rt)
    rt.install(EXCHANGES, manager)
    symbols = [f"{s.base}/{s.quote}" for s in fake.symbols.values() if s.quote == "USDT"][:20]
    from aristobot.brokers import BrokerDraft, create_broker

    for u in range(USERS):
        user = make_user(rt.sessions, f"bench{u}", f"motdepasse-bench-{u}")
        fake.add_account(f"key-{u}", f"secret-{u}", USDT="100000")
        with rt.sessions.begin() as s:
            bid = create_broker(s, rt.vault, user.id, BrokerDraft(
                "Binance", "binance", {"apiKey": f"key-{u}", "secret": f"secret-{u}"})).id
        for k in range(PER_USER):
            sym = symbols[u * PER_USER + k]
            activate(rt.sessions, user.id, FLIP, name=f"S{k}", symbol=sym, start=START,
                     end=START + timedelta(days=1), broker_id=bid, window=30)
    for sym in symbols:
        price = float(fake.symbols[sym.replace("/", "")].price)
        add_candles(rt.sessions, sym, "1m", START - timedelta(minutes=30),
                    [price] * (30 + signals + 1))
    return rt, symbols


def _breakdown(rt: Runtime, offset_s: float) -> None:
    """Median / max ms from the signal's arrival to each step, over the last signal."""
    from sqlalchemy import select

    from aristobot.db.models import StrategyDecisionRow

    with rt.sessions() as s:
        last = s.scalar(select(StrategyDecisionRow.candle_open_time)
                        .order_by(StrategyDecisionRow.candle_open_time.desc()).limit(1))
        rows = list(s.scalars(select(StrategyDecisionRow.timings)
                              .where(StrategyDecisionRow.candle_open_time == last)))
    for step in ("inputs", "decision", "order"):
        ms = sorted(r[step] + offset_s * 1000 for r in rows if r and step in r)
        if ms:
            print(f"  last signal, {step:8s} ready after: median {statistics.median(ms):7.0f} ms,"
                  f" max {ms[-1]:7.0f} ms")


async def main(signals: int, latency: float, db_url: str | None) -> None:
    print(f"load average before: {_loadavg()}")
    fake = FakeBinance(extra_symbols=20)
    await fake.start()
    url = db_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    migrate(url)
    rt, symbols = await _setup(url, fake, signals)
    # one warm worker per owner: the pool's default total (size + 2) would make 5 owners evict
    # each other's workers on every signal (see benchmarks/README.md)
    pool = StrategyPool(1, call_timeout_s=10.0, max_workers=USERS + 1)
    engine = Engine(rt, decider=pool, fetch_candles=False)
    # warm-up: exchange instances, markets, workers (not measured)
    await asyncio.gather(*(engine.exchange_for(u + 1, u + 1) for u in range(USERS)))
    fake.latency_s = latency
    await engine.on_signal(signal("1m", START))
    spans, orders = [], 0
    for i in range(1, signals + 1):
        report = await engine.on_signal(signal("1m", START + timedelta(minutes=i)))
        acked = [o.order_acked_at for o in report.outcomes if o.order_acked_at]
        bad = [o for o in report.outcomes if o.status != "decided" or not o.trade_id]
        if bad:
            print(f"signal {i}: {len(bad)} without order: {bad[0].reason}")
        orders += len(acked)
        if acked:
            spans.append(max(acked) - report.received_at)
    spans.sort()
    p99 = spans[min(len(spans) - 1, int(len(spans) * 0.99))]
    print(f"{signals} signals x {len(symbols)} strategies ({USERS} users), exchange "
          f"+{latency * 1000:.0f} ms per call, {'PostgreSQL' if db_url else 'SQLite'}: "
          f"{orders} orders acknowledged")
    print(f"signal -> last order acknowledged: p50 {statistics.median(spans):.3f} s, "
          f"p99 {p99:.3f} s, max {spans[-1]:.3f} s (serial would be >= "
          f"{3 * latency * len(symbols):.1f} s)")
    _breakdown(rt, report.boundary.timestamp() - report.received_at)
    print(f"load average after: {_loadavg()}")
    await pool.aclose()
    await rt.aclose()
    await fake.stop()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--signals", type=int, default=40)
    ap.add_argument("--latency", type=float, default=0.1)
    ap.add_argument("--db", default=None)
    a = ap.parse_args()
    t0 = time.perf_counter()
    asyncio.run(main(a.signals, a.latency, a.db))
    print(f"total run {time.perf_counter() - t0:.1f} s")
