from __future__ import annotations

import pytest

from aristobot.core.strategy_validator import REQUIRED_METHODS, validate_source
from aristobot.strategies.examples import EMA_CROSS_EXAMPLE, EMA_CROSS_EXAMPLE_CLASSIC
from aristobot.strategies.template import TEMPLATE


def _strategy(body: str = "", header: str = "") -> str:
    methods = "".join(f"    def {m}(self):\n        return 0\n" for m in REQUIRED_METHODS)
    return f"{header}class S(Strategy):\n{methods}{body}"


@pytest.mark.parametrize("code", [EMA_CROSS_EXAMPLE, EMA_CROSS_EXAMPLE_CLASSIC, TEMPLATE])
def test_seed_code_validates(code: str) -> None:
    report = validate_source(code)
    assert report.ok, report.summary()
    assert report.class_name == "MaNouvelleStrategie"


def test_syntax_error_has_line_and_column() -> None:
    code = TEMPLATE.replace("return False", "return False)", 1)
    report = validate_source(code)
    assert not report.ok
    issue = report.issues[0]
    assert issue.kind == "syntax"
    assert issue.line == TEMPLATE.splitlines().index("        return False") + 1
    assert issue.column > 0
    assert issue.text().startswith(f"Ligne {issue.line}, colonne")
    assert "Erreur de syntaxe" in issue.message


def test_indentation_error_is_french() -> None:
    report = validate_source("class S(Strategy):\ndef x(self):\n    pass\n")
    assert "indentation" in report.issues[0].message


def test_empty_code() -> None:
    assert validate_source("  \n").summary() == "Le code est vide."


def test_no_strategy_class() -> None:
    report = validate_source("class S:\n    pass\n")
    assert "Aucune classe dérivant de Strategy" in report.summary()


def test_two_strategy_classes() -> None:
    code = _strategy() + "\n\nclass T(Strategy):\n    pass\n"
    report = validate_source(code)
    assert "Une seule classe" in report.summary()
    assert report.issues[0].line == code.splitlines().index("class T(Strategy):") + 1


def test_missing_method_named() -> None:
    code = TEMPLATE.replace("def calculate_take_profit(self)", "def take_profit(self)")
    report = validate_source(code)
    assert "calculate_take_profit(self)" in report.summary()
    assert report.issues[0].kind == "structure"


def test_method_with_extra_parameter() -> None:
    code = TEMPLATE.replace("def should_long(self)", "def should_long(self, x)")
    assert "def should_long(self):" in validate_source(code).summary()


def test_init_must_accept_candles_balance_position() -> None:
    code = TEMPLATE.replace("def __init__(self, candles, balance, position=None)",
                            "def __init__(self, candles)")
    assert "__init__" in validate_source(code).summary()


@pytest.mark.parametrize("header", ["import os\n", "import subprocess as sp\n",
                                    "from socket import socket\n", "import importlib\n",
                                    "import aristobot.config\n"])
def test_imports_outside_allowed_set_refused(header: str) -> None:
    report = validate_source(_strategy(header=header))
    assert not report.ok
    issue = report.issues[0]
    assert issue.kind == "import" and issue.line == 1
    assert "refusé" in issue.message and "pandas_ta_classic" in issue.message


@pytest.mark.parametrize("header", ["import numpy as np\n", "import pandas_ta as ta\n",
                                    "from math import sqrt\n",
                                    "from aristobot.core.strategy_api import Position\n"])
def test_allowed_imports(header: str) -> None:
    assert validate_source(_strategy(header=header)).ok


@pytest.mark.parametrize("expr", ["eval('1')", "open('/etc/passwd')", "__import__('os')",
                                  "().__class__.__bases__", "globals()"])
def test_escape_hatches_refused(expr: str) -> None:
    code = _strategy(body=f"    def helper(self):\n        return {expr}\n")
    report = validate_source(code)
    assert not report.ok
    assert report.issues[0].kind == "forbidden"
    assert report.issues[0].line == len(code.splitlines())


@pytest.mark.parametrize("expr", [
    'getattr(Strategy, "__subcl" + "asses__")()',  # the reviewer's cross-user attack
    'getattr(Strategy, "__subclasses__")()',
    "getattr(self, self.name)",
    'delattr(self, "__dict__")',
    "vars(self)",
    'type("X", (Strategy,), {})',
    "self.__class__",
    "self.__class__.__mro__",
    "(lambda: 0).__globals__",
    "__builtins__",
    "__class__",
    '"{0.__class__}".format(self)',
    "list(map(getattr, [self], ['candles']))",
])
def test_reflection_tricks_refused(expr: str) -> None:
    report = validate_source(_strategy(body=f"    def helper(self):\n        return {expr}\n"))
    assert not report.ok, expr
    assert report.issues[0].kind == "forbidden"
    assert "interdit" in report.issues[0].message or "n'est permis" in report.issues[0].message


def test_match_pattern_dunder_attribute_refused() -> None:
    body = ("    def helper(self):\n        match self:\n"
            "            case object(__class__=c):\n                return c\n")
    assert "« __class__ »" in validate_source(_strategy(body=body)).summary()


@pytest.mark.parametrize("expr", ['getattr(self, "candles")', 'getattr(self, "x", 0)',
                                  'hasattr(self, "position")', "type(self).__name__",
                                  'setattr(self, "seuil", 3)', 'f"{self.balance:.2f}"',
                                  # a literal, plain name: only the owner's own worker sees it
                                  'setattr(Strategy, "should_long", None)'])
def test_plain_reflection_allowed(expr: str) -> None:
    report = validate_source(_strategy(body=f"    def helper(self):\n        return {expr}\n"))
    assert report.ok, report.summary()
