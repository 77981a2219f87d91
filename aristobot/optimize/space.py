"""Parameter spaces and the points of a sweep: grid and seeded random search.

A ``ParamSpace`` maps each parameter name to a finite dimension: ``IntRange`` and
``FloatRange`` (inclusive bounds and a step) or ``Choice`` (explicit values). ``grid`` lists
every point satisfying the constraints, ``random_points`` draws distinct points with a seed.
Both refuse more runs than the cap with a French ``ValidationError`` (never a silent cut).
Points are plain dicts ``{name: value}`` in the space's parameter order.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from aristobot.errors import ValidationError
from aristobot.optimize import messages as msg
from aristobot.optimize.constraints import Constraint, parse_constraint

Value = int | float | bool
Point = dict[str, Value]
#: Default most runs of one sweep.
DEFAULT_CAP = 2_000
#: Most values one dimension may hold, and most combinations a grid may enumerate.
MAX_VALUES = 10_000
MAX_PRODUCT = 2_000_000


def _bad(reason: str) -> ValidationError:
    return ValidationError(reason=reason)


@dataclass(frozen=True)
class IntRange:
    """Integers ``start, start + step, …`` up to ``stop`` included."""

    start: int
    stop: int
    step: int = 1

    def values(self, name: str = "") -> tuple[int, ...]:
        for v in (self.start, self.stop, self.step):
            if isinstance(v, bool) or not isinstance(v, int):
                raise _bad(msg.RANGE_INTS.format(name=name, value=repr(v)))
        if self.step <= 0 or self.stop < self.start:
            raise _bad(msg.RANGE_ORDER.format(name=name))
        if (self.stop - self.start) // self.step + 1 > MAX_VALUES:
            raise _bad(msg.RANGE_TOO_MANY.format(name=name, limit=MAX_VALUES))
        return tuple(range(self.start, self.stop + 1, self.step))


@dataclass(frozen=True)
class FloatRange:
    """Decimals ``start + k * step`` up to ``stop`` included (rounded to 10 decimals)."""

    start: float
    stop: float
    step: float

    def values(self, name: str = "") -> tuple[float, ...]:
        for v in (self.start, self.stop, self.step):
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise _bad(msg.RANGE_NUMBERS.format(name=name, value=repr(v)))
        if self.step <= 0 or self.stop < self.start:
            raise _bad(msg.RANGE_ORDER.format(name=name))
        count = math.floor((self.stop - self.start) / self.step + 1e-9) + 1
        if count > MAX_VALUES:
            raise _bad(msg.RANGE_TOO_MANY.format(name=name, limit=MAX_VALUES))
        return tuple(round(self.start + k * self.step, 10) for k in range(count))


@dataclass(frozen=True)
class Choice:
    """Explicit values (numbers or booleans), in the given order, without duplicates."""

    options: tuple[Value, ...]

    def values(self, name: str = "") -> tuple[Value, ...]:
        if not self.options:
            raise _bad(msg.CHOICE_EMPTY.format(name=name))
        for v in self.options:
            if not isinstance(v, bool | int | float) or (
                    isinstance(v, float) and not math.isfinite(v)):
                raise _bad(msg.CHOICE_NOT_NUMBER.format(name=name, value=repr(v)))
        if len(set(self.options)) != len(self.options):
            raise _bad(msg.CHOICE_DUPLICATES.format(name=name))
        if len(self.options) > MAX_VALUES:
            raise _bad(msg.RANGE_TOO_MANY.format(name=name, limit=MAX_VALUES))
        return tuple(self.options)


Dimension = IntRange | FloatRange | Choice


class ParamSpace:
    """Named finite dimensions, e.g. ``ParamSpace(fast=IntRange(5, 50, 5), slow=...)``.

    ``ParamSpace.of({...})`` also takes shorthands: a ``(min, max, step)`` tuple (ints →
    ``IntRange``, else ``FloatRange``), a ``range``, or a list of values (``Choice``).
    """

    def __init__(self, **dimensions: Dimension) -> None:
        if not dimensions:
            raise _bad(msg.SPACE_EMPTY)
        self.dimensions: dict[str, Dimension] = dict(dimensions)
        self.values: dict[str, tuple[Value, ...]] = {
            name: dim.values(name) for name, dim in self.dimensions.items()}

    @classmethod
    def of(cls, spec: Mapping[str, Any]) -> ParamSpace:
        """Build a space from a mapping of dimensions or shorthands (see the class)."""
        return cls(**{str(name): _dimension(str(name), v) for name, v in spec.items()})

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.dimensions)

    @property
    def size(self) -> int:
        """Number of combinations before constraints."""
        return math.prod(len(v) for v in self.values.values())

    def __repr__(self) -> str:
        return f"ParamSpace({', '.join(f'{k}={v!r}' for k, v in self.dimensions.items())})"


def _dimension(name: str, spec: Any) -> Dimension:
    if isinstance(spec, IntRange | FloatRange | Choice):
        return spec
    if isinstance(spec, range):
        if len(spec) == 0:
            raise _bad(msg.RANGE_EMPTY.format(name=name))
        return IntRange(spec.start, spec[-1], spec.step) if spec.step > 0 else Choice(tuple(spec))
    if isinstance(spec, tuple) and len(spec) == 3:
        lo, hi, step = spec
        if all(isinstance(v, int) and not isinstance(v, bool) for v in spec):
            return IntRange(lo, hi, step)
        return FloatRange(lo, hi, step)
    if isinstance(spec, list | tuple):
        return Choice(tuple(spec))
    if isinstance(spec, bool | int | float):
        return Choice((spec,))
    raise _bad(msg.RANGE_UNKNOWN.format(name=name, spec=repr(spec)))


def parse_constraints(space: ParamSpace,
                      constraints: Iterable[str | Constraint] | str | None) -> list[Constraint]:
    """Parse constraint texts against the space's names (one text or several)."""
    if constraints is None:
        return []
    if isinstance(constraints, str):
        constraints = [constraints]
    return [c if isinstance(c, Constraint) else parse_constraint(c, space.names)
            for c in constraints]


def _valid(point: Point, checks: Sequence[Constraint]) -> bool:
    return all(c(point) for c in checks)


def grid(space: ParamSpace, constraints: Iterable[str | Constraint] | str | None = None,
         cap: int = DEFAULT_CAP) -> list[Point]:
    """Return every point of ``space`` satisfying ``constraints``, in lexical order.

    Raises ``ValidationError`` (French) when more than ``cap`` points remain, or none.
    """
    checks = parse_constraints(space, constraints)
    if space.size > MAX_PRODUCT:
        raise _bad(msg.GRID_TOO_BIG.format(size=space.size, limit=MAX_PRODUCT))
    names = space.names
    points: list[Point] = []
    for combo in itertools.product(*space.values.values()):
        point = dict(zip(names, combo, strict=True))
        if _valid(point, checks):
            points.append(point)
            if len(points) > cap:
                raise _bad(msg.GRID_OVER_CAP.format(cap=cap))
    if not points:
        raise _bad(msg.GRID_NONE_VALID)
    return points


def random_points(space: ParamSpace, constraints: Iterable[str | Constraint] | str | None = None,
                  n: int = 100, seed: int = 0, cap: int = DEFAULT_CAP) -> list[Point]:
    """Draw up to ``n`` distinct points satisfying ``constraints`` (same seed, same points).

    Fewer than ``n`` come back only when fewer valid points exist. ``n`` above ``cap`` raises
    ``ValidationError`` (French).
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise _bad(msg.DRAWS_INVALID)
    if n > cap:
        raise _bad(msg.DRAWS_OVER_CAP.format(n=n, cap=cap))
    checks = parse_constraints(space, constraints)
    if space.size <= max(4 * n, 10_000) and space.size <= MAX_PRODUCT:
        every = [p for p in _enumerate(space) if _valid(p, checks)]
        if not every:
            raise _bad(msg.GRID_NONE_VALID)
        order = np.random.default_rng(seed).permutation(len(every))[:n]
        return [every[i] for i in sorted(order)]
    return _rejection_sample(space, checks, n, seed)


def _enumerate(space: ParamSpace) -> Iterator[Point]:
    names = space.names
    for combo in itertools.product(*space.values.values()):
        yield dict(zip(names, combo, strict=True))


def _rejection_sample(space: ParamSpace, checks: Sequence[Constraint], n: int,
                      seed: int) -> list[Point]:
    rng = np.random.default_rng(seed)
    names, values = space.names, list(space.values.values())
    seen: set[tuple[int, ...]] = set()
    out: list[Point] = []
    for _ in range(200 * n):
        key = tuple(int(rng.integers(len(v))) for v in values)
        if key in seen:
            continue
        seen.add(key)
        point = {name: v[i] for name, v, i in zip(names, values, key, strict=True)}
        if _valid(point, checks):
            out.append(point)
            if len(out) == n:
                break
    if not out:
        raise _bad(msg.DRAWS_NONE_VALID)
    return out
