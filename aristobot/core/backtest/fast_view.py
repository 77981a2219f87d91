"""A cheap stand-in for "the candles up to bar t" handed to a strategy built once.

The exact path builds a new strategy on the trailing window ``candles.iloc[t-w+1 : t+1]`` at
every bar. The fast path builds the strategy once on all candles (so its ``__init__`` computes
indicators over the whole series) and then moves a :class:`FrameView` along the bars: it
behaves like that trailing window for what strategies commonly do (``len``, ``["col"]``,
``.col``, ``.iloc[-k]``, ``.iat[-k]``, ``.values``, ``.to_numpy()``) without building a pandas
object per bar, and materialises the real pandas slice for anything else. Writes raise
:class:`FastPathUnsupported`, so the caller falls back to the exact path rather than guessing.

The sampled exact check (``lookahead.py``) proves on every run that this stand-in gave the
same decisions as the real windows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd


class FastPathUnsupported(Exception):
    """The strategy does something the fast path cannot reproduce exactly."""


class Window:
    """The current bar bounds shared by every view of one strategy: rows ``[start, stop)``."""

    __slots__ = ("start", "stop", "size")

    def __init__(self, size: int) -> None:
        self.size = size  # the strategy's window (number of candles it sees, as live)
        self.start = 0
        self.stop = 0

    def move(self, bar: int) -> None:
        stop = bar + 1
        self.stop = stop
        self.start = stop - self.size if stop > self.size else 0


def _position(window: Window, key: Any) -> int:
    """Translate a positional scalar key of the window into a row of the full arrays."""
    if type(key) is not int:
        if isinstance(key, (bool, np.bool_)) or not isinstance(key, (int, np.integer)):
            raise TypeError
        key = int(key)
    length = window.stop - window.start
    if key < 0:
        key += length
    if not 0 <= key < length:
        raise IndexError("single positional indexer is out-of-bounds")
    return int(window.start + key)


class _PositionalIndexer:
    """``.iloc`` / ``.iat`` of a :class:`SeriesView`: scalars direct, the rest via pandas."""

    __slots__ = ("_view", "_attr")

    def __init__(self, view: SeriesView, attr: str) -> None:
        self._view = view
        self._attr = attr

    def __getitem__(self, key: Any) -> Any:
        view = self._view
        try:
            row = _position(view._window, key)
        except TypeError:
            return getattr(view._materialise(), self._attr)[key]
        return view._array[row]

    def __setitem__(self, key: Any, value: Any) -> None:
        raise FastPathUnsupported("writing into the candles inside a decision method")


def _readonly(array: np.ndarray) -> np.ndarray:
    array = array.view()
    array.flags.writeable = False
    return array


class SeriesView:
    """A column of the full frame seen through the current window (acts like a pd.Series)."""

    __slots__ = ("_series", "_array", "_window", "iloc", "iat", "name")

    def __init__(self, series: pd.Series, window: Window) -> None:
        self._series = series
        self._array = _readonly(series.to_numpy())
        self._window = window
        self.iloc = _PositionalIndexer(self, "iloc")
        self.iat = _PositionalIndexer(self, "iat")
        self.name = series.name

    def _materialise(self) -> pd.Series:
        w = self._window
        return self._series.iloc[w.start : w.stop]

    def __len__(self) -> int:
        w = self._window
        return w.stop - w.start

    @property
    def values(self) -> np.ndarray:
        w = self._window
        return self._array[w.start : w.stop]

    def to_numpy(self, *args: Any, **kwargs: Any) -> np.ndarray:
        if args or kwargs:
            out: np.ndarray = self._materialise().to_numpy(*args, **kwargs)
            return out
        return self.values

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        values = self.values
        return values if dtype is None else values.astype(dtype)

    @property
    def shape(self) -> tuple[int]:
        return (len(self),)

    @property
    def size(self) -> int:
        return len(self)

    @property
    def empty(self) -> bool:
        return len(self) == 0

    def tail(self, n: int = 5) -> pd.Series:
        w = self._window
        return self._series.iloc[max(w.start, w.stop - n) if n > 0 else w.stop : w.stop]

    def __getitem__(self, key: Any) -> Any:
        return self._materialise()[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        raise FastPathUnsupported("writing into the candles inside a decision method")

    def __iter__(self) -> Any:
        return iter(self._materialise())

    def __bool__(self) -> bool:
        return bool(self._materialise())

    def __getattr__(self, name: str) -> Any:
        # Anything unusual: the real pandas slice answers.
        return getattr(self._materialise(), name)

    def __repr__(self) -> str:
        return repr(self._materialise())


def _delegate(name: str) -> Callable[..., Any]:
    def method(self: SeriesView, *args: Any) -> Any:
        return getattr(self._materialise(), name)(*(_real(a) for a in args))

    method.__name__ = name
    return method


def _real(value: Any) -> Any:
    if isinstance(value, (SeriesView, FrameView)):
        return value._materialise()
    return value


_OPERATORS = (
    "add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "and", "or", "xor",
    "lt", "le", "gt", "ge", "eq", "ne",
    "radd", "rsub", "rmul", "rtruediv", "rfloordiv", "rmod", "rpow", "rand", "ror", "rxor",
)
for _name in _OPERATORS:
    setattr(SeriesView, f"__{_name}__", _delegate(f"__{_name}__"))
for _name in ("neg", "pos", "abs", "invert"):
    setattr(SeriesView, f"__{_name}__", _delegate(f"__{_name}__"))
SeriesView.__hash__ = None  # type: ignore[assignment]  # like a pd.Series


class _FrameIndexer:
    """``.iloc`` / ``.iat`` / ``.loc`` of a :class:`FrameView`, answered by the real slice."""

    __slots__ = ("_view", "_attr")

    def __init__(self, view: FrameView, attr: str) -> None:
        self._view = view
        self._attr = attr

    def __getitem__(self, key: Any) -> Any:
        return getattr(self._view._materialise(), self._attr)[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        raise FastPathUnsupported("writing into the candles inside a decision method")


class FrameView:
    """The full candles frame seen through the current window (acts like a pd.DataFrame)."""

    __slots__ = ("_frame", "_window", "_columns", "_cache_bar", "_cache", "iloc", "iat", "loc")

    def __init__(self, frame: pd.DataFrame, window: Window) -> None:
        self._frame = frame
        self._window = window
        self._columns: dict[Any, SeriesView] = {}
        self._cache_bar = -1
        self._cache: pd.DataFrame | None = None
        self.iloc = _FrameIndexer(self, "iloc")
        self.iat = _FrameIndexer(self, "iat")
        self.loc = _FrameIndexer(self, "loc")

    def _materialise(self) -> pd.DataFrame:
        w = self._window
        if self._cache_bar != w.stop or self._cache is None:
            self._cache = self._frame.iloc[w.start : w.stop]
            self._cache_bar = w.stop
        return self._cache

    def column(self, key: Any) -> SeriesView:
        view = self._columns.get(key)
        if view is None:
            view = SeriesView(self._frame[key], self._window)
            self._columns[key] = view
        return view

    def __getitem__(self, key: Any) -> Any:
        view = self._columns.get(key)
        if view is not None:
            return view
        try:
            hashable_column = key in self._frame.columns
        except TypeError:
            hashable_column = False
        if hashable_column and isinstance(self._frame[key], pd.Series):
            return self.column(key)
        return self._materialise()[_real(key)]

    def __setitem__(self, key: Any, value: Any) -> None:
        raise FastPathUnsupported("writing into the candles inside a decision method")

    def __delitem__(self, key: Any) -> None:
        raise FastPathUnsupported("deleting from the candles inside a decision method")

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("_") and name in self._frame.columns:
            return self.column(name)
        return getattr(self._materialise(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in FrameView.__slots__:
            object.__setattr__(self, name, value)
            return
        raise FastPathUnsupported("writing into the candles inside a decision method")

    def __len__(self) -> int:
        w = self._window
        return w.stop - w.start

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self), self._frame.shape[1])

    @property
    def empty(self) -> bool:
        return len(self) == 0 or self._frame.shape[1] == 0

    @property
    def columns(self) -> pd.Index:
        return self._frame.columns

    def tail(self, n: int = 5) -> pd.DataFrame:
        w = self._window
        return self._frame.iloc[max(w.start, w.stop - n) if n > 0 else w.stop : w.stop]

    def __contains__(self, key: Any) -> bool:
        return key in self._frame.columns

    def __iter__(self) -> Any:
        return iter(self._frame.columns)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.asarray(self._materialise(), dtype=dtype)

    def __repr__(self) -> str:
        return repr(self._materialise())


for _name in (*_OPERATORS, "neg", "pos", "abs", "invert"):
    setattr(FrameView, f"__{_name}__", _delegate(f"__{_name}__"))
FrameView.__hash__ = None  # type: ignore[assignment]
