"""Aggregation core throughput (all 8 timeframes, parsing excluded) and the golden check.

    .venv/bin/python benchmarks/heartbeat_aggregator.py [--trades 20000000] [--batch 4096]
    .venv/bin/python benchmarks/heartbeat_aggregator.py --golden /path/to/shared/data

The golden check feeds Binance's own 1m candles (OctoBot 2018 set, outside the repo) through
``CandleAggregator.add_minute`` and compares the 3m/5m/15m/1h results with Binance's candles
of those timeframes, on every window whose 1m candles are all present.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from aristobot.core.aggregator import CandleAggregator
from aristobot.domain.timeframe import HEARTBEAT_TIMEFRAMES, Timeframe


def throughput(n: int, batch: int, rate_per_s: float) -> None:
    rng = np.random.default_rng(1)
    start = 1_723_161_600_000
    ts = start + np.cumsum(rng.exponential(1000 / rate_per_s, n)).astype(np.int64)
    price = 60_000 * np.exp(np.cumsum(rng.normal(0, 1e-4, n)))
    qty = rng.exponential(0.05, n)
    agg = CandleAggregator("BTC/USDT", HEARTBEAT_TIMEFRAMES, since_ms=start)
    closed = 0
    t0 = time.perf_counter()
    for i in range(0, n, batch):
        closed += len(agg.ingest(ts[i : i + batch], price[i : i + batch], qty[i : i + batch]))
    dt = time.perf_counter() - t0
    hours = (ts[-1] - ts[0]) / 3_600_000
    print(f"aggregator: {n:,} trades in {dt:.2f} s = {n / dt:,.0f} trades/s "
          f"(batch {batch}, {hours:.1f} market hours, {closed:,} candles closed, 8 timeframes)")


def golden(data: Path) -> None:
    ohlcv = data / "ohlcv"
    one = pd.read_csv(ohlcv / "binance_BTCUSDT_1m_2018_octobot.csv")
    agg = CandleAggregator("BTC/USDT", [Timeframe.M1, Timeframe.M3, Timeframe.M5,
                                        Timeframe.M15, Timeframe.H1])
    mine = []
    for r in one.itertuples():
        mine += agg.add_minute(int(r.timestamp_ms), r.open, r.high, r.low, r.close, r.volume)
    present = set(one.timestamp_ms)
    for tf in (Timeframe.M3, Timeframe.M5, Timeframe.M15, Timeframe.H1):
        ref = pd.read_csv(ohlcv / f"binance_BTCUSDT_{tf.value}_2018_octobot.csv")
        ref = ref.set_index("timestamp_ms")
        ok = checked = 0
        for c in mine:
            if c.timeframe is not tf or c.open_time_ms not in ref.index:
                continue
            if any(m not in present for m in range(c.open_time_ms, c.close_time_ms, 60_000)):
                continue  # a 1m candle is missing from the input (10:12): not comparable
            checked += 1
            r = ref.loc[c.open_time_ms]
            same = (c.open, c.high, c.low, c.close) == (r.open, r.high, r.low, r.close)
            ok += same and abs(c.volume - r.volume) < 1e-9
        print(f"golden {tf.value:>3}: {ok}/{checked} fully covered windows equal Binance's")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--trades", type=int, default=20_000_000)
    ap.add_argument("--batch", type=int, default=4096)
    ap.add_argument("--rate", type=float, default=50.0, help="market trades per second")
    ap.add_argument("--golden", type=Path, default=None, help="the shared data folder")
    args = ap.parse_args()
    if args.golden:
        golden(args.golden)
    for batch in (args.batch, 256):
        throughput(args.trades, batch, args.rate)
