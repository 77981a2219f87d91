"""The validator refuses every forbidden name and every escape family, one test each.

The names are written out here, not read from ``FORBIDDEN_NAMES``: dropping one from the
validator must fail a test (e.g. without « exec »,
``exec('x = ().' + '_'*2 + 'class' + '_'*2)`` would pass, the dunder being built at run time).
"""

from __future__ import annotations

import pytest

from aristobot.core.strategy_validator import REQUIRED_METHODS, validate_source

MUST_BE_FORBIDDEN = ["eval", "exec", "compile", "open", "input", "breakpoint", "globals",
                     "locals", "vars", "__import__", "__builtins__", "__loader__", "__spec__",
                     "memoryview", "exit", "quit"]


def _with(body: str, header: str = "") -> str:
    methods = "".join(f"    def {m}(self):\n        return 0\n" for m in REQUIRED_METHODS)
    helper = "".join(f"        {line}\n" for line in body.splitlines())
    return f"{header}class S(Strategy):\n{methods}    def helper(self):\n{helper}"


def _refused(code: str, kind: str = "forbidden") -> str:
    report = validate_source(code)
    assert not report.ok, f"accepted:\n{code}"
    assert {i.kind for i in report.issues} == {kind}, report.summary()
    assert all(i.line > 0 and i.column > 0 for i in report.issues), report.issues  # located
    return report.summary()


@pytest.mark.parametrize("name", MUST_BE_FORBIDDEN)
def test_each_forbidden_name_refused_as_call_and_as_value(name: str) -> None:
    call = _refused(_with(f"return {name}('1')"))
    assert f"« {name} »" in call and "interdit" in call
    _refused(_with(f"f = {name}\nreturn f"))  # an alias is no way round it
    _refused(_with(f"return [{name}][0]"))


def test_the_reviewers_exec_payload_refused() -> None:
    summary = _refused(_with("exec('x = ().' + '_'*2 + 'class' + '_'*2)"))
    assert "« exec »" in summary


@pytest.mark.parametrize("expr", [
    "().__class__", "self.__dict__", "(lambda: 0).__globals__", "(lambda: 0).__code__",
    "object.__subclasses__()", "int.__mro__", "self.__class__.__base__",
    "(1).__reduce_ex__(2)", "self.should_long.__func__", "f'{self.__class__}'",
])
def test_dunder_attribute_access_refused(expr: str) -> None:
    assert "L'attribut « __" in _refused(_with(f"return {expr}"))


@pytest.mark.parametrize("expr", [
    'getattr(self, "__class__")',
    "getattr(self, '_' * 2 + 'class' + '_' * 2)",  # a name computed at run time
    "getattr(self, name)",
    'getattr(self, "__cl" "ass__")',  # implicit concatenation: one constant in the tree
    'setattr(self, "__class__", int)',
    'hasattr(self, "__globals__")',
    "[getattr][0](self, 'candles')",  # getattr not called directly
    'getattr(self, *["candles"])',
    'getattr(self, name="candles")',
    'getattr(self, "__prive")',  # a mangled private name, not a dunder: still refused
    '"{0.__class__}".format(self)',
    '"%(__class__)s" % {}',
    'self.candles["__class__"]',
])
def test_dunder_through_strings_getattr_and_format_refused(expr: str) -> None:
    _refused(_with(f"name = 'candles'\nreturn {expr}"))


@pytest.mark.parametrize("expr", ["eval('1 + 1')", "exec('x = 1')",
                                  "compile('1', '<s>', 'eval')",
                                  "eval(compile('1', '<s>', 'eval'))"])
def test_dynamic_code_refused(expr: str) -> None:
    _refused(_with(f"return {expr}"))


@pytest.mark.parametrize("header", [
    "import os\n", "import os.path\n", "import os as system\n", "from os import path\n",
    "from os import *\n", "import subprocess\n", "import sys\n", "import builtins\n",
    "import importlib\n", "from importlib import import_module\n", "import ctypes\n",
    "import pickle\n", "import socket\n", "import aristobot.config\n",
    "from aristobot import config\n", "from aristobot.security import vault\n",
    "import numpy, os\n",
])
def test_import_forms_refused(header: str) -> None:
    _refused(_with("return 0", header=header), kind="import")


def test_import_inside_a_method_and_relative_import_refused() -> None:
    _refused(_with("import os\nreturn os.getcwd()"), kind="import")
    assert "relatif" in _refused(_with("return 0", header="from . import x\n"), kind="import")


@pytest.mark.parametrize("expr", [
    "(g for g in [1]).gi_frame",
    "(g for g in [1]).gi_frame.f_back",
    "(g for g in [1]).gi_code",
    "self.helper.__code__",
    "e.__traceback__",
    "e.__traceback__.tb_frame",
    "e.with_traceback(None).__traceback__",
    'getattr((g for g in [1]), "gi_frame")',
])
def test_frames_and_tracebacks_refused(expr: str) -> None:
    _refused(_with(f"e = ValueError()\nreturn {expr}"))


@pytest.mark.parametrize("attr", ["f_back", "f_globals", "f_locals", "f_builtins", "f_code",
                                  "tb_frame", "tb_next", "gi_frame", "gi_code", "cr_frame",
                                  "ag_frame", "co_code"])
def test_each_frame_attribute_refused(attr: str) -> None:
    assert f"« {attr} »" in _refused(_with(f"return self.x.{attr}"))


@pytest.mark.parametrize("expr", [
    "__builtins__", "__builtins__['open']", "globals()['__builtins__']", "vars()",
    "locals()", "__loader__", "__spec__", "__class__", "__import__('os')",
])
def test_builtins_and_namespace_access_refused(expr: str) -> None:
    _refused(_with(f"return {expr}"))


@pytest.mark.parametrize("expr", ['type("X", (Strategy,), {})', "type(*[self])",
                                  "type(self, bases=())"])
def test_dynamic_classes_refused(expr: str) -> None:
    assert "type(...)" in _refused(_with(f"return {expr}"))


def test_match_pattern_dunder_refused() -> None:
    code = _with("match self:\n    case object(__class__=c):\n        return c")
    assert "« __class__ »" in _refused(code)


@pytest.mark.parametrize("expr", [
    'getattr(self, "candles")', 'hasattr(self, "position")', "type(self).__name__",
    'f"{self.balance:.2f}"', '"{:.2f}".format(self.balance)', "self.__init__",
    "'__main__'", "self.candles['close'].iloc[-1]", "round(1.5)",
    "fin__", "____", "__x",  # not dunders: too short, or not both ends
])
def test_ordinary_code_still_accepted(expr: str) -> None:
    report = validate_source(_with(f"return {expr}"))
    assert report.ok, report.summary()


def test_strategy_reached_through_its_module_is_recognised() -> None:
    code = _with("return 0", header="import aristobot.core.strategy_api as api\n")
    code = code.replace("class S(Strategy):", "class S(api.Strategy):")
    report = validate_source(code)
    assert report.ok and report.class_name == "S", report.summary()


@pytest.mark.parametrize(("method", "message"), [
    ("    async def should_long(self):\n        return 0\n", "ne doit pas être « async »"),
    ("    def should_long(self, x):\n        return 0\n", "def should_long(self):"),
    ("    def should_long(self, *, x):\n        return 0\n", "def should_long(self):"),
    ("    def should_long():\n        return 0\n", "def should_long(self):"),
])
def test_a_misdeclared_decision_method_is_located(method: str, message: str) -> None:
    code = _with("return 0").replace("    def should_long(self):\n        return 0\n", method)
    report = validate_source(code)
    (issue,) = report.issues
    assert issue.kind == "structure" and message in issue.message
    assert issue.line == code.splitlines().index(method.splitlines()[0]) + 1
