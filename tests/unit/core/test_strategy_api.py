"""The one decision function and the parameter rules, answer by answer (pure, no worker)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest

from aristobot.core.strategy_api import (
    NOTHING,
    Action,
    Decision,
    InvalidParams,
    Position,
    Strategy,
    check_param_value,
    decide,
    declared_params,
    evaluate,
    with_params,
)

LONG = Position("long", 1.0, 100.0)
SHORT = Position("short", 1.0, 100.0)


def _answers(long: Any = False, short: Any = False, size: Any = 10.0, sl: Any = 0.02,
             tp: Any = 0.05) -> Strategy:
    class S(Strategy):
        def should_long(self) -> bool:
            return long  # type: ignore[no-any-return]

        def should_short(self) -> bool:
            return short  # type: ignore[no-any-return]

        def calculate_position_size(self) -> float:
            return size  # type: ignore[no-any-return]

        def calculate_stop_loss(self) -> float:
            return sl  # type: ignore[no-any-return]

        def calculate_take_profit(self) -> float:
            return tp  # type: ignore[no-any-return]

    return S(pd.DataFrame(), 1000.0)


@pytest.mark.parametrize(("strategy", "position", "allow_short", "expected"), [
    (_answers(long=True), None, False, Decision(Action.ENTER_LONG, 10.0, 0.02, 0.05)),
    (_answers(long=1), None, False, Decision(Action.ENTER_LONG, 10.0, 0.02, 0.05)),
    (_answers(short=True), None, False, NOTHING),
    (_answers(short=True), None, True, Decision(Action.ENTER_SHORT, 10.0, 0.02, 0.05)),
    (_answers(long=True, short=True), None, True, Decision(Action.ENTER_LONG, 10.0, 0.02, 0.05)),
    (_answers(), None, True, NOTHING),
    (_answers(long=True, size=0), None, False, NOTHING),
    (_answers(long=True, sl=0, tp=0), None, False, Decision(Action.ENTER_LONG, 10.0, 0.0, 0.0)),
    (_answers(long=True, tp=3), None, False, Decision(Action.ENTER_LONG, 10.0, 0.02, 3.0)),
    (_answers(short=True), LONG, False, Decision(Action.EXIT)),
    (_answers(long=True), LONG, False, NOTHING),
    (_answers(long=True), SHORT, True, Decision(Action.EXIT)),
    (_answers(short=True), SHORT, True, NOTHING),
    (_answers(long=True, short=True), Position("other", 1, 1), True, NOTHING),
])
def test_decision_table(strategy: Strategy, position: Position | None, allow_short: bool,
                        expected: Decision) -> None:
    assert evaluate(strategy, position, allow_short=allow_short) == expected


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"size": "beaucoup"}, "calculate_position_size doit renvoyer un nombre, reçu 'beaucoup'"),
    ({"size": None}, "calculate_position_size doit renvoyer un nombre, reçu None"),
    ({"size": -1}, "calculate_position_size doit renvoyer une fraction ≥ 0, reçu -1.0"),
    ({"size": math.inf}, "calculate_position_size doit renvoyer une fraction ≥ 0, reçu inf"),
    ({"sl": 1.0}, "calculate_stop_loss doit renvoyer une fraction ≥ 0 et < 1.0, reçu 1.0"),
    ({"sl": math.nan}, "calculate_stop_loss doit renvoyer une fraction ≥ 0 et < 1.0, reçu nan"),
    ({"tp": -0.5}, "calculate_take_profit doit renvoyer une fraction ≥ 0, reçu -0.5"),
])
def test_values_out_of_range_give_an_error_decision(kwargs: dict[str, Any], error: str) -> None:
    assert evaluate(_answers(long=True, **kwargs), None) == Decision(Action.ERROR, error=error)


def test_a_stop_just_below_one_is_accepted() -> None:
    assert evaluate(_answers(long=True, sl=0.999), None).stop_loss == 0.999


def test_user_exceptions_propagate() -> None:
    class Boom(Strategy):
        def should_long(self) -> bool:
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        evaluate(Boom(None, 0.0), None)


def test_decide_builds_on_a_copy_with_balance_and_position() -> None:
    seen: dict[str, Any] = {}

    class Spy(Strategy):
        def should_short(self) -> bool:
            seen.update(balance=self.balance, position=self.position)
            self.candles.loc[0, "close"] = -1.0
            return True

    candles = pd.DataFrame({"close": [1.0]})
    assert decide(Spy, candles, 250.0, LONG) == Decision(Action.EXIT)
    assert seen == {"balance": 250.0, "position": LONG} and candles.loc[0, "close"] == 1.0
    assert decide(Spy, candles, 250.0, None, allow_short=True) == NOTHING  # size 0 by default


def test_default_strategy_never_trades() -> None:
    s = Strategy("c", 5.0)
    assert (s.candles, s.balance, s.position) == ("c", 5.0, None)
    assert (s.should_long(), s.should_short(), s.calculate_position_size(),
            s.calculate_stop_loss(), s.calculate_take_profit()) == (False, False, 0.0, 0.0, 0.0)
    assert dict(Strategy.params) == {} and declared_params(Strategy) == {}


@pytest.mark.parametrize(("default", "value", "expected"), [
    (True, False, False), (3, 4, 4), (3, 4.0, 4), (2.5, 3, 3.0), (2.5, 0.1, 0.1),
])
def test_param_values_take_the_type_of_their_default(default: Any, value: Any,
                                                     expected: Any) -> None:
    got = check_param_value("p", default, value)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize(("default", "value", "message"), [
    (True, 1, "Le paramètre « p » attend un booléen, reçu 1."),
    (3, True, "Le paramètre « p » attend un nombre, reçu True."),
    (3, "4", "Le paramètre « p » attend un nombre, reçu '4'."),
    (3, math.inf, "Le paramètre « p » doit être un nombre fini, reçu inf."),
    (2.5, math.nan, "Le paramètre « p » doit être un nombre fini, reçu nan."),
    (3, 4.5, "Le paramètre « p » attend un entier, reçu 4.5."),
])
def test_param_values_refused(default: Any, value: Any, message: str) -> None:
    with pytest.raises(InvalidParams) as e:
        check_param_value("p", default, value)
    assert str(e.value) == message


class WithParams(Strategy):
    params = {"fast": 10, "slow": 2.5, "short": False}


def test_with_params_merges_into_a_read_only_subclass() -> None:
    assert with_params(WithParams, None) is WithParams and with_params(WithParams, {}) is WithParams
    bound = with_params(WithParams, {"fast": 12.0})
    assert issubclass(bound, WithParams) and bound is not WithParams
    assert (bound.__name__, bound.__qualname__, bound.__module__) == (
        "WithParams", WithParams.__qualname__, __name__)
    assert dict(bound.params) == {"fast": 12, "slow": 2.5, "short": False}
    assert type(bound.params["fast"]) is int
    with pytest.raises(TypeError):
        bound.params["fast"] = 1  # type: ignore[index]
    assert WithParams.params["fast"] == 10


def test_with_params_refuses_unknown_names_and_bad_declarations() -> None:
    with pytest.raises(InvalidParams) as e:
        with_params(WithParams, {"zz": 1, "aa": 2})
    assert str(e.value) == ("Paramètre(s) inconnu(s) : aa, zz (la stratégie déclare : fast, "
                            "short, slow).")
    with pytest.raises(InvalidParams) as e:
        with_params(Strategy, {"x": 1})
    assert str(e.value) == "Paramètre(s) inconnu(s) : x (la stratégie déclare : aucun)."

    class Broken(Strategy):
        params = [1]  # type: ignore[assignment]

    with pytest.raises(InvalidParams) as e:
        declared_params(Broken)
    assert str(e.value) == "« params » doit être un dictionnaire {nom: valeur par défaut}."


def test_short_entries_need_allow_short_explicitly() -> None:
    assert evaluate(_answers(short=True), None) == NOTHING  # default: spot, no short

    class Shorter(Strategy):
        def should_short(self) -> bool:
            return True

        def calculate_position_size(self) -> float:
            return 5.0

    assert decide(Shorter, pd.DataFrame(), 100.0, None) == NOTHING
    assert decide(Shorter, pd.DataFrame(), 100.0, None, allow_short=True) == Decision(
        Action.ENTER_SHORT, 5.0)


def test_bound_class_keeps_a_nested_qualname_and_errors_name_the_parameter() -> None:
    class Nested(Strategy):
        params = {"fast": 10}

    bound = with_params(Nested, {"fast": 11})
    assert bound.__qualname__ == Nested.__qualname__ != "Nested"
    with pytest.raises(InvalidParams) as e:
        with_params(Nested, {"fast": "vite"})
    assert str(e.value) == "Le paramètre « fast » attend un nombre, reçu 'vite'."
