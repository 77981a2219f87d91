"""The public Strategy API (the seed's template) and the one decision function.

User strategies derive ``Strategy`` and are built with ``candles`` (a pandas DataFrame with
open, high, low, close, volume, indexed by UTC open time), ``balance`` (quote currency
available) and ``position`` (the open ``Position`` or None). ``decide`` is the only place where
their answers become a ``Decision``: the backtester and the live engine both go through it, so
they cannot disagree. Pure: no I/O, no clock.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from types import MappingProxyType
from typing import Any, ClassVar

from aristobot.core import messages

#: Types a declared parameter may hold (``bool`` is checked before ``int``: it is one).
PARAM_TYPES: tuple[type, ...] = (bool, int, float)


class Strategy:
    """Base class of every user strategy (the seed's template).

    Subclasses override the five decision methods; the defaults never trade.

    A strategy may declare tunable parameters with their defaults as a class attribute,
    ``params = {"fast": 10, "slow": 20}`` (str → int / float / bool literals), and read them
    as ``self.params["fast"]`` anywhere, ``__init__`` included (a user ``__init__`` need not
    call ``super().__init__``). A run with other values uses ``with_params(cls, {...})``: a
    subclass whose ``params`` is the merged, read-only mapping. Strategies without ``params``
    are unchanged.
    """

    params: ClassVar[Mapping[str, Any]] = MappingProxyType({})

    def __init__(self, candles: Any, balance: float, position: Position | None = None) -> None:
        self.candles = candles
        self.balance = balance
        self.position = position

    def should_long(self) -> bool:
        return False

    def should_short(self) -> bool:
        return False

    def calculate_position_size(self) -> float:
        return 0.0

    def calculate_stop_loss(self) -> float:
        return 0.0

    def calculate_take_profit(self) -> float:
        return 0.0


class InvalidParams(ValueError):
    """Parameter values a strategy does not declare or of the wrong type (French message)."""


def declared_params(strategy_cls: type[Strategy]) -> dict[str, Any]:
    """Return a copy of the parameters ``strategy_cls`` declares (``{}`` when none)."""
    declared = getattr(strategy_cls, "params", None)
    if not isinstance(declared, Mapping):
        raise InvalidParams(messages.PARAMS_NOT_A_MAPPING)
    return dict(declared)


def check_param_value(name: str, default: Any, value: Any) -> int | float | bool:
    """Return ``value`` as the type of ``default`` or raise ``InvalidParams`` (French).

    An int parameter takes ints (and floats with an integral value), a float parameter
    takes ints and floats, a bool parameter only booleans; non-finite numbers are refused.
    """
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        raise InvalidParams(messages.param_expects_bool(name, value))
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidParams(messages.param_expects_number(name, value))
    if not math.isfinite(value):
        raise InvalidParams(messages.param_not_finite(name, value))
    if isinstance(default, int):
        if float(value) != int(value):
            raise InvalidParams(messages.param_expects_int(name, value))
        return int(value)
    return float(value)


def with_params(strategy_cls: type[Strategy],
                overrides: Mapping[str, Any] | None) -> type[Strategy]:
    """Return ``strategy_cls`` running with ``overrides`` merged over its declared defaults.

    No overrides: the class itself. Otherwise a subclass (same name) whose ``params`` is a
    read-only mapping, so runs never share mutable state. Unknown names and values of the
    wrong type raise ``InvalidParams`` (French).
    """
    if not overrides:
        return strategy_cls
    declared = declared_params(strategy_cls)
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise InvalidParams(messages.unknown_params(list(map(str, unknown)), sorted(declared)))
    merged = dict(declared)
    for name, value in overrides.items():
        merged[name] = check_param_value(name, declared[name], value)
    bound = type(strategy_cls.__name__, (strategy_cls,), {
        "params": MappingProxyType(merged), "__module__": strategy_cls.__module__,
        "__qualname__": strategy_cls.__qualname__})
    return bound


@dataclass(frozen=True, slots=True)
class Position:
    """An open position as a strategy sees it."""

    side: str  # "long" (spot) or "short" (futures, later)
    quantity: float
    entry_price: float
    entry_time: datetime | None = None
    stop_loss: float | None = None  # absolute prices
    take_profit: float | None = None


class Action(str, Enum):  # noqa: UP042 - str() of members stays stable
    NONE = "none"
    ENTER_LONG = "enter_long"
    ENTER_SHORT = "enter_short"
    EXIT = "exit"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do at the close of the last candle.

    ``size`` is a quote amount; ``stop_loss`` / ``take_profit`` are fractions of the entry
    price (0.02 = 2 %), 0 meaning none. ``error`` holds the reason when ``action`` is ERROR.
    """

    action: Action
    size: float = 0.0
    stop_loss: float = 0.0
    take_profit: float = 0.0
    error: str | None = None


NOTHING = Decision(Action.NONE)


class InvalidDecisionValue(ValueError):
    """A sizing method returned something ``evaluate`` refuses (French message).

    Only this error becomes an ERROR decision; whatever user code raises itself propagates.
    """


def _fraction(value: Any, name: str, upper: float | None) -> float:
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise InvalidDecisionValue(messages.must_return_number(name, value)) from None
    if not math.isfinite(f) or f < 0 or (upper is not None and f >= upper):
        raise InvalidDecisionValue(messages.must_return_fraction(name, upper, f))
    return f


def evaluate(
    strategy: Strategy, position: Position | None, *, allow_short: bool = False
) -> Decision:
    """Turn the answers of a built strategy into a ``Decision`` (the shared decision rules).

    Flat: ``should_long`` enters long with the size and SL/TP the strategy computes;
    ``should_short`` enters short only when ``allow_short`` (futures), else nothing.
    Long: ``should_short`` means exit (spot). Short: ``should_long`` means exit.
    Values out of range give an ERROR decision, never an order; an exception raised by the
    strategy's own code propagates (the worker reports it with the user's line).
    """
    try:
        if position is None:
            if bool(strategy.should_long()):
                return _entry(strategy, Action.ENTER_LONG)
            if allow_short and bool(strategy.should_short()):
                return _entry(strategy, Action.ENTER_SHORT)
            return NOTHING
        if position.side == "long" and bool(strategy.should_short()):
            return Decision(Action.EXIT)
        if position.side == "short" and bool(strategy.should_long()):
            return Decision(Action.EXIT)
        return NOTHING
    except InvalidDecisionValue as e:
        return Decision(Action.ERROR, error=str(e))


def _entry(strategy: Strategy, action: Action) -> Decision:
    size = _fraction(strategy.calculate_position_size(), "calculate_position_size", None)
    sl = _fraction(strategy.calculate_stop_loss(), "calculate_stop_loss", 1.0)
    tp = _fraction(strategy.calculate_take_profit(), "calculate_take_profit", None)
    if size == 0:
        return NOTHING
    return Decision(action, size=size, stop_loss=sl, take_profit=tp)


def decide(
    strategy_cls: type[Strategy],
    candles: Any,
    balance: float,
    position: Position | None,
    *,
    allow_short: bool = False,
) -> Decision:
    """Build the strategy on ``candles`` (its own copy) and return its decision.

    This is the exact path used live; exceptions raised by user code propagate to the caller
    (the worker), which records them with the user's line number.
    """
    strategy = strategy_cls(candles.copy(), balance, position)
    return evaluate(strategy, position, allow_short=allow_short)
