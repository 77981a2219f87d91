from __future__ import annotations

import pytest

from aristobot.core.strategy_api import Action, Position, Strategy, decide
from aristobot.core.strategy_loader import code_hash, describe_user_error, load_strategy
from aristobot.errors import StrategyInvalid, StrategyRuntimeError
from aristobot.strategies.examples import EMA_CROSS_EXAMPLE, EMA_CROSS_EXAMPLE_CLASSIC
from aristobot.strategies.samples import sample_candles
from aristobot.strategies.template import TEMPLATE


@pytest.mark.parametrize("code", [EMA_CROSS_EXAMPLE, EMA_CROSS_EXAMPLE_CLASSIC])
def test_seed_example_runs_unchanged(code: str) -> None:
    cls = load_strategy(code)
    assert issubclass(cls, Strategy) and cls.__name__ == "MaNouvelleStrategie"
    candles = sample_candles(500)
    decisions = [decide(cls, candles.iloc[: i + 1], 1000.0, None) for i in range(30, 500)]
    entries = [d for d in decisions if d.action is Action.ENTER_LONG]
    assert entries, "the sample market has EMA crossings"
    assert entries[0].size == pytest.approx(100.0)
    assert (entries[0].stop_loss, entries[0].take_profit) == (0.02, 0.04)
    assert "ema10" not in candles.columns  # decide gave the strategy its own copy


def test_pandas_ta_alias_is_pandas_ta_classic() -> None:
    import pandas_ta_classic

    code = TEMPLATE.replace("import pandas_ta_classic as ta", "import pandas_ta as ta")
    code = code.replace("# Décide si on doit acheter", "assert ta is TA_CLASSIC")
    cls = load_strategy(code)
    cls.__init__.__globals__["TA_CLASSIC"] = pandas_ta_classic
    assert cls(sample_candles(30), 1.0).should_long() is False


def test_short_while_long_means_exit() -> None:
    code = TEMPLATE.replace("# Pour le futures trading uniquement\n        return False",
                            "return True")
    cls = load_strategy(code)
    d = decide(cls, sample_candles(50), 1000.0, Position("long", 1.0, 100.0))
    assert d.action is Action.EXIT


def test_invalid_code_raises_french_error() -> None:
    with pytest.raises(StrategyInvalid) as e:
        load_strategy("import os\n" + TEMPLATE)
    assert "Import de « os » refusé" in e.value.user_message()


def test_module_level_error_reports_user_line() -> None:
    code = "x = 1 / 0\n" + TEMPLATE
    with pytest.raises(StrategyRuntimeError) as e:
        load_strategy(code)
    assert e.value.user_message().startswith("Erreur dans la stratégie — Ligne 1 : ZeroDivision")


def test_method_error_reports_user_line() -> None:
    code = TEMPLATE.replace("# Décide si on doit acheter", "x = self.candles['nope']")
    cls = load_strategy(code)
    with pytest.raises(KeyError) as e:
        cls(sample_candles(30), 1.0).should_long()
    line = code.splitlines().index("        x = self.candles['nope']") + 1
    assert describe_user_error(e.value).startswith(f"Ligne {line} : KeyError")


def test_runtime_import_guard() -> None:
    # Static checks are bypassed here on purpose: the namespace's __import__ still refuses.
    code = TEMPLATE.replace("# Décide si on doit acheter", "m = 'o' + 's'")
    cls = load_strategy(code)
    builtins = cls.should_long.__globals__["__builtins__"]
    with pytest.raises(ImportError, match="refusé"):
        builtins["__import__"]("os")
    assert "open" not in builtins and "eval" not in builtins


def test_code_hash_is_stable() -> None:
    assert code_hash(TEMPLATE) == code_hash(str(TEMPLATE))
    assert code_hash(TEMPLATE) != code_hash(TEMPLATE + " ")


def test_runtime_reflection_guard() -> None:
    cls = load_strategy(TEMPLATE)
    builtins = cls.should_long.__globals__["__builtins__"]
    name = "__subcl" + "asses__"
    with pytest.raises(AttributeError, match="interdit"):
        builtins["getattr"](Strategy, name)
    with pytest.raises(AttributeError, match="interdit"):
        builtins["setattr"](Strategy, "__init__", None)
    assert builtins["getattr"](Strategy, "should_long") is Strategy.should_long


def test_user_value_error_propagates_with_its_line() -> None:
    code = TEMPLATE.replace("# Décide si on doit acheter", "raise ValueError('seuil absent')")
    cls = load_strategy(code)
    with pytest.raises(ValueError, match="seuil absent") as e:
        decide(cls, sample_candles(50), 1000.0, None)
    line = code.splitlines().index("        raise ValueError('seuil absent')") + 1
    assert describe_user_error(e.value) == f"Ligne {line} : ValueError : seuil absent"


def test_invalid_size_is_still_an_error_decision() -> None:
    code = TEMPLATE.replace("# Décide si on doit acheter\n        return False", "return True")
    code = code.replace("# Calcule la taille de la position\n        return 0.0", "return 'x'")
    d = decide(load_strategy(code), sample_candles(50), 1000.0, None)
    assert d.action is Action.ERROR
    assert d.error == "calculate_position_size doit renvoyer un nombre, reçu 'x'"
