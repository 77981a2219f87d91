"""Strategy parameters: declaration, validation, per-run overrides in the backtester."""

from __future__ import annotations

import pytest

from aristobot.core.backtest import BacktestParams, run_backtest
from aristobot.core.strategy_api import InvalidParams, with_params
from aristobot.core.strategy_loader import load_strategy
from aristobot.core.strategy_validator import parse_params, validate_source
from aristobot.errors import ValidationError
from aristobot.strategies.examples import EMA_CROSS_EXAMPLE, EMA_CROSS_PARAMS_EXAMPLE
from aristobot.strategies.samples import sample_candles
from aristobot.strategies.template import TEMPLATE

PARAMS_LINE = '    params = {"fast": 10, "slow": 20}\n'


def _with_declaration(declaration: str) -> str:
    return TEMPLATE.replace("    params = {}\n", declaration)


def test_template_and_seed_example_still_validate_without_params() -> None:
    assert validate_source(TEMPLATE).ok and parse_params(TEMPLATE) == {}
    assert validate_source(EMA_CROSS_EXAMPLE).ok and parse_params(EMA_CROSS_EXAMPLE) == {}
    assert load_strategy(EMA_CROSS_EXAMPLE).params == {}


def test_declared_params_are_read_without_running_the_code() -> None:
    code = _with_declaration('    params = {"fast": 10, "slow": -2.5, "short": True}\n')
    assert parse_params(code) == {"fast": 10, "slow": -2.5, "short": True}
    assert parse_params(EMA_CROSS_PARAMS_EXAMPLE) == {"fast": 10, "slow": 20}


@pytest.mark.parametrize("declaration, fragment", [
    ("    params = dict(fast=10)\n", "dictionnaire écrit en toutes lettres"),
    ('    params = {"fast": "10"}\n', "« fast » doit valoir"),
    ('    params = {"fast": 10 + 1}\n', "« fast » doit valoir"),
    ('    params = {"fast": None}\n', "« fast » doit valoir"),
    ('    params = {"fast": float("nan")}\n', "« fast » doit valoir"),
    ('    params = {"fast": 1e999}\n', "« fast » doit valoir"),
    ('    params = {1: 10}\n', "dictionnaire écrit en toutes lettres"),
    ('    params = {"fast": 1, "fast": 2}\n', "déclaré deux fois"),
    ('    params = {"_x": 1}\n', "Nom de paramètre invalide"),
    ('    params = {"a b": 1}\n', "Nom de paramètre invalide"),
    ('    params = {**other}\n', "dictionnaire écrit en toutes lettres"),
    ('    params = {"a": 1}\n    params = {"b": 2}\n', "qu'une fois"),
])
def test_bad_declarations_refused_with_their_line(declaration: str, fragment: str) -> None:
    report = validate_source(_with_declaration(declaration))
    assert not report.ok
    issue = next(i for i in report.issues if i.kind == "params")
    expected_line = 8 if "qu'une fois" in fragment else 7  # the template's params line
    assert fragment in issue.message and issue.line == expected_line, report.summary()
    with pytest.raises(ValueError):
        parse_params(_with_declaration(declaration))


def test_too_many_params_refused() -> None:
    many = ", ".join(f'"p{i}": {i}' for i in range(33))
    assert not validate_source(_with_declaration(f"    params = {{{many}}}\n")).ok


def test_with_params_merges_checks_and_isolates_runs() -> None:
    cls = load_strategy(EMA_CROSS_PARAMS_EXAMPLE)
    bound = with_params(cls, {"fast": 5.0})
    assert bound.params == {"fast": 5, "slow": 20} and type(bound.params["fast"]) is int
    assert cls.params == {"fast": 10, "slow": 20}  # the declaration is untouched
    assert with_params(cls, None) is cls and with_params(cls, {}) is cls
    with pytest.raises(TypeError):
        bound.params["fast"] = 3  # type: ignore[index]  # read-only per run
    for bad in ({"speed": 3}, {"fast": 2.5}, {"fast": True}, {"fast": "5"},
                {"fast": float("inf")}):
        with pytest.raises(InvalidParams):
            with_params(cls, bad)


def test_bool_and_float_params_are_typed() -> None:
    cls = load_strategy(_with_declaration('    params = {"on": True, "sl": 0.02}\n'))
    assert with_params(cls, {"sl": 1}).params["sl"] == 1.0
    with pytest.raises(InvalidParams):
        with_params(cls, {"on": 1})


def test_params_example_with_defaults_trades_like_the_seed_example() -> None:
    candles = sample_candles(600, freq="1min")
    seed = run_backtest(candles, load_strategy(EMA_CROSS_EXAMPLE), BacktestParams())
    params = run_backtest(candles, load_strategy(EMA_CROSS_PARAMS_EXAMPLE), BacktestParams())
    assert seed.trades and seed.trades == params.trades and seed.stats == params.stats


def test_backtester_runs_with_overridden_params() -> None:
    candles = sample_candles(600, freq="1min")
    cls = load_strategy(EMA_CROSS_PARAMS_EXAMPLE)
    fast = run_backtest(candles, cls, BacktestParams(), strategy_params={"fast": 5, "slow": 12})
    seed_like = EMA_CROSS_EXAMPLE.replace("length=10", "length=5").replace(
        "length=20", "length=12").replace("< 21", "< 13")
    same = run_backtest(candles, load_strategy(seed_like), BacktestParams())
    assert fast.trades == same.trades and len(fast.trades) > len(
        run_backtest(candles, cls, BacktestParams()).trades)
    with pytest.raises(ValidationError) as e:
        run_backtest(candles, cls, BacktestParams(), strategy_params={"nope": 1})
    assert "nope" in e.value.user_message()
