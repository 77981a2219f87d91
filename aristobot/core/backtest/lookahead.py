"""Proof, on every fast run, that the fast path took the decisions the exact path would take.

Two checks, spread over the cores (``forked``) while the result is being assembled:

- the causality check (``causality``): the strategy rebuilt on a few cuts of the history,
  what its ``__init__`` computed compared with the fast path's, for every bar before each cut
  (``EarlyCuts``: started on another core while the simulation runs, when there is one);
- the sampled exact check: bars chosen where look-ahead can hide (``sampling``: warm-up,
  around every entry and exit, near misses of the traced decision, uniform) re-evaluated the
  way the live engine works (a new strategy on the trailing window, through ``decide``) with
  the balance and position the simulation had at that bar, and the decisions compared.

A difference means the strategy reads the future (``shift(-1)``, centred windows, ``bfill``...)
or depends on how much history it is given: the report lists the first differing bars and the
user can rerun in exact mode. ``full=True`` re-evaluates every bar (the on-demand complete
verification): then equal decisions everywhere make the fast run the exact run.
"""

from __future__ import annotations

import math
import os
from bisect import bisect_left
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from aristobot.core.backtest import messages as msg
from aristobot.core.backtest.causality import compare_cut, cut_points
from aristobot.core.backtest.exact import exact_decision
from aristobot.core.backtest.forked import MIN_ITEMS_PER_CHILD, Pending, cores, fork_map
from aristobot.core.backtest.sampling import Sample, describe_sample, guarantee_pct, plan
from aristobot.core.backtest.simulator import CLOSE_PHASE, Outcome
from aristobot.core.backtest.types import BacktestParams, LookaheadReport
from aristobot.core.strategy_api import (
    NOTHING,
    Decision,
    Position,
    Strategy,
    evaluate,
)

#: At most this many differing bars are listed in the report.
MAX_LISTED = 10
#: Random cuts of the history for the causality check (plus the first windows).
CUTS = 3
#: An ``__init__`` on m candles costs about one on a window plus m / this (for balancing).
CUT_COST_CANDLES = 5_000


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


def _unchecked(text: str = msg.NOT_CHECKED) -> LookaheadReport:
    return LookaheadReport(checked_bars=0, mismatches=(), ok=False, details=(),
                           verified=False, summary=text)


class EarlyCuts:
    """The causality cuts of a run, started in a forked child as soon as the fast path's full
    instance exists: they need nothing from the simulation, so they run on another core
    while this one simulates. ``check_exactness`` uses their answers when its cuts are these
    (else it cancels them and cuts itself); a child that fails has its cuts redone here."""

    def __init__(self, strategy_cls: type[Strategy], candles: pd.DataFrame,
                 params: BacktestParams, view: Any, n: int) -> None:
        self.view = view
        self.points = cut_points(n, params.window, CUTS, seed=n + 1)
        points = self.points
        self._pending = Pending(
            lambda: [_cut(strategy_cls, candles, params, view, m, []) for m in points])

    def answers(self) -> list[tuple[bool, str]]:
        answers: list[tuple[bool, str]] = self._pending.result(self._well_formed)
        return answers

    def _well_formed(self, value: Any) -> bool:
        return isinstance(value, list) and len(value) == len(self.points) and all(
            isinstance(a, tuple) and len(a) == 2 and isinstance(a[0], bool)
            and isinstance(a[1], str) for a in value)

    def cancel(self) -> None:
        self._pending.cancel()


def check_exactness(
    strategy_cls: type[Strategy],
    candles: pd.DataFrame,
    params: BacktestParams,
    outcome: Outcome,
    should_stop: Callable[[], bool] | None = None,
    progress: Callable[[float], None] | None = None,
    source: Any = None,
    meanwhile: Callable[[], Any] | None = None,
    full: bool = False,
    early: EarlyCuts | None = None,
) -> tuple[LookaheadReport, bool]:
    """Check the fast run ``outcome`` against the exact path (see the module docstring).

    ``source`` is the fast path's decision source (its full strategy instance and traced near
    misses feed the check); ``meanwhile()`` runs while forked children check. Return the
    report and whether ``should_stop`` interrupted the check (then the report says « non
    vérifié »). ``early``: the cuts already started (``EarlyCuts``), used when they are this
    check's; the caller cancels them in any case once the check returned."""
    n = outcome.last_bar + 1
    if n <= 0 or (params.check_samples <= 0 and not full):
        if meanwhile is not None:
            meanwhile()
        return _unchecked(), False
    view = getattr(source, "view", source)
    trades = [(t.entry_bar, t.exit_bar) for t in outcome.trades]
    near = _near(source)
    if full:
        sample = Sample(list(range(n)), {msg.ALL_BARS: n}, 0, len(trades))
    else:
        sample = plan(n, params.window, trades, near, params.check_samples, seed=n)
    cuts = cut_points(n, params.window, CUTS, seed=n + 1) if hasattr(view, "frame") else []
    items: list[tuple[str, int]] = [("cut", m) for m in cuts] + [("bar", b) for b in sample.bars]
    replay = StateReplay(outcome, float(params.initial_amount))
    if early is not None and (early.view is not view or early.points != cuts):
        early = None
    units = _units(items, params, replay, pair=early is None)
    if early is not None:  # the cuts are computing elsewhere: only the bars here
        units = [unit for unit in units if items[unit[0]][0] != "cut"]
    stopped = [False]
    parent = os.getpid()
    done = [0]  # units computed here (``work`` is called once per chunk)
    processes = min(cores(), max(1, len(units) // MIN_ITEMS_PER_CHILD))

    def work(part: Sequence[list[int]]) -> list[list[tuple[bool, str]]]:
        out: list[list[tuple[bool, str]]] = []
        here = os.getpid() == parent  # children neither report nor poll (not their pipe)
        for j, unit in enumerate(part):
            if here:
                if stopped[0]:
                    break
                k = done[0] = done[0] + 1
                if progress is not None and k % 64 == 0:
                    # This process computes about its share of the units.
                    progress(min(1.0, k * processes / len(units)))
                # Polled at every chunk this process takes (however few the children left
                # it) and every 16 units within one.
                if (j == 0 or k % 16 == 0) and should_stop is not None and should_stop():
                    stopped[0] = True
                    break
            built: list[Strategy] = []
            answers = []
            for i in unit:
                kind, where = items[i]
                if kind == "cut":
                    answers.append(_cut(strategy_cls, candles, params, view, where, built))
                else:
                    answers.append(_bar(strategy_cls, candles, params, outcome, replay, where,
                                        built[0] if built else None))
            out.append(answers)
        return out + [[(False, "")] * len(unit) for unit in part[len(out):]]

    per_unit = fork_map(work, units, meanwhile)
    if stopped[0]:
        return _unchecked(msg.CHECK_INTERRUPTED), True
    answers: list[tuple[bool, str]] = [(False, "")] * len(items)
    if early is not None:
        answers[: len(cuts)] = early.answers()
    for unit, got in zip(units, per_unit, strict=True):
        for i, answer in zip(unit, got, strict=True):
            answers[i] = answer
    return _report(candles, items, answers, sample, len(cuts), n, full), False


def _units(items: list[tuple[str, int]], params: BacktestParams,
           replay: StateReplay, pair: bool = True) -> list[list[int]]:
    """Group the items (indices) into units of work, costliest first.

    A cut of m candles no longer than the window is the exact window of bar m - 1: when that
    bar is sampled and the simulation was flat with the initial cash there (the state the cut
    is built with), one ``__init__`` serves both (the cut's comparison first, then the bar's
    decision). Units are ordered by their estimated cost (an ``__init__`` on m candles costs
    about one on the window plus m / ``CUT_COST_CANDLES``), so that dealing them out in turn
    to the processes balances them."""
    index = {item: i for i, item in enumerate(items)}
    initial = float(params.initial_amount)
    units: list[tuple[float, list[int]]] = []
    paired: set[int] = set()
    for i, (kind, m) in enumerate(items):
        if kind != "cut":
            continue
        unit = [i]
        j = index.get(("bar", m - 1))
        flat = j is not None and replay.at(m - 1) == (initial, None)
        if pair and j is not None and m <= params.window and flat:
            unit.append(j)
            paired.add(j)
        units.append((1.0 + m / CUT_COST_CANDLES, unit))
    units += [(1.0, [i]) for i, (kind, _) in enumerate(items)
              if kind == "bar" and i not in paired]
    units.sort(key=lambda u: -u[0])
    return [unit for _, unit in units]


def _near(source: Any) -> list[np.ndarray] | None:
    long_, short = getattr(source, "near_long", None), getattr(source, "near_short", None)
    if long_ is None or short is None:
        return None
    return sorted([*long_, *short], key=len)


def _cut(strategy_cls: type[Strategy], candles: pd.DataFrame, params: BacktestParams,
         view: Any, m: int, built: list[Strategy]) -> tuple[bool, str]:
    diff = compare_cut(strategy_cls, candles, float(params.initial_amount), m, view.frame,
                       view.aligned, view.arrays, view.scalars, compare=m >= params.window,
                       built=built)
    if diff is None:
        return False, ""
    if diff.bar < 0:
        return True, msg.length_dependent(m, diff.what)
    when = candles.index[diff.bar]
    if diff.failed:
        return True, msg.cut_failed(diff.bar, when, diff.what)
    return True, msg.reads_the_future(diff.bar, when, diff.what, m)


def _bar(strategy_cls: type[Strategy], candles: pd.DataFrame, params: BacktestParams,
         outcome: Outcome, replay: StateReplay, bar: int,
         built: Strategy | None = None) -> tuple[bool, str]:
    """Compare the fast decision at ``bar`` with the exact path's; ``built`` is the strategy
    already built on that bar's exact window and state (by a cut), when there is one."""
    cash, position = replay.at(bar)
    fast = outcome.decisions.get(bar, NOTHING)
    try:
        exact = (evaluate(built, position) if built is not None else
                 exact_decision(strategy_cls, candles, bar, params.window, cash, position))
        differs = not same_decision(fast, exact)
        seen = msg.describe_decision(exact)
    except Exception as e:  # the exact path raising where the fast one did not differs too
        differs, seen = True, msg.exact_raised(type(e).__name__, str(e))
    if not differs:
        return False, ""
    return True, msg.decisions_differ(bar, candles.index[bar], msg.describe_decision(fast), seen)


def _report(candles: pd.DataFrame, items: list[tuple[str, int]],
            answers: list[tuple[bool, str]], sample: Sample, cuts: int, n: int,
            full: bool) -> LookaheadReport:
    bad = sorted(((_bar_of(text, where), text) for (kind, where), (differs, text)
                  in zip(items, answers, strict=True) if differs), key=lambda b: b[0])
    checked = len(sample.bars)
    if full:
        summary = msg.full_summary(n, not bad, cuts)
    else:
        summary = describe_sample(sample, cuts, n)
    mismatches = tuple(dict.fromkeys(b for b, _ in bad))[:MAX_LISTED]
    return LookaheadReport(
        checked_bars=checked, mismatches=mismatches, ok=not bad,
        details=tuple(text for _, text in bad[:MAX_LISTED]), verified=True,
        guarantee_pct=0.0 if full else guarantee_pct(sample.uniform), summary=summary,
        full=full, cuts=cuts)


def _bar_of(text: str, where: int) -> int:
    head = text.split(" ", 2)
    return int(head[1]) if len(head) > 1 and head[0] == "Barre" and head[1].isdigit() else where
