"""The fast path: the strategy built ONCE on all candles, then asked bar by bar through views
(:class:`ViewSource`), or traced once over all bars when its methods allow it
(:class:`TraceSource`).

Both are only as good as the sampled exact check that follows every run (``lookahead.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from aristobot.core.backtest.fast_view import FastPathUnsupported, FrameView, SeriesView, Window
from aristobot.core.backtest.simulator import first_decision
from aristobot.core.backtest.tracing import (
    TraceFrame,
    TraceUnsupported,
    near_misses,
    poison,
    trace_method,
)
from aristobot.core.strategy_api import Action, Decision, Position, Strategy, evaluate

_OWN = ("candles", "balance", "position")


class TraceMismatch(Exception):
    """A traced signal disagreed with the per-bar evaluation at ``bar``."""

    def __init__(self, bar: int) -> None:
        super().__init__(f"traced signal differs from the per-bar evaluation at bar {bar}")
        self.bar = bar


def _aligned(value: Any, index: pd.Index) -> bool:
    if not isinstance(value, (pd.Series, pd.DataFrame)) or len(value) != len(index):
        return False
    return value.index is index or value.index.equals(index)


class ViewSource:
    """Per-bar decisions of one strategy instance whose pandas attributes are windowed views."""

    vectorised = False

    def __init__(self, strategy_cls: type[Strategy], candles: pd.DataFrame, window: int,
                 balance: float) -> None:
        n = len(candles)
        strategy = strategy_cls(candles.copy(), balance, None)
        frame = getattr(strategy, "candles", None)
        if not _aligned(frame, candles.index) or not isinstance(frame, pd.DataFrame):
            raise FastPathUnsupported("the strategy replaces its candles with another frame")
        self.strategy = strategy
        self.frame: pd.DataFrame = frame
        self.window = Window(window)
        self.n = n
        #: Pandas attributes set by __init__, aligned with the candles: (name, full object).
        self.aligned: list[tuple[str, pd.Series | pd.DataFrame]] = []
        #: Numpy attributes of the candles' length: re-sliced at every bar.
        self.arrays: list[tuple[str, np.ndarray]] = []
        #: Plain numbers set by __init__ (compared by the causality check).
        self.scalars: dict[str, float] = {}
        strategy.candles = FrameView(frame, self.window)
        for name, value in list(getattr(strategy, "__dict__", {}).items()):
            if name in _OWN:
                continue
            if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
                    value, bool):
                self.scalars[name] = float(value)
            if _aligned(value, candles.index):
                self.aligned.append((name, value))
                view = SeriesView(value, self.window) if isinstance(value, pd.Series) else (
                    FrameView(value, self.window))
                setattr(strategy, name, view)
            elif isinstance(value, np.ndarray) and value.ndim >= 1 and len(value) == n:
                self.arrays.append((name, value))

    def _move(self, bar: int, balance: float, position: Position | None) -> Strategy:
        w = self.window
        w.move(bar)
        s = self.strategy
        s.balance = balance
        s.position = position
        for name, array in self.arrays:
            setattr(s, name, array[w.start : w.stop])
        return s

    def decision(self, bar: int, balance: float, position: Position | None) -> Decision:
        return evaluate(self._move(bar, balance, position), position)

    def _decider(self, balance: float, position: Position | None) -> Callable[[int], Decision]:
        """Return ``bar -> decision`` for a run of bars in one state (no per-bar set-up when
        the strategy holds no numpy attributes to re-slice)."""
        if self.arrays:
            return lambda bar: evaluate(self._move(bar, balance, position), position)
        s = self._move(0, balance, position)
        move = self.window.move

        def decide(bar: int) -> Decision:
            move(bar)
            return evaluate(s, position)

        return decide

    def first_entry(self, start: int, stop: int, balance: float) -> tuple[int, Decision] | None:
        return first_decision(self._decider(balance, None), start, stop)

    def first_exit(
        self, start: int, stop: int, balance: float, position: Position
    ) -> tuple[int, Decision] | None:
        return first_decision(self._decider(balance, position), start, stop)

    def signal(self, method: str, bar: int, position: Position | None) -> bool:
        """Return ``bool(strategy.<method>())`` at ``bar`` (for confirmations)."""
        s = self._move(bar, 0.0, position)
        return bool(getattr(s, method)())

    # -- tracing -------------------------------------------------------------------------

    def trace(self) -> TraceSource:
        """Trace ``should_long`` / ``should_short`` over the full-window bars.

        Raises ``TraceUnsupported`` (or what user code raises) when the methods cannot be traced.
        """
        first = self.window.size - 1
        if self.arrays or first >= self.n or first < 1:
            raise TraceUnsupported("nothing to trace or numpy attributes")
        s = self.strategy
        saved = dict(vars(s))
        try:
            s.balance = poison("the balance", True)
            s.position = None
            long_paths: list[Any] = []
            long_sig = trace_method(s.should_long, self.frame, self.window.size, first,
                                    self._install, long_paths)
            vars(s).clear()
            vars(s).update(saved)
            s.balance = poison("the balance", True)
            s.position = poison("the position", True)
            short_paths: list[Any] = []
            short_sig = trace_method(s.should_short, self.frame, self.window.size, first,
                                     self._install, short_paths)
        finally:
            vars(s).clear()
            vars(s).update(saved)
        source = TraceSource(self, first + np.flatnonzero(long_sig),
                             first + np.flatnonzero(short_sig), first)
        if long_paths and short_paths:
            source.near_long = [first + c for c in near_misses(long_paths, long_sig)]
            source.near_short = [first + c for c in near_misses(short_paths, short_sig)]
        source.spot_check(np.random.default_rng(self.n), samples=64)
        return source

    def _install(self, frame: TraceFrame) -> None:
        s = self.strategy
        s.candles = frame
        for name, value in self.aligned:
            if isinstance(value, pd.DataFrame):
                setattr(s, name, TraceFrame(value, frame.window, frame.first, frame.tracer))
            else:
                holder = TraceFrame(value.to_frame("v"), frame.window, frame.first, frame.tracer)
                setattr(s, name, holder["v"])


class TraceSource:
    """Decisions from traced signal arrays, confirmed per bar where the simulator acts."""

    vectorised = True

    def __init__(self, view: ViewSource, long_bars: np.ndarray, short_bars: np.ndarray,
                 first: int) -> None:
        self.view = view
        self.long_bars = long_bars
        self.short_bars = short_bars
        self.first = first
        #: Near misses of ``should_long`` / ``should_short`` (bars, in classes, smallest
        #: first; see ``tracing.near_misses``); None when too many paths to keep.
        self.near_long: list[np.ndarray] | None = None
        self.near_short: list[np.ndarray] | None = None

    def spot_check(self, rng: np.random.Generator, samples: int) -> None:
        """Compare the traced signals with per-bar calls on random bars; raise on a mismatch."""
        n = self.view.n
        bars = rng.integers(self.first, n, size=min(samples, n - self.first))
        dummy = Position("long", 1.0, 1.0)
        for method, marked, position in (("should_long", self.long_bars, None),
                                         ("should_short", self.short_bars, dummy)):
            traced = np.isin(bars, marked)
            for bar, expected in zip(bars.tolist(), traced.tolist(), strict=True):
                if self.view.signal(method, bar, position) != expected:
                    raise TraceMismatch(bar)

    def first_entry(self, start: int, stop: int, balance: float) -> tuple[int, Decision] | None:
        view = self.view
        if start < self.first:
            found = view.first_entry(start, min(stop, self.first), balance)
            if found is not None or stop <= self.first:
                return found
            start = self.first
        bars = self.long_bars
        i = int(bars.searchsorted(start))  # the method: no numpy dispatch per call
        while i < len(bars) and bars[i] < stop:
            bar = int(bars[i])
            d = view.decision(bar, balance, None)
            if d.action is not Action.NONE:
                return bar, d
            if view.signal("should_long", bar, None):
                i += 1  # a zero size: no entry, as the exact path decides
                continue
            raise TraceMismatch(bar)
        return None

    def first_exit(
        self, start: int, stop: int, balance: float, position: Position
    ) -> tuple[int, Decision] | None:
        view = self.view
        if start < self.first:
            found = view.first_exit(start, min(stop, self.first), balance, position)
            if found is not None or stop <= self.first:
                return found
            start = self.first
        bars = self.short_bars
        i = int(bars.searchsorted(start))  # the method: no numpy dispatch per call
        if i < len(bars) and bars[i] < stop:
            bar = int(bars[i])
            d = view.decision(bar, balance, position)
            if d.action is Action.NONE:
                raise TraceMismatch(bar)
            return bar, d
        return None
