"""Walk-forward analysis: optimise in sample, judge the chosen parameters only out of sample.

Windows (``walk_windows``) cut N bars into one in-sample block followed by ``n_splits``
consecutive out-of-sample blocks of equal length ``oos = floor(N (1 - f) / (f + n_splits
(1 - f)))`` (f = ``in_sample_fraction``); the first in-sample block takes the rest,
``is_len = N - n_splits * oos``, so the last window ends on the last bar. Window k (from 0):

* ``rolling``: in sample ``[k oos, is_len + k oos)``, a window of constant length;
* ``anchored``: in sample ``[0, is_len + k oos)``, growing from the first bar;

and out of sample ``[is_len + k oos, is_len + (k + 1) oos)`` in both cases. Each slice is
backtested on its own (fresh capital; indicators warm up inside the slice, as a live start
would). The sweeps of every window run at once on the cluster; a window's best in-sample point
is run out of sample as soon as its sweep is complete.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from aristobot.core.backtest.types import BacktestParams
from aristobot.errors import ValidationError
from aristobot.optimize import messages as msg
from aristobot.optimize.engine import CancelFlag
from aristobot.optimize.results import (
    SweepRow,
    WalkForwardResult,
    Window,
    WindowResult,
    check_objective,
    rank_key,
)
from aristobot.optimize.run import DEFAULT_SAMPLES
from aristobot.optimize.space import DEFAULT_CAP
from aristobot.optimize.sweep import (
    ProgressCallback,
    _runner,
    check_points,
    make_row,
    strategy_declaration,
)

if TYPE_CHECKING:
    from distributed import Client

    from aristobot.config import Settings

KINDS = ("rolling", "anchored")


def walk_windows(n_bars: int, n_splits: int = 4, in_sample_fraction: float = 0.75,
                 kind: str = "rolling") -> list[Window]:
    """Return the windows over ``n_bars`` bars (see the module docstring)."""
    if kind not in KINDS:
        raise ValidationError(reason=msg.WF_KIND_UNKNOWN.format(kind=kind))
    if isinstance(n_splits, bool) or not isinstance(n_splits, int) or not 1 <= n_splits <= 100:
        raise ValidationError(reason=msg.WF_SPLITS)
    f = float(in_sample_fraction)
    if not 0.0 < f < 1.0:
        raise ValidationError(reason=msg.WF_FRACTION)
    oos = int(n_bars * (1.0 - f) // (f + n_splits * (1.0 - f)))
    is_len = n_bars - n_splits * oos
    if oos < 2 or is_len < 2:
        raise ValidationError(reason=msg.WF_TOO_SHORT.format(bars=n_bars, splits=n_splits))
    return [Window(0 if kind == "anchored" else k * oos, is_len + k * oos, is_len + (k + 1) * oos)
            for k in range(n_splits)]


def walk_forward_runs(n_windows: int, n_points: int) -> int:
    """Return how many backtests a walk-forward makes: every point in sample in each window,
    then the window's best point once out of sample (what ``on_progress`` counts)."""
    return n_windows * (n_points + 1)


def walk_forward(strategy: str | type, candles: pd.DataFrame,
                 points: Sequence[Mapping[str, Any]], objective: str = "sharpe", *,
                 windows: str = "rolling", n_splits: int = 4, in_sample_fraction: float = 0.75,
                 backtest: BacktestParams | None = None, client: Client | None = None,
                 settings: Settings | None = None, isolation: str = "sandbox",
                 owner: int | None = None, on_progress: ProgressCallback | None = None,
                 cancel: CancelFlag | None = None, samples: int = DEFAULT_SAMPLES,
                 cap: int = DEFAULT_CAP) -> WalkForwardResult:
    """Run the walk-forward analysis and return every window's in/out-of-sample results."""
    maximize = check_objective(objective)
    typed = check_points(points, strategy_declaration(strategy), cap)
    plan = walk_windows(len(candles), n_splits, in_sample_fraction, windows)
    runner = _runner(strategy, candles, backtest, client, settings, isolation, owner, samples,
                     cancel)
    total = walk_forward_runs(len(plan), len(typed))
    owners: dict[Any, tuple[int, int | None]] = {}  # task key -> (window, point or None: OOS)
    in_sample: list[list[SweepRow]] = [[] for _ in plan]
    oos: list[SweepRow | None] = [None] * len(plan)
    errors: list[str | None] = [None] * len(plan)
    chosen_rows: dict[int, SweepRow] = {}
    done = 0
    try:
        for w, win in enumerate(plan):
            for k, p in enumerate(typed):
                owners[runner.submit(p, win.is_start, win.is_stop).key] = (w, k)
        for future, outcome in runner.outcomes():
            w, point = owners[future.key]
            if outcome[0] == "cancelled":
                continue
            if point is None:
                chosen = chosen_rows[w]
                row = make_row(chosen.index, chosen.params, outcome, objective)
                oos[w] = row
            else:
                row = make_row(point, typed[point], outcome, objective)
                in_sample[w].append(row)
                if len(in_sample[w]) == len(typed):
                    best = _best(in_sample[w], maximize)
                    if best is None:
                        errors[w] = msg.WF_NO_IN_SAMPLE
                        done += 1  # the OOS run that will not happen
                    else:
                        chosen_rows[w] = best
                        win = plan[w]
                        owners[runner.submit(best.params, win.oos_start, win.oos_stop).key] = (
                            w, None)
            done += 1
            if on_progress is not None:
                on_progress(done, total, row)
    finally:
        runner.close()
    index = runner.frame.index
    results = [WindowResult(win, index[win.is_start], index[win.oos_start],
                            index[win.oos_stop - 1],
                            None if (b := _best(in_sample[w], maximize)) is None else b.params,
                            b, oos[w], len(in_sample[w]), errors[w])
               for w, win in enumerate(plan)]
    return WalkForwardResult(objective, maximize, windows, results, runner.cancelled)


def _best(rows: list[SweepRow], maximize: bool) -> SweepRow | None:
    ranked = sorted(rows, key=lambda r: rank_key(r, maximize))
    return ranked[0] if ranked and rank_key(ranked[0], maximize)[0] == 0 else None


#: A walk-forward efficiency (OOS return per bar / IS return per bar) at least this high, with
#: at least half the windows winning out of sample, is called robust.
ROBUST_EFFICIENCY = 0.5


def walk_forward_verdict(result: WalkForwardResult) -> str:
    """Return a plain French verdict on a walk-forward: do the in-sample choices hold out of
    sample (windows winning, mean returns side by side, walk-forward efficiency)?"""
    parts = [msg.WF_FLAGGED] if result.flagged else []
    pairs = [(w, w.in_sample, w.out_of_sample) for w in result.windows]
    judged = [(w, i, o) for w, i, o in pairs if i is not None and o is not None
              and o.error is None and i.stats.get("total_return_pct") is not None
              and o.stats.get("total_return_pct") is not None]
    if not judged:
        return " ".join([*parts, msg.WF_NOTHING_JUDGED])
    is_ret = [float(i.stats["total_return_pct"]) for _, i, _ in judged]
    oos_ret = [float(o.stats["total_return_pct"]) for _, _, o in judged]
    positive = sum(r > 0 for r in oos_ret)
    parts.append(msg.WF_SUMMARY.format(positive=positive, judged=len(judged),
                                       oos=msg.decimal(sum(oos_ret) / len(judged)),
                                       is_=msg.decimal(sum(is_ret) / len(judged))))
    is_rate = sum(r / max(1, w.window.is_stop - w.window.is_start)
                  for (w, _, _), r in zip(judged, is_ret, strict=True)) / len(judged)
    oos_rate = sum(r / max(1, w.window.oos_stop - w.window.oos_start)
                   for (w, _, _), r in zip(judged, oos_ret, strict=True)) / len(judged)
    efficiency = oos_rate / is_rate if is_rate > 0 else None
    if efficiency is not None:
        parts.append(msg.WF_EFFICIENCY.format(efficiency=100 * efficiency))
    if oos_rate <= 0 or positive == 0:
        parts.append(msg.WF_FAILS)
    elif (efficiency is not None and efficiency >= ROBUST_EFFICIENCY
          and 2 * positive >= len(judged) and not result.flagged):
        parts.append(msg.WF_ROBUST)
    else:
        parts.append(msg.WF_FRAGILE)
    return " ".join(parts)
