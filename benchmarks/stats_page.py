"""« Statistiques » for 100,000 trades: time to load them and build every figure and table.

    .venv/bin/python benchmarks/stats_page.py [--trades 100000] [--database-url URL]

Without ``--database-url`` a temporary SQLite file is used. The user's trades are spread over
3 origins (manual, 2 webhook sources), 2 brokers, 5 symbols and a year. Prints /proc/loadavg.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np


def _loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().strip()
    except OSError:
        return "?"


def seed(url: str, n: int) -> int:
    from sqlalchemy import select

    from aristobot.accounts.users import create_user
    from aristobot.brokers import BrokerDraft, create_broker
    from aristobot.db.engine import make_engine, make_sessionmaker, migrate
    from aristobot.db.models import TradeRow, WebhookRow
    from aristobot.security import Vault

    migrate(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    vault = Vault("bench-secret-key-0123456789")
    rng = np.random.default_rng(7)
    with sessions.begin() as s:
        user = create_user(s, "bench", "motdepasse-bench-1")
        other = create_user(s, "other", "motdepasse-other-1")
        brokers = [create_broker(s, vault, user.id, BrokerDraft(f"P{i}", "paper", {})).id
                   for i in range(2)]
        uid, oid = user.id, other.id
    # One webhook row per webhook trade (one alert, one order), from 2 sources.
    origins = [i % 3 for i in range(n)]
    with sessions.begin() as s:
        s.execute(WebhookRow.__table__.insert(), [
            dict(user_id=uid, source=f"TV-{'AB'[o - 1]}", payload={}, status="done",
                 created_at=datetime(2025, 1, 1, tzinfo=UTC))
            for o in origins if o])
        hook_ids = list(s.scalars(select(WebhookRow.id).order_by(WebhookRow.id)))
    next_hook = iter(hook_ids)
    symbols = ["BTC/USDT", "ETH/USDT", "SOL/USDT", "BNB/USDT", "XRP/USDT"]
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    step = timedelta(days=365) / n
    price = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    rows = []
    for i in range(n):
        origin = i % 3
        rows.append(dict(
            user_id=uid if i % 50 else oid, broker_id=brokers[i % 2] if i % 50 else None,
            webhook_id=next(next_hook) if origin else None,
            source="webhook" if origin else "manual", exchange="paper",
            symbol=symbols[i % 5], side="buy" if rng.random() < 0.5 else "sell",
            order_type="market", quantity=Decimal("0.1"), filled_quantity=Decimal("0.1"),
            average_price=Decimal(f"{price[i]:.4f}"), fee=Decimal("0.01"),
            fee_currency="USDT", status="filled", created_at=t0 + step * i))
    with sessions.begin() as s:
        s.execute(TradeRow.__table__.insert(), rows)
    engine.dispose()
    return uid


def measure(url: str, user_id: int, repeats: int) -> list[float]:
    from aristobot.charts.stats_chart import equity_figure, pnl_bars
    from aristobot.db.engine import make_engine, make_sessionmaker
    from aristobot.stats import compute_stats, load_trades

    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        with sessions() as s:
            frame = load_trades(s, user_id)
        stats = compute_stats(frame)
        equity_figure(stats.equity, "Europe/Paris", "dark")
        pnl_bars(stats.summary, "dark")
        times.append(time.perf_counter() - start)
    print(f"trades loaded: {len(frame)}, executed: {len(stats.trades)}")
    print(stats.summary.round(2).to_string(index=False))
    engine.dispose()
    return times


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trades", type=int, default=100_000)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--database-url", default=None)
    args = p.parse_args()
    print(f"loadavg at start: {_loadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/stats.db"
        t = time.perf_counter()
        uid = seed(url, args.trades)
        print(f"seeded {args.trades} trades in {time.perf_counter() - t:.1f} s "
              f"({url.split(':')[0]})")
        times = measure(url, uid, args.repeats)
    print(f"statistics built (load + compute + 2 figures): best {min(times):.3f} s, "
          f"median {statistics.median(times):.3f} s over {len(times)} runs")
    print(f"loadavg at end: {_loadavg()}")


if __name__ == "__main__":
    main()
