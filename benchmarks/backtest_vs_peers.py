"""Aristobot's backtester vs vectorbt and backtesting.py, from 10,000 candles to a year of 1m.

    .venv/bin/python benchmarks/backtest_vs_peers.py [--sizes 10000,30000,100000,525600]
        [--seed 42] [--repeats 7] [--data ../shared/data/ohlcv] [--skip NAME]

Prints one table: for seeded synthetic 1m candles of each size and the two real Binance 1m
files of the shared data set (when present, read from outside the repo), the seed's EMA 10/20
example (its code unchanged, loaded like any user strategy), fees 0, 10 % of the balance per
trade, SL 2 % / TP 4 %:

- ours, check on: ``run_backtest`` end to end (loading the user's code, indicators, traced
  decisions, simulation, the exactness check — causality cuts and sampled exact decisions,
  spread over the cores while trades, equity and statistics are assembled);
- ours, check off: the same with ``check_samples=0`` (the report then says « non vérifié »);
- vectorbt ``Portfolio.from_signals`` (Numba) on the same crossing signals with ``sl_stop`` /
  ``tp_stop`` and open/high/low, warm (its JIT paid before), its final value included;
- backtesting.py 0.6.6 (``trade_on_close=True``, which follows S1-S5), one run.

Each contender runs in its own child process over every data set (its peak memory is its
own). Ours and vectorbt: best and median of ``--repeats`` warm runs; ratios compare best with
best. Trades are compared by (entry bar, exit bar). It prints the load average first; nothing
is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

INITIAL = 10_000.0
REPEATS = 7  # ours and vectorbt (warm): best and median of 7; backtesting.py: one run
QUIET_LOAD = 0.5  # 1-minute load average above which the figures are flagged as disturbed
SIZES = (10_000, 30_000, 100_000, 525_600)
REAL_FILES = ("binanceus_BTCUSDT_1m_20230301_20230321.csv",
              "nautilus_BTC-PERP_1m_20211231_20220201.csv.gz")


def make_candles(n: int, seed: int, volatility: float) -> pd.DataFrame:
    from aristobot.backtest.synthetic import synthetic_candles

    return synthetic_candles(n, seed=seed, volatility=volatility)


def data_dir(given: str | None) -> Path | None:
    candidates = [Path(given)] if given else [ROOT.parent / "shared" / "data" / "ohlcv",
                                              ROOT.parent.parent / "shared" / "data" / "ohlcv"]
    return next((p for p in candidates if p.is_dir()), None)


def real_candles(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(path)
    frame = raw[["open", "high", "low", "close", "volume"]].astype(np.float64)
    frame.index = pd.DatetimeIndex(pd.to_datetime(raw["timestamp_ms"], unit="ms", utc=True),
                                   name="open_time")
    return frame


def datasets(sizes: list[int], seed: int, volatility: float,
             data: Path | None) -> list[tuple[str, pd.DataFrame]]:
    out = [(f"synthetic {n:,}", make_candles(n, seed, volatility)) for n in sizes]
    if data is not None:
        for name in REAL_FILES:
            if (data / name).exists():
                out.append((name.split("_1m_")[0] + " 1m", real_candles(data / name)))
    return out


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- the three contenders (each in a child process) ----------------------------------------


def run_ours(candles: pd.DataFrame, per_bar: bool = False, check: bool = True) -> dict[str, Any]:
    from aristobot.core.backtest import BacktestParams, fast_path, run_backtest
    from aristobot.core.strategy_loader import load_strategy
    from aristobot.strategies.examples import EMA_CROSS_EXAMPLE

    if per_bar:  # informative figure: the per-bar views, tracing switched off
        def no_trace(self: Any) -> Any:
            raise fast_path.TraceUnsupported("disabled by the benchmark")

        fast_path.ViewSource.trace = no_trace  # type: ignore[method-assign]
    times, checks = [], []
    for _ in range(REPEATS + 1):  # the first run is the cold one (imports), like vectorbt's
        started = time.perf_counter()
        strategy_cls = load_strategy(EMA_CROSS_EXAMPLE)
        result = run_backtest(candles, strategy_cls,
                              BacktestParams(initial_amount=INITIAL, fee_rate=0.0, slippage=0.0,
                                             check_samples=200 if check else 0))
        times.append(time.perf_counter() - started)
        checks.append(result.meta.get("check_seconds") or 0.0)
    cold, times, checks = times[0], times[1:], checks[1:]
    return {
        "seconds": min(times),
        "median_seconds": float(np.median(times)),
        "cold_seconds": cold,
        "engine": result.meta["engine"],
        "check_seconds": float(np.median(checks)),
        "lookahead_ok": result.lookahead.ok if result.lookahead else None,
        "verified": result.lookahead.verified if result.lookahead else None,
        "guarantee_pct": result.lookahead.guarantee_pct if result.lookahead else None,
        "check_processes": result.meta.get("check_processes"),
        "exit_reasons": result.stats["exit_reasons"],
        "checked_bars": result.lookahead.checked_bars if result.lookahead else 0,
        "final": result.stats["final_balance"] / INITIAL,
        "trades": [(t.entry_bar, t.exit_bar, t.exit_reason) for t in result.trades],
    }


def run_backtesting_py(candles: pd.DataFrame) -> dict[str, Any]:
    import warnings

    import pandas_ta_classic as ta
    from backtesting import Backtest, Strategy

    def ema(values: np.ndarray, length: int) -> np.ndarray:
        return ta.ema(pd.Series(values), length=length).to_numpy()

    class EmaCross(Strategy):
        def init(self) -> None:
            self.ema10 = self.I(ema, self.data.Close, 10)
            self.ema20 = self.I(ema, self.data.Close, 20)

        def next(self) -> None:
            e10, e20 = self.ema10, self.ema20
            if len(e10) < 21:
                return
            if not self.position:
                if e10[-2] < e20[-2] and e10[-1] > e20[-1]:
                    price = self.data.Close[-1]
                    self.buy(size=0.1, sl=price * 0.98, tp=price * 1.04)
            elif e10[-2] > e20[-2] and e10[-1] < e20[-1]:
                self.position.close()

    data = candles.rename(columns=str.capitalize)
    scale = 1e6  # whole units: with 1e6 x the cash, 10 % buys ~25,000 units (rounding ~4e-5)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bt = Backtest(data, EmaCross, cash=INITIAL * scale, commission=0.0,
                      trade_on_close=True, finalize_trades=True)
        stats = bt.run()
    seconds = time.perf_counter() - started
    tr = stats._trades
    return {
        "seconds": seconds,
        "final": float(stats["Equity Final [$]"]) / (INITIAL * scale),
        "trades": [(int(e), int(x), "")
                   for e, x in zip(tr["EntryBar"], tr["ExitBar"], strict=True)],
    }


def vectorbt_once(candles: pd.DataFrame) -> tuple[float, Any]:
    import pandas_ta_classic as ta
    import vectorbt as vbt

    started = time.perf_counter()
    close = candles["close"]
    e10, e20 = ta.ema(close, length=10), ta.ema(close, length=20)
    p10, p20 = e10.shift(1), e20.shift(1)
    entries = (p10 < p20) & (e10 > e20)
    exits = (p10 > p20) & (e10 < e20)
    pf = vbt.Portfolio.from_signals(
        close, entries, exits, open=candles["open"], high=candles["high"], low=candles["low"],
        sl_stop=0.02, tp_stop=0.04, size=0.1, size_type="percent", fees=0.0,
        init_cash=INITIAL, freq="1min")
    records = pf.trades.records_arr
    final = float(pf.final_value())  # part of the result: timed too
    return time.perf_counter() - started, (final, records)


def run_vectorbt(candles: pd.DataFrame) -> dict[str, Any]:
    cold, _ = vectorbt_once(candles)  # imports and Numba JIT compilation
    times = []
    for _ in range(REPEATS):
        warm, (final, records) = vectorbt_once(candles)
        times.append(warm)
    n = len(candles)
    closed = records["status"] == 1
    exit_bars = np.where(closed, records["exit_idx"], n - 1)
    trades = [(int(e), int(x), "") for e, x in zip(records["entry_idx"], exit_bars, strict=True)]
    return {"seconds": min(times), "median_seconds": float(np.median(times)), "cold_seconds": cold,
            "final": final / INITIAL, "trades": trades}


CONTENDERS = {
    "ours": run_ours,
    "ours-check-off": lambda c: run_ours(c, check=False),
    "vectorbt": run_vectorbt,
    "backtesting.py": run_backtesting_py,
}


def child(name: str, sizes: list[int], seed: int, volatility: float, data: str | None,
          out: Path) -> None:
    global REPEATS
    REPEATS = int(os.environ.get("BENCH_REPEATS", REPEATS))
    results = {}
    for label, candles in datasets(sizes, seed, volatility, data_dir(data)):
        results[label] = CONTENDERS[name](candles) | {"n": len(candles)}
    out.write_text(json.dumps({"runs": results, "peak_mb": peak_mb()}))


# -- comparison -------------------------------------------------------------------------


def compare(ours: list[list[Any]], theirs: list[list[Any]], n: int) -> dict[str, Any]:
    a = {(e, x) for e, x, _ in ours}
    b = {(e, x) for e, x, _ in theirs}
    only_ours, only_theirs = sorted(a - b), sorted(b - a)
    entries_b = {e for e, _ in b}
    reasons = {e: r for e, _, r in ours}
    # An entry of ours on the very bar a previous trade was stopped out (S5 re-entry).
    stop_bars = {x for _, x, r in ours if r in ("stop_loss", "take_profit")}
    s5 = [t for t in only_ours if t[0] in stop_bars and t[0] not in entries_b]
    return {
        "ours": len(a), "theirs": len(b), "common": len(a & b),
        "only_ours": only_ours[:5], "only_theirs": only_theirs[:5],
        "n_only_ours": len(only_ours), "n_only_theirs": len(only_theirs),
        "only_ours_s5_reentries": len(s5),
        "only_ours_reasons": _count(reasons.get(e, "?") for e, _ in only_ours),
    }


def _count(items: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for i in items:
        out[i] = out.get(i, 0) + 1
    return out


def _fmt(r: dict[str, Any] | None) -> str:
    if r is None:
        return "—"
    if "median_seconds" in r:
        return f"{r['seconds']:.3f} / {r['median_seconds']:.3f} s"
    return f"{r['seconds']:.3f} s"


def _same(ours: dict[str, Any], r: dict[str, Any] | None) -> str:
    if r is None:
        return "—"
    c = compare(ours["trades"], r["trades"], ours["n"])
    return f"{c['common']}/{max(c['ours'], c['theirs'])}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(str(n) for n in SIZES))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--volatility", type=float, default=0.0008,
                        help="per-bar volatility of the synthetic market (higher: more stops)")
    parser.add_argument("--data", default=None, help="folder of the real 1m files")
    parser.add_argument("--child", choices=sorted(CONTENDERS))
    parser.add_argument("--out", type=Path)
    parser.add_argument("--skip", action="append", default=[], help="contender to skip")
    parser.add_argument("--repeats", type=int, default=REPEATS,
                        help="warm runs of ours and vectorbt (best and median reported)")
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",") if x]
    os.environ["BENCH_REPEATS"] = str(max(1, args.repeats))
    if args.child:
        child(args.child, sizes, args.seed, args.volatility, args.data, args.out)
        return
    load = os.getloadavg()
    quiet = load[0] <= QUIET_LOAD
    print(f"load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} on {os.cpu_count()} CPUs: "
          + ("quiet machine" if quiet else "NOT QUIET: other work is running, figures are "
             "disturbed; rerun when the machine is idle"))
    print(f"EMA 10/20 seed example, fees 0, 10 % per trade, SL 2 % / TP 4 %; synthetic 1m "
          f"candles seed {args.seed}, volatility {args.volatility}; best / median of "
          f"{args.repeats} warm runs (backtesting.py: one run)")
    results: dict[str, dict[str, Any]] = {}
    peaks: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in CONTENDERS:
            if name in args.skip:
                continue
            out = Path(tmp) / f"{name}.json"
            cmd = [sys.executable, __file__, "--child", name, "--sizes", args.sizes,
                   "--seed", str(args.seed), "--volatility", str(args.volatility),
                   "--out", str(out)] + (["--data", args.data] if args.data else [])
            subprocess.run(cmd, check=True, env={**os.environ, "TQDM_DISABLE": "1"})
            got = json.loads(out.read_text())
            results[name], peaks[name] = got["runs"], got["peak_mb"]
    labels = list(next(iter(results.values())).keys()) if results else []
    print()
    print("| data | candles | ours, check on | ours, check off | vectorbt warm | "
          "backtesting.py | trades ours / vbt / bt.py | final equity ours / vbt / bt.py | "
          "same trades vbt, bt.py | vbt ÷ ours (check on) | vbt ÷ ours (check off) | "
          "bt.py ÷ ours |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for label in labels:
        row = {name: results[name].get(label) for name in results}
        ours, off = row.get("ours"), row.get("ours-check-off")
        vbt, btp = row.get("vectorbt"), row.get("backtesting.py")
        if ours is None:
            continue
        trades = " / ".join(str(len(r["trades"])) if r else "—" for r in (ours, vbt, btp))
        finals = " / ".join(f"x{r['final']:.4f}" if r else "—" for r in (ours, vbt, btp))
        ratio_v = f"{vbt['seconds'] / ours['seconds']:.2f}x" if vbt else "—"
        ratio_off = f"{vbt['seconds'] / off['seconds']:.2f}x" if vbt and off else "—"
        ratio_b = f"{btp['seconds'] / ours['seconds']:.1f}x" if btp else "—"
        print(f"| {label} | {ours['n']:,} | {_fmt(ours)} | {_fmt(off)} | {_fmt(vbt)} | "
              f"{_fmt(btp)} | {trades} | {finals} | {_same(ours, vbt)}, {_same(ours, btp)} | "
              f"{ratio_v} | {ratio_off} | {ratio_b} |")
    print()
    for label in labels:
        ours = results.get("ours", {}).get(label)
        if ours:
            g = ours["guarantee_pct"]
            bound = f"{g:.1f} %" if g is not None else "none"
            print(f"  {label}: check ok {ours['lookahead_ok']}, {ours['checked_bars']} bars in "
                  f"{ours['check_seconds']:.3f} s (median) on {ours['check_processes']} "
                  f"processes, guarantee: divergences on > {bound} of the bars")
    print("  peak RSS: " + ", ".join(f"{k} {v:.0f} MB" for k, v in peaks.items()))
    cold = {k: next(iter(v.values())).get("cold_seconds") for k, v in results.items()}
    print("  cold first runs (smallest data set): " + ", ".join(
        f"{k} {v:.2f} s" for k, v in cold.items() if v is not None))
    print("  load average at the end: " + " / ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
