"""Aristobot's backtester vs backtesting.py and vectorbt on one year of 1m candles.

    .venv/bin/python benchmarks/backtest_vs_peers.py [--candles 525600] [--seed 42] [--repeats 7]

Run it on a quiet machine: it prints the load average first and warns when other work is
running (the medians are then not worth comparing).

The seed's EMA 10/20 example (its code unchanged, loaded like any user strategy), on seeded
synthetic 1m candles, fees 0, 10 % of the balance per trade, SL 2 % / TP 4 %:

- ours: ``run_backtest`` end to end (loading the user's code, indicators, decisions,
  simulation, the sampled exactness check on 200 bars, trades, equity, statistics); cold = the
  first run of the process (imports pandas-ta), warm = the next ones;
- backtesting.py 0.6.6 (``trade_on_close=True``, which follows S1-S5), same EMA from
  pandas-ta-classic, cash scaled up so that its whole-unit sizes stay ~10 %;
- vectorbt ``Portfolio.from_signals`` (Numba) on the same crossing signals with
  ``sl_stop`` / ``tp_stop`` and open/high/low (cold = first call incl. JIT, warm = second).

Each tool runs in its own child process so that its peak memory (max RSS) is its own. Ours
and vectorbt report the best and the median of ``--repeats`` warm runs, and the ratios compare
best with best and median with median. The trades are compared by (entry bar, exit bar);
residual differences are classified. Prints every time and ratio; nothing is asserted.
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


def make_candles(n: int, seed: int, volatility: float) -> pd.DataFrame:
    from aristobot.backtest.synthetic import synthetic_candles

    return synthetic_candles(n, seed=seed, volatility=volatility)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- the three contenders (each in a child process) ----------------------------------------


def run_ours(candles: pd.DataFrame, per_bar: bool = False) -> dict[str, Any]:
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
                              BacktestParams(initial_amount=INITIAL, fee_rate=0.0, slippage=0.0))
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
    return time.perf_counter() - started, (pf, records)


def run_vectorbt(candles: pd.DataFrame) -> dict[str, Any]:
    cold, _ = vectorbt_once(candles)  # imports and Numba JIT compilation
    times = []
    for _ in range(REPEATS):
        warm, (pf, records) = vectorbt_once(candles)
        times.append(warm)
    n = len(candles)
    closed = records["status"] == 1
    exit_bars = np.where(closed, records["exit_idx"], n - 1)
    trades = [(int(e), int(x), "") for e, x in zip(records["entry_idx"], exit_bars, strict=True)]
    return {"seconds": min(times), "median_seconds": float(np.median(times)), "cold_seconds": cold,
            "final": float(pf.final_value()) / INITIAL, "trades": trades}


CONTENDERS = {
    "ours": run_ours,
    "ours-per-bar": lambda c: run_ours(c, per_bar=True),
    "backtesting.py": run_backtesting_py,
    "vectorbt": run_vectorbt,
}


def child(name: str, n: int, seed: int, volatility: float, out: Path) -> None:
    global REPEATS
    REPEATS = int(os.environ.get("BENCH_REPEATS", REPEATS))
    candles = make_candles(n, seed, volatility)
    base = peak_mb()
    result = CONTENDERS[name](candles)
    result.update(peak_mb=peak_mb(), baseline_mb=base)
    out.write_text(json.dumps(result))


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


def _ratio(what: str, theirs: float, ours: float) -> str:
    r = theirs / ours
    return f"{what} ours {r:.2f}x faster" if r >= 1 else f"{what} ours {1 / r:.2f}x SLOWER"


def _count(items: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for i in items:
        out[i] = out.get(i, 0) + 1
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candles", type=int, default=525_600)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--volatility", type=float, default=0.0008,
                        help="per-bar volatility of the synthetic market (higher: more stops)")
    parser.add_argument("--child", choices=sorted(CONTENDERS))
    parser.add_argument("--out", type=Path)
    parser.add_argument("--skip", action="append", default=[], help="contender to skip")
    parser.add_argument("--repeats", type=int, default=REPEATS,
                        help="warm runs of ours and vectorbt (best and median reported)")
    args = parser.parse_args()
    os.environ["BENCH_REPEATS"] = str(max(1, args.repeats))
    if args.child:
        child(args.child, args.candles, args.seed, args.volatility, args.out)
        return
    n = args.candles
    load = os.getloadavg()
    quiet = load[0] <= QUIET_LOAD
    print(f"load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} on {os.cpu_count()} CPUs: "
          + ("quiet machine" if quiet else "NOT QUIET: other work is running, medians are "
             "disturbed; rerun when the machine is idle"))
    print(f"EMA 10/20 seed example, {n:,} synthetic 1m candles (seed {args.seed}, volatility "
          f"{args.volatility}), fees 0, 10 % per trade, SL 2 % / TP 4 %")
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in CONTENDERS:
            if name in args.skip:
                continue
            out = Path(tmp) / f"{name}.json"
            subprocess.run([sys.executable, __file__, "--child", name, "--candles", str(n),
                            "--seed", str(args.seed), "--volatility", str(args.volatility),
                            "--out", str(out)], check=True,
                           env={**os.environ, "TQDM_DISABLE": "1"})
            results[name] = json.loads(out.read_text())
            r = results[name]
            extra = f" [median {r['median_seconds']:.3f} s]" if "median_seconds" in r else ""
            if "cold_seconds" in r:
                extra += f" (cold first run {r['cold_seconds']:.2f} s)"
            label = "best" if "median_seconds" in r else "one run"
            print(f"  {name:15s} {label:7s} {r['seconds']:7.3f} s  {n / r['seconds']:>12,.0f} "
                  f"candles/s  peak RSS {r['peak_mb']:6.0f} MB  trades {len(r['trades']):6d}  "
                  f"final x{r['final']:.4f}{extra}")
    ours = results.get("ours")
    if ours is None:
        return
    print(f"  ours: engine {ours['engine']}, exactness check {ours['checked_bars']} bars "
          f"in {ours['check_seconds']:.3f} s (median), look-ahead ok: {ours['lookahead_ok']}, "
          f"exits {ours['exit_reasons']}")
    for name, r in results.items():
        if name == "ours":
            continue
        line = f"  {name}: " + _ratio("best vs best", r["seconds"], ours["seconds"])
        if "median_seconds" in r:
            line += "; " + _ratio("median vs median", r["median_seconds"],
                                  ours["median_seconds"])
        if "cold_seconds" in r:
            line += "; " + _ratio("cold vs cold", r["cold_seconds"], ours["cold_seconds"])
        print(line)
        c = compare(ours["trades"], r["trades"], n)
        print(f"    same trades (entry bar, exit bar): {c['common']:,} common; "
              f"{c['n_only_ours']} only ours, {c['n_only_theirs']} only {name}; "
              f"only-ours S5 same-bar re-entries: {c['only_ours_s5_reentries']}; "
              f"only-ours by exit reason: {c['only_ours_reasons']}")
        if c["only_ours"] or c["only_theirs"]:
            print(f"    first differences: ours {c['only_ours']} / {name} {c['only_theirs']}")


if __name__ == "__main__":
    main()
