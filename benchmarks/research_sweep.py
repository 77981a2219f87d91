"""Parameter sweep on Dask: wall time with 1 and 2 local workers, vs vectorbt's own sweep.

    .venv/bin/python benchmarks/research_sweep.py [--candles 525600] [--pairs 100]
        [--isolation sandbox|process|both] [--workers 1,2] [--spot-checks 5] [--serial]

The seed's EMA cross with its lengths declared as parameters (``EMA_CROSS_PARAMS_EXAMPLE``;
same trades as the seed's EMA 10/20 with the defaults), ``--pairs`` distinct (fast, slow) drawn
with seed 0 from fast 5..50 x slow 10..200 with ``fast < slow``, on seeded synthetic 1m candles
(a year by default), fees 0, 10 % of the balance per trade, SL 2 % / TP 4 %:

- ours: ``run_sweep`` on a fresh LocalCluster of N worker processes (1 thread each), every run
  a full ``run_backtest`` with its sampled look-ahead check; ``sandbox`` = each run in a
  sandboxed strategy worker (the dashboard's mode), ``process`` = in the Dask worker (notebooks);
  the wall time includes scattering the candles, excludes starting the cluster;
- vectorbt: one ``Portfolio.from_signals`` call over a 2-D signal matrix (one column per pair,
  pandas-ta-classic EMAs, computed once per distinct length), in chunks of 25 columns to bound
  memory; cold = first run (JIT), warm = second.

- serial (``--serial``): the same ``run_backtest`` calls one after the other in this process,
  no Dask, no sandbox: what a sweep costs above it (per run) is the sweep's own overhead.

Then: per-worker throughput (runs/s and candles/s), the scaling 1 -> 2 workers, how many
workers a 10x speed-up over one worker needs at that efficiency, the peak memory (VmHWM) of
every Dask worker process and of its sandboxed children, and a spot-check of several pairs:
our trades (entry bar, exit bar) vs vectorbt's. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

INITIAL = 10_000.0
CHUNK = 25


def load_line() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} on {os.cpu_count()} CPUs"


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
            if int(stat[1]) == pid:
                out.append(int(entry.name))
    return out


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        kids = _children(todo.pop())
        found += kids
        todo += kids
    return found


def worker_memory(client: Any) -> list[tuple[float, float]]:
    """(Dask worker VmHWM MB, largest VmHWM MB among its sandboxed descendants) per worker."""
    pids = client.run(os.getpid).values()
    out = []
    for pid in pids:
        kids = [_status_kb(p, "VmHWM") for p in _descendants(pid)]
        out.append((_status_kb(pid, "VmHWM") / 1024, max(kids, default=0) / 1024))
    return out


def run_ours(candles: pd.DataFrame, pairs: list[dict[str, int]], workers: int,
             isolation: str) -> dict[str, Any]:
    from distributed import Client, LocalCluster

    from aristobot.core.backtest import BacktestParams
    from aristobot.optimize import run_sweep
    from aristobot.optimize.cluster import LOCAL_SCHEDULER_OPTIONS
    from aristobot.strategies.examples import EMA_CROSS_PARAMS_EXAMPLE

    with LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None,
                      memory_limit="4GiB", scheduler_kwargs=dict(LOCAL_SCHEDULER_OPTIONS)) as lc, \
            Client(lc, set_as_default=False) as client:
        client.wait_for_workers(workers)
        started = time.perf_counter()
        result = run_sweep(EMA_CROSS_PARAMS_EXAMPLE, candles, pairs, "total_return_pct",
                           client=client, backtest=BacktestParams(fee_rate=0.0),
                           isolation=isolation)
        seconds = time.perf_counter() - started
        memory = worker_memory(client)
    errors = [r.error for r in result.rows if r.error]
    return {"seconds": seconds, "rows": result.rows, "errors": errors, "memory": memory,
            "flagged": sum(r.flagged for r in result.rows), "verdict": result.verdict,
            "dsr": result.dsr, "pbo": result.pbo, "best": result.best}


def serial_seconds(candles: pd.DataFrame, pairs: list[dict[str, int]]) -> float:
    """Wall time of the sweep's backtests run one after the other here (no Dask, no sandbox)."""
    from aristobot.core.backtest import BacktestParams, run_backtest
    from aristobot.core.strategy_loader import load_strategy
    from aristobot.optimize.engine import ohlcv_frame
    from aristobot.strategies.examples import EMA_CROSS_PARAMS_EXAMPLE

    started = time.perf_counter()
    frame = ohlcv_frame(candles)
    cls = load_strategy(EMA_CROSS_PARAMS_EXAMPLE)
    for point in pairs:
        run_backtest(frame, cls, BacktestParams(fee_rate=0.0), strategy_params=point)
    return time.perf_counter() - started


def vectorbt_sweep(candles: pd.DataFrame, pairs: list[dict[str, int]]) -> tuple[float, Any]:
    import pandas_ta_classic as ta
    import vectorbt as vbt

    started = time.perf_counter()
    close = candles["close"]
    lengths = sorted({p["fast"] for p in pairs} | {p["slow"] for p in pairs})
    emas = {n: ta.ema(close, length=n).to_numpy() for n in lengths}
    records = []
    for lo in range(0, len(pairs), CHUNK):
        chunk = pairs[lo:lo + CHUNK]
        fast = np.column_stack([emas[p["fast"]] for p in chunk])
        slow = np.column_stack([emas[p["slow"]] for p in chunk])
        pf_, ps_ = np.roll(fast, 1, axis=0), np.roll(slow, 1, axis=0)
        pf_[0], ps_[0] = np.nan, np.nan
        # The strategies' guard: no decision before slow + 1 candles.
        ready = np.arange(len(close))[:, None] >= np.array([p["slow"] for p in chunk])[None, :]
        with np.errstate(invalid="ignore"):
            entries = (pf_ < ps_) & (fast > slow) & ready
            exits = (pf_ > ps_) & (fast < slow) & ready
        columns = pd.RangeIndex(lo, lo + len(chunk))
        pf = vbt.Portfolio.from_signals(
            close, pd.DataFrame(entries, index=close.index, columns=columns),
            pd.DataFrame(exits, index=close.index, columns=columns),
            open=candles["open"], high=candles["high"], low=candles["low"], sl_stop=0.02,
            tp_stop=0.04, size=0.1, size_type="percent", fees=0.0, init_cash=INITIAL,
            freq="1min")
        records.append(pf.trades.records_arr)
    return time.perf_counter() - started, records


def vectorbt_trades(records: list[Any], pairs: int, n: int) -> dict[int, list[tuple[int, int]]]:
    out: dict[int, list[tuple[int, int]]] = {i: [] for i in range(pairs)}
    for chunk_no, arr in enumerate(records):
        for r in arr:
            exit_bar = int(r["exit_idx"]) if r["status"] == 1 else n - 1
            out[chunk_no * CHUNK + int(r["col"])].append((int(r["entry_idx"]), exit_bar))
    return out


def our_trades(candles: pd.DataFrame, point: dict[str, int]) -> list[tuple[int, int]]:
    from aristobot.core.backtest import BacktestParams, run_backtest
    from aristobot.core.strategy_loader import load_strategy
    from aristobot.strategies.examples import EMA_CROSS_PARAMS_EXAMPLE

    result = run_backtest(candles, load_strategy(EMA_CROSS_PARAMS_EXAMPLE),
                          BacktestParams(fee_rate=0.0), strategy_params=point)
    return [(t.entry_bar, t.exit_bar) for t in result.trades]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candles", type=int, default=525_600)
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--isolation", choices=("sandbox", "process", "both"), default="both")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--spot-checks", type=int, default=5)
    parser.add_argument("--serial", action="store_true",
                        help="also time the same backtests serially, without Dask")
    args = parser.parse_args()

    from aristobot.backtest.synthetic import synthetic_candles
    from aristobot.optimize import IntRange, ParamSpace, random_points

    print(load_line())
    candles = synthetic_candles(args.candles, seed=42)
    space = ParamSpace(fast=IntRange(5, 50), slow=IntRange(10, 200))
    pairs = random_points(space, "fast < slow", n=args.pairs, seed=0)
    print(f"{len(candles)} 1m candles, {len(pairs)} (fast, slow) pairs, fast < slow")
    isolations = ("sandbox", "process") if args.isolation == "both" else (args.isolation,)
    counts = [int(w) for w in args.workers.split(",")]
    serial = serial_seconds(candles, pairs) if args.serial else None
    if serial is not None:
        print(f"serial run_backtest, no Dask/sandbox: {serial:.1f} s "
              f"({serial / len(pairs):.3f} s per run); {load_line()}")
    ours: dict[tuple[str, int], dict[str, Any]] = {}
    for isolation in isolations:
        for workers in counts:
            r = ours[(isolation, workers)] = run_ours(candles, pairs, workers, isolation)
            runs_s = len(pairs) / r["seconds"]
            mem = ", ".join(f"worker {w:.0f} MB + sandbox {s:.0f} MB" for w, s in r["memory"])
            print(f"ours [{isolation}] {workers} worker(s): {r['seconds']:.1f} s wall, "
                  f"{runs_s / workers:.2f} runs/s per worker "
                  f"({runs_s * len(candles) / workers / 1e6:.2f} M candles/s per worker), "
                  f"errors {len(r['errors'])}, look-ahead flagged {r['flagged']}; "
                  f"peak memory: {mem}; {load_line()}")
            if serial is not None:
                extra = (r["seconds"] * workers - serial) / len(pairs)
                print(f"  sweep overhead vs serial: {extra:+.3f} s per run "
                      f"(worker-seconds above the serial backtests)")
        if len(counts) >= 2:
            one, two = ours[(isolation, counts[0])], ours[(isolation, counts[1])]
            speedup = one["seconds"] / two["seconds"]
            efficiency = speedup / (counts[1] / counts[0])
            need = math.ceil(10 / efficiency) if efficiency > 0 else None
            print(f"ours [{isolation}] scaling {counts[0]} -> {counts[1]} workers: "
                  f"{speedup:.2f}x (efficiency {efficiency:.0%}); 10x over one worker needs "
                  f"~{need} workers at that efficiency")
    cold, _ = vectorbt_sweep(candles, pairs)
    warm, records = vectorbt_sweep(candles, pairs)
    print(f"vectorbt sweep (one process): cold {cold:.1f} s, warm {warm:.1f} s; {load_line()}")
    for (isolation, workers), r in ours.items():
        print(f"  ours [{isolation}, {workers} worker(s)] / vectorbt warm: "
              f"{r['seconds'] / warm:.2f}x the time")
    theirs = vectorbt_trades(records, len(pairs), len(candles))
    first = next(iter(ours.values()))
    rng = np.random.default_rng(1)
    picks = sorted(rng.choice(len(pairs), size=min(args.spot_checks, len(pairs)),
                              replace=False).tolist())
    for i in picks:
        mine = our_trades(candles, pairs[i])
        same = len(set(mine) & set(theirs[i]))
        row = first["rows"][i]
        print(f"  spot-check {pairs[i]}: ours {len(mine)} trades (sweep row {row.trades}), "
              f"vectorbt {len(theirs[i])}, identical (entry, exit) bars {same}")
    best = first["best"]
    print(f"best by total return: {best.params if best else None}; DSR {first['dsr']}, "
          f"PBO {first['pbo']}; verdict: {first['verdict']}")


if __name__ == "__main__":
    main()
