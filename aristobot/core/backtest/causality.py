"""Does what the strategy's ``__init__`` computed at bar t depend on the bars after t?

The fast path builds the strategy ONCE on all candles, so every indicator ``__init__``
computes (new candle columns, pandas or numpy attributes, plain numbers) sees the whole
series. The exact path builds it on the candles up to t only. Cutting the candles at a bar m
and building the strategy again on ``candles[:m]`` tells, for EVERY bar before m at once,
whether its values change when the future is removed: a ``shift(-1)``, a centred window, a
``bfill``, a division by the series' maximum or a length-dependent trick all change the last
rows before the cut (or all of them), whatever the strategy then decides with them. One
``__init__`` per cut, vectorised: the cheap, deterministic half of the check; the sampled
exact decisions (``lookahead``) cover the rest (window dependence, decision-time tricks).

The shortest cuts are exactly the windows the exact path builds on the first bars, so an
``__init__`` that fails on short windows is caught here too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from aristobot.core.backtest import messages as msg
from aristobot.core.strategy_api import Strategy

#: Relative tolerance between the full and the cut values (causal code gives equal values).
RTOL = 1e-9
#: All cuts but one are at most this many candles past the first full window.
SHORT_CUT = 20_000


@dataclass(frozen=True, slots=True)
class CutDifference:
    """The first difference found at one cut."""

    cut: int  # number of candles the strategy was rebuilt on
    bar: int  # first bar whose value differs (-1: the whole attribute, or __init__ raised)
    what: str  # French, for the report
    failed: bool = False  # __init__ raised on the cut


def _equal(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise equality with NaN == NaN and a relative tolerance (numbers only)."""
    if a.dtype.kind not in "fiub" or b.dtype.kind not in "fiub":
        both_missing = np.asarray(pd.isna(a) & pd.isna(b), dtype=bool)
        return np.asarray(np.asarray(a == b, dtype=bool) | both_missing, dtype=bool)
    a = a.astype(np.float64, copy=False)
    b = b.astype(np.float64, copy=False)
    with np.errstate(invalid="ignore"):
        return np.asarray(np.isclose(a, b, rtol=RTOL, atol=0.0, equal_nan=True), dtype=bool)


def _first_difference(full: np.ndarray, cut: np.ndarray, m: int) -> int | None:
    if cut.shape != full[:m].shape:
        return -1
    ok = _equal(full[:m], cut)
    if ok.ndim > 1:
        ok = np.asarray(ok.reshape(m, -1).all(axis=1), dtype=bool)
    bad = np.flatnonzero(~ok)
    return int(bad[0]) if len(bad) else None


def _columns(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    return {str(k): frame[k].to_numpy() for k in frame.columns
            if isinstance(frame[k], pd.Series)}


def compare_cut(
    strategy_cls: type[Strategy],
    candles: pd.DataFrame,
    balance: float,
    m: int,
    frame: pd.DataFrame,
    aligned: list[tuple[str, pd.Series | pd.DataFrame]],
    arrays: list[tuple[str, np.ndarray]],
    scalars: dict[str, float],
    *,
    compare: bool = True,
    built: list[Strategy] | None = None,
) -> CutDifference | None:
    """Rebuild the strategy on ``candles[:m]`` and compare what ``__init__`` computed with
    the full instance's ``frame`` (its candles), ``aligned``, ``arrays`` and ``scalars``.

    ``compare=False`` (cuts shorter than the strategy's window, where indicator libraries
    legitimately return nothing) only checks that ``__init__`` does not raise. The instance
    built is appended to ``built`` (when given and ``__init__`` succeeded): a cut no longer
    than the window is also the exact path's window of bar ``m - 1``, and the caller may ask
    it that bar's decision instead of building it again."""
    try:
        cut = strategy_cls(candles.iloc[:m].copy(), balance, None)
    except Exception as e:  # noqa: BLE001 - the exact path would raise on this window too
        return CutDifference(m, m - 1, msg.init_fails(m, type(e).__name__, str(e)), True)
    if built is not None:
        built.append(cut)
    if not compare:
        return None
    found: list[tuple[int, str]] = []
    cut_frame = getattr(cut, "candles", None)
    if isinstance(cut_frame, pd.DataFrame):
        cut_columns = _columns(cut_frame)
        for name, values in _columns(frame).items():
            other = cut_columns.get(name)
            bar = -1 if other is None else _first_difference(values, other, m)
            if bar is not None:
                found.append((bar, msg.column(name)))
    attrs = getattr(cut, "__dict__", {})
    for name, value in aligned:
        other = attrs.get(name)
        if not isinstance(other, (pd.Series, pd.DataFrame)):
            found.append((-1, msg.attribute(name)))
            continue
        bar = _first_difference(value.to_numpy(), other.to_numpy(), m)
        if bar is not None:
            found.append((bar, msg.attribute(name)))
    for name, array in arrays:
        other = attrs.get(name)
        bar = -1 if not isinstance(other, np.ndarray) else _first_difference(array, other, m)
        if bar is not None:
            found.append((bar, msg.array(name)))
    for name, number in scalars.items():
        other = attrs.get(name)
        if not isinstance(other, (int, float, np.integer, np.floating)) or not _equal(
                np.array([number]), np.array([float(other)]))[0]:
            found.append((-1, msg.number(name)))
    if not found:
        return None
    bar, what = min(found, key=lambda f: (f[0] < 0, f[0]))
    return CutDifference(m, bar, what)


def cut_points(n: int, window: int, cuts: int, seed: int) -> list[int]:
    """Return the prefix lengths to rebuild on: the first exact windows (1, 2, 3 candles and
    a full window) and ``cuts`` seeded random lengths (one up to ``n - 1``, the others up to
    ``SHORT_CUT`` past the window)."""
    if n < 2:
        return []
    points = {m for m in (1, 2, 3, min(window, n - 1)) if 1 <= m < n}
    if n - 1 > window:
        rng = np.random.default_rng(seed)
        points.add(int(rng.integers(window + 1, n)))  # one anywhere
        # The others short (each cut costs an __init__ on its length): look-ahead changes
        # the bars just before any cut, wherever it is.
        short = min(n, window + SHORT_CUT)
        points.update(int(m) for m in rng.integers(window + 1, short, size=max(0, cuts - 1)))
    return sorted(points)
