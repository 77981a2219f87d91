"""Proof, on every fast run, that the fast path took the decisions the exact path would take.

A sample of bars is re-evaluated the way the live engine works (a new strategy on the trailing
window, through ``decide``) with the balance and position the simulation had at that bar, and
the decisions are compared. The sample always holds the bars where the window first becomes
full, the first bars where the fast path acted, a spread of all the bars where it acted, and
seeded random bars. A difference means the strategy reads the future (``shift(-1)``, centred
windows, ``bfill``...) or depends on how much history it is given: the report lists the first
differing bars and the user can rerun in exact mode.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from aristobot.core.backtest.exact import exact_decision
from aristobot.core.backtest.simulator import CLOSE_PHASE, Outcome
from aristobot.core.backtest.types import BacktestParams, LookaheadReport
from aristobot.core.strategy_api import NOTHING, Action, Decision, Position, Strategy

#: At most this many differing bars are listed in the report.
MAX_LISTED = 10


def sample_bars(n: int, window: int, acted: Sequence[int], budget: int, seed: int) -> list[int]:
    """Return the sorted bars to check (at most ``budget``, all below ``n``)."""
    if n <= 0 or budget <= 0:
        return []
    chosen: set[int] = set()
    first_full = window - 1
    chosen.update(b for b in range(first_full, first_full + 4) if 0 <= b < n)
    chosen.update(acted[:10])
    acted_budget = max(0, budget // 2 - len(chosen))
    if len(acted) > 10 and acted_budget:
        picks = np.linspace(10, len(acted) - 1, num=min(acted_budget, len(acted) - 10))
        chosen.update(acted[int(i)] for i in picks)
    if n <= budget:
        return list(range(n))
    rng = np.random.default_rng(seed)
    while len(chosen) < budget:
        for bar in rng.integers(0, n, size=2 * (budget - len(chosen))).tolist():
            chosen.add(bar)
            if len(chosen) >= budget:
                break
    return sorted(chosen)[:budget]


class StateReplay:
    """The cash and position the simulation had when deciding at the close of a bar."""

    def __init__(self, outcome: Outcome, initial_cash: float) -> None:
        # Searched in place (a key per probe): no copy of the tens of thousands of changes of a
        # long run for the few hundred bars the check looks at.
        self._changes = outcome.changes
        self._initial = initial_cash

    def at(self, bar: int) -> tuple[float, Position | None]:
        i = bisect_left(self._changes, bar * 2 + CLOSE_PHASE, key=_change_key) - 1
        if i < 0:
            return self._initial, None
        _, _, cash, position = self._changes[i]
        return cash, position


def _change_key(change: tuple[int, int, float, Position | None]) -> int:
    return change[0] * 2 + change[1]


def same_decision(a: Decision, b: Decision) -> bool:
    if a.action is not b.action:
        return False
    return all(
        math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)
        for x, y in ((a.size, b.size), (a.stop_loss, b.stop_loss), (a.take_profit, b.take_profit))
    )


def describe(d: Decision) -> str:
    """Return a decision in French, for the report."""
    if d.action is Action.ENTER_LONG:
        return (f"achat (montant {d.size:.8g}, SL {d.stop_loss * 100:.4g} %, "
                f"TP {d.take_profit * 100:.4g} %)")
    if d.action is Action.EXIT:
        return "clôture de la position"
    if d.action is Action.ERROR:
        return f"erreur ({d.error})"
    if d.action is Action.ENTER_SHORT:
        return "vente à découvert"
    return "rien"


def check_exactness(
    strategy_cls: type[Strategy],
    candles: pd.DataFrame,
    params: BacktestParams,
    outcome: Outcome,
    should_stop: Callable[[], bool] | None = None,
    progress: Callable[[float], None] | None = None,
) -> tuple[LookaheadReport, bool]:
    """Re-evaluate sampled bars exactly and compare with the decisions the run took.

    Return the report and whether ``should_stop`` interrupted the check.
    """
    n = outcome.last_bar + 1
    acted = sorted(b for b in outcome.decisions if b < n)
    bars = sample_bars(n, params.window, acted, params.check_samples, seed=n)
    replay = StateReplay(outcome, float(params.initial_amount))
    mismatches: list[int] = []
    details: list[str] = []
    checked = 0
    interrupted = False
    for k, bar in enumerate(bars):
        if k % 16 == 0 and k:
            if progress is not None and k % 64 == 0:
                progress(k / len(bars))
            if should_stop is not None and should_stop():
                interrupted = True
                break
        cash, position = replay.at(bar)
        fast = outcome.decisions.get(bar, NOTHING)
        try:
            exact = exact_decision(strategy_cls, candles, bar, params.window, cash, position)
            differs = not same_decision(fast, exact)
            seen = describe(exact)
        except Exception as e:  # the exact path raising where the fast one did not differs too
            differs, seen = True, f"exception {type(e).__name__} : {e}"
        checked += 1
        if differs:
            mismatches.append(bar)
            if len(details) < MAX_LISTED:
                when = candles.index[bar]
                details.append(
                    f"Barre {bar} ({when:%Y-%m-%d %H:%M} UTC) : chemin rapide « {describe(fast)} »,"
                    f" chemin exact « {seen} »"
                )
    report = LookaheadReport(
        checked_bars=checked,
        mismatches=tuple(mismatches[:MAX_LISTED]),
        ok=not mismatches,
        details=tuple(details),
    )
    return report, interrupted
