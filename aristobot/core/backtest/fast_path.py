"""The fast path: the strategy built ONCE on all candles, then asked bar by bar through views
(:class:`ViewSource`), or traced once over all bars when its methods allow it
(:class:`TraceSource`).

Both are only as good as the sampled exact check that follows every run (``lookahead.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from aristobot.core.backtest.fast_view import FastPathUnsupported, FrameView, SeriesView, Window
from aristobot.core.backtest.tracing import TraceFrame, TraceUnsupported, poison, trace_method
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
        strategy.candles = FrameView(frame, self.window)
        for name, value in list(getattr(strategy, "__dict__", {}).items()):
            if name in _OWN:
                continue
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

    def first_entry(self, start: int, stop: int, balance: float) -> tuple[int, Decision] | None:
        s = self._move(start, balance, None)
        move = self.window.move
        arrays = self.arrays
        none = Action.NONE
        for bar in range(start, stop):
            move(bar)
            if arrays:
                self._move(bar, balance, None)
            d = evaluate(s, None)
            if d.action is not none:
                return bar, d
        return None

    def first_exit(
        self, start: int, stop: int, balance: float, position: Position
    ) -> tuple[int, Decision] | None:
        for bar in range(start, stop):
            d = evaluate(self._move(bar, balance, position), position)
            if d.action is not Action.NONE:
                return bar, d
        return None

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
            long_sig = trace_method(s.should_long, self.frame, self.window.size, first,
                                    self._install)
            vars(s).clear()
            vars(s).update(saved)
            s.balance = poison("the balance", True)
            s.position = poison("the position", True)
            short_sig = trace_method(s.should_short, self.frame, self.window.size, first,
                                     self._install)
        finally:
            vars(s).clear()
            vars(s).update(saved)
        source = TraceSource(self, first + np.flatnonzero(long_sig),
                             first + np.flatnonzero(short_sig), first)
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
