"""The namespace user code runs in: its guarded import and reflection, its predefined names."""

from __future__ import annotations

from typing import Any

import numpy
import pytest

from aristobot.core.strategy_api import Action, Decision, Position, Strategy
from aristobot.core.strategy_loader import describe_user_error, fresh_namespace, user_line


def _builtin(name: str) -> Any:
    return fresh_namespace()["__builtins__"][name]


def test_predefined_names() -> None:
    ns = fresh_namespace()
    assert (ns["Strategy"], ns["Position"], ns["Decision"], ns["Action"]) == (
        Strategy, Position, Decision, Action)
    assert ns["__name__"] == "strategie_utilisateur" and fresh_namespace() is not ns
    assert "open" not in ns["__builtins__"] and "exec" not in ns["__builtins__"]


def test_guarded_import_admits_only_the_allowed_modules() -> None:
    imp = _builtin("__import__")
    assert imp("math").__name__ == "math"  # called directly, level defaults to 0
    assert imp("numpy.linalg") is numpy  # « import numpy.linalg » binds numpy
    assert imp("numpy", None, None, ("linalg",)) is numpy
    assert imp("pandas_ta").__name__ == "pandas_ta_classic"
    assert imp("aristobot.core.strategy_api").__name__ == "aristobot"
    for refused in ("os", "aristobot.config", "aristobot", "numpyx"):
        with pytest.raises(ImportError, match=f"Import de « {refused} » refusé"):
            imp(refused)
    with pytest.raises(ImportError):
        imp("math", None, None, (), 1)  # relative


def test_reflection_builtins_refuse_dunders_and_work_otherwise() -> None:
    class Box:
        x = 1

    box = Box()
    _builtin("setattr")(box, "y", 2)
    assert box.y == 2 and _builtin("getattr")(box, "y") == 2  # type: ignore[attr-defined]
    assert _builtin("getattr")(box, "absent", 7) == 7
    assert _builtin("hasattr")(box, "y") is True
    _builtin("delattr")(box, "y")
    assert not hasattr(box, "y")
    for name in ("setattr", "delattr", "hasattr", "getattr"):
        args: tuple[Any, ...] = (box, "__class__", 0)[: 3 if name == "setattr" else 2]
        with pytest.raises(AttributeError, match="« __class__ » interdit"):
            _builtin(name)(*args)


def test_user_errors_are_described_with_their_line() -> None:
    ns = fresh_namespace()
    with pytest.raises(ZeroDivisionError) as e:
        exec(compile("x = 1\ny = 1 / 0\n", "<stratégie>", "exec"), ns)  # noqa: S102
    assert user_line(e.value) == 2
    assert describe_user_error(e.value) == "Ligne 2 : ZeroDivisionError : division by zero"
    assert describe_user_error(ValueError()) == "ValueError"
    assert describe_user_error(ValueError("x")) == "ValueError : x"
    syntax = SyntaxError("bad", ("<stratégie>", 4, 1, "x"))
    assert user_line(syntax) == 4
    assert user_line(SyntaxError("bad", ("autre.py", 4, 1, "x"))) is None
