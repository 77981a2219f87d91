"""Vectorised evaluation of a decision method by tracing it once over every bar.

For bars where the window is full (``t >= window - 1``, so ``len(candles)`` is the constant
``window``), ``should_long`` is called ONCE with proxies instead of scalars: a column's
``.iloc[-k]`` returns a :class:`Traced` holding the whole array of "value at bar t" for every
t, arithmetic and comparisons stay element-wise, and ``bool()`` on a traced value forks the
run: the method is re-run once per branch outcome (depth-first), each path keeping the mask of
bars where its branch choices hold. The signal is the union over paths of ``mask & result``.

Anything the tracer does not model exactly (``float()``, ``.iloc[1:3]``, reading the balance
or the position, pandas calls, too many branches) raises :class:`TraceUnsupported`; the caller
then evaluates bar by bar through ``fast_view``. Traced signals are further confirmed bar by bar
where the simulator acts on them, and the sampled exact check still runs on every backtest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

#: Depth-first exploration stops (and the tracer gives up) beyond this many paths.
MAX_PATHS = 256
#: Paths kept for ``near_misses`` (beyond, their conditions would cost too much memory).
MAX_KEPT_PATHS = 32


class TraceUnsupported(Exception):
    """The method does something the tracer cannot reproduce element-wise."""


class _Poison:
    """Stands for a value the traced method must not read (balance, position details)."""

    __slots__ = ("_what", "_truthy")

    def __init__(self, what: str, truthy: bool) -> None:
        self._what = what
        self._truthy = truthy

    def __bool__(self) -> bool:
        return self._truthy

    def __getattr__(self, name: str) -> Any:
        raise TraceUnsupported(f"reads {self._what}")

    def _refuse(self, *args: Any) -> Any:
        raise TraceUnsupported(f"reads {self._what}")

    __float__ = __int__ = __index__ = __len__ = __iter__ = __getitem__ = _refuse
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _refuse
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __pow__ = __rpow__ = _refuse
    __lt__ = __le__ = __gt__ = __ge__ = __neg__ = __abs__ = __round__ = _refuse
    __array__ = _refuse

    def __eq__(self, other: object) -> bool:
        raise TraceUnsupported(f"reads {self._what}")

    __hash__ = None  # type: ignore[assignment]


def poison(what: str, truthy: bool) -> Any:
    return _Poison(what, truthy)


class _Tracer:
    """Drives the depth-first exploration of branch outcomes."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.choices: list[bool] = []
        self.depth = 0
        self.mask = np.ones(n, dtype=bool)
        #: The current path's branch conditions, in order, and the traced values branched on.
        self.conditions: list[np.ndarray] = []
        self.branched: list[Traced] = []

    def branch(self, condition: np.ndarray, value: Traced | None = None) -> bool:
        if self.depth < len(self.choices):
            choice = self.choices[self.depth]
        else:
            choice = True
            self.choices.append(True)
        self.depth += 1
        self.mask = self.mask & (condition if choice else ~condition)
        self.conditions.append(condition)
        if value is not None:
            self.branched.append(value)
        return choice

    def next_path(self) -> bool:
        """Move to the next unexplored path; False when all were explored."""
        while self.choices and not self.choices[-1]:
            self.choices.pop()
        if not self.choices:
            return False
        self.choices[-1] = False
        self.depth = 0
        self.mask = np.ones(self.n, dtype=bool)
        self.conditions = []
        self.branched = []
        return True


_SCALARS = (int, float, bool, np.integer, np.floating, np.bool_)


class Traced:
    """The value of an expression at every traced bar (a 1-d numpy array)."""

    __slots__ = ("a", "_tracer")
    __array_priority__ = 1000

    def __init__(self, a: np.ndarray, tracer: _Tracer) -> None:
        self.a = a
        self._tracer = tracer

    def _other(self, other: Any) -> Any:
        if isinstance(other, Traced):
            return other.a
        if isinstance(other, _SCALARS) and not isinstance(other, np.ndarray):
            return other
        raise TraceUnsupported(f"mixes a traced value with {type(other).__name__}")

    def _wrap(self, a: Any) -> Traced:
        return Traced(np.asarray(a), self._tracer)

    def __bool__(self) -> bool:
        a = self.a
        cond = a if a.dtype == np.bool_ else a.astype(bool)
        return self._tracer.branch(cond, self)

    def _refuse(self, *args: Any) -> Any:
        raise TraceUnsupported("converts a traced value to a Python scalar")

    __float__ = __int__ = __index__ = __round__ = __len__ = __iter__ = _refuse
    __getitem__ = __complex__ = __format__ = _refuse

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise TraceUnsupported("hands a traced value to a numpy/pandas function")

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if method != "__call__" or kwargs or ufunc.nout != 1:
            raise TraceUnsupported(f"numpy {ufunc.__name__}.{method}")
        return self._wrap(ufunc(*(self._other(x) for x in inputs)))

    __hash__ = None  # type: ignore[assignment]


def _binary(op: Callable[[Any, Any], Any], reflected: bool) -> Callable[[Traced, Any], Traced]:
    if reflected:

        def method(self: Traced, other: Any) -> Traced:
            return self._wrap(op(self._other(other), self.a))
    else:

        def method(self: Traced, other: Any) -> Traced:
            return self._wrap(op(self.a, self._other(other)))

    return method


def _install_operators() -> None:
    import operator as o

    binary = {
        "add": o.add, "sub": o.sub, "mul": o.mul, "truediv": o.truediv,
        "floordiv": o.floordiv, "mod": o.mod, "pow": o.pow,
    }
    for name, op in binary.items():
        setattr(Traced, f"__{name}__", _binary(op, False))
        setattr(Traced, f"__r{name}__", _binary(op, True))
    for name, op in {"lt": o.lt, "le": o.le, "gt": o.gt, "ge": o.ge,
                     "eq": o.eq, "ne": o.ne}.items():
        setattr(Traced, f"__{name}__", _binary(op, False))
    for name in ("and", "or", "xor"):
        op = getattr(o, f"{name}_" if name != "xor" else "xor")

        def logical(self: Traced, other: Any, op: Any = op) -> Traced:
            if self.a.dtype != np.bool_:
                raise TraceUnsupported("bitwise operator on numbers")
            return self._wrap(op(self.a, self._other(other)))

        setattr(Traced, f"__{name}__", logical)
        setattr(Traced, f"__r{name}__", logical)
    setattr(Traced, "__neg__", lambda self: self._wrap(-self.a))  # noqa: B010
    setattr(Traced, "__pos__", lambda self: self)  # noqa: B010
    setattr(Traced, "__abs__", lambda self: self._wrap(np.abs(self.a)))  # noqa: B010

    def invert(self: Traced) -> Traced:
        if self.a.dtype != np.bool_:
            raise TraceUnsupported("~ on numbers")
        return self._wrap(~self.a)

    setattr(Traced, "__invert__", invert)  # noqa: B010


_install_operators()


class _ColumnIndexer:
    """``.iloc`` / ``.iat`` / ``.values`` of a traced column: scalar positions only."""

    __slots__ = ("_column",)

    def __init__(self, column: _TraceColumn) -> None:
        self._column = column

    def __getitem__(self, key: Any) -> Traced:
        return self._column.at(key)


class _TraceColumn:
    """A column of the full frame; ``.iloc[k]`` gives the traced "k-th row of the window"."""

    __slots__ = ("_array", "_frame")

    def __init__(self, array: np.ndarray, frame: TraceFrame) -> None:
        self._array = array
        self._frame = frame

    def at(self, key: Any) -> Traced:
        if isinstance(key, (bool, np.bool_)) or not isinstance(key, (int, np.integer)):
            raise TraceUnsupported("non-scalar position")
        f = self._frame
        k = int(key)
        if not -f.window <= k < f.window:
            raise TraceUnsupported("position outside the window")  # real code: IndexError
        # Row k of the window ending at bar t is bar t + k + 1 (k < 0) or t - window + 1 + k.
        offset = k + 1 if k < 0 else k - f.window + 1
        lo = f.first + offset
        return Traced(self._array[lo : lo + f.count], f.tracer)

    @property
    def iloc(self) -> _ColumnIndexer:
        return _ColumnIndexer(self)

    iat = iloc

    @property
    def values(self) -> _ColumnIndexer:
        return _ColumnIndexer(self)

    def to_numpy(self) -> _ColumnIndexer:
        return _ColumnIndexer(self)

    def __len__(self) -> int:
        return self._frame.window

    def __getattr__(self, name: str) -> Any:
        raise TraceUnsupported(f"column.{name}")


class TraceFrame:
    """The candles as seen by a traced method: constant length, columns traced."""

    __slots__ = ("_frame", "_arrays", "window", "first", "count", "tracer")

    def __init__(self, frame: pd.DataFrame, window: int, first: int, tracer: _Tracer) -> None:
        self._frame = frame
        self._arrays: dict[Any, _TraceColumn] = {}
        self.window = window
        self.first = first  # first traced bar
        self.count = tracer.n
        self.tracer = tracer

    def column(self, key: Any) -> _TraceColumn:
        col = self._arrays.get(key)
        if col is None:
            try:
                series = self._frame[key]
            except (KeyError, TypeError):
                raise TraceUnsupported(f"unknown column {key!r}") from None
            if not isinstance(series, pd.Series) or series.dtype.kind not in "fiub":
                raise TraceUnsupported(f"column {key!r} is not numeric")
            col = _TraceColumn(series.to_numpy(), self)
            self._arrays[key] = col
        return col

    def __getitem__(self, key: Any) -> _TraceColumn:
        return self.column(key)

    def __getattr__(self, name: str) -> Any:
        if name in TraceFrame.__slots__ or name.startswith("_"):
            raise AttributeError(name)
        if name in self._frame.columns:
            return self.column(name)
        raise TraceUnsupported(f"candles.{name}")

    def __len__(self) -> int:
        return self.window

    def __setitem__(self, key: Any, value: Any) -> None:
        raise TraceUnsupported("writes the candles")


class _Path:
    """One explored path: its branch conditions and choices, and what it returned."""

    __slots__ = ("conditions", "choices", "result", "fresh")

    def __init__(self, tracer: _Tracer, result: np.ndarray | bool, fresh: bool) -> None:
        self.conditions = list(tracer.conditions)
        self.choices = list(tracer.choices[: len(tracer.conditions)])
        self.result = result  # a boolean array, or a constant
        self.fresh = fresh  # the result is a traced value no branch was taken on

    def misses(self) -> np.ndarray:
        """The number of this path's branch conditions each bar does not satisfy."""
        count = np.zeros(len(self.conditions[0]) if self.conditions else 0, dtype=np.int16)
        for cond, choice in zip(self.conditions, self.choices, strict=True):
            count += cond != choice
        return count


def near_misses(paths: list[_Path], signal: np.ndarray) -> list[np.ndarray]:
    """Return the bars where the signal is false but one condition flipping would make it
    true, as classes (one per condition that would flip), smallest first.

    A bar is one flip away through path ``p`` when it satisfies every branch condition of
    ``p`` but one and ``p`` returns true there, or satisfies them all and ``p`` returns a
    fresh traced value that is false there (the last operand of ``a and b and c``)."""
    n = len(signal)
    classes: list[np.ndarray] = []
    for p in paths:
        result = p.result if isinstance(p.result, np.ndarray) else np.full(n, bool(p.result))
        if not p.conditions:
            if p.fresh:
                classes.append(np.flatnonzero(~result & ~signal))
            continue
        misses = p.misses()
        for cond, choice in zip(p.conditions, p.choices, strict=True):
            others = misses - (cond != choice)
            flip = (others == 0) & (cond != choice) & result & ~signal
            classes.append(np.flatnonzero(flip))
        if p.fresh:
            classes.append(np.flatnonzero((misses == 0) & ~result & ~signal))
    kept = [c for c in classes if len(c)]
    kept.sort(key=len)
    return kept


def trace_method(
    method: Callable[[], Any],
    frame: pd.DataFrame,
    window: int,
    first: int,
    set_candles: Callable[[TraceFrame], None],
    paths_out: list[_Path] | None = None,
) -> np.ndarray:
    """Return ``bool(method())`` at every bar in ``[first, len(frame))`` as a boolean array.

    ``set_candles`` installs the traced frame on the strategy before each path is run; the
    explored paths are appended to ``paths_out`` (for ``near_misses``).
    Raises ``TraceUnsupported`` (or whatever the user code raises) when it cannot be traced.
    """
    count = len(frame) - first
    tracer = _Tracer(count)
    out = np.zeros(count, dtype=bool)
    paths = 0
    with np.errstate(all="ignore"):
        while True:
            paths += 1
            if paths > MAX_PATHS:
                raise TraceUnsupported("too many branches")
            set_candles(TraceFrame(frame, window, first, tracer))
            result = method()
            value: np.ndarray | bool
            if isinstance(result, Traced):
                a = result.a
                value = a if a.dtype == np.bool_ else a.astype(bool)
                out |= tracer.mask & value
            elif isinstance(result, _SCALARS) or result is None:
                value = bool(result)
                if value:
                    out |= tracer.mask
            else:
                raise TraceUnsupported(f"returns {type(result).__name__}")
            if paths_out is not None and paths > MAX_KEPT_PATHS:
                paths_out.clear()
                paths_out = None
            if paths_out is not None:
                fresh = isinstance(result, Traced) and not any(
                    result is b for b in tracer.branched)
                paths_out.append(_Path(tracer, value, fresh))
            if not tracer.next_path():
                return out
