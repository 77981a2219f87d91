"""Every validator message, word for word and located (line, 1-based column, kind).

The user reads these texts in the editor: a changed or broken message must fail here.
"""

from __future__ import annotations

import pytest

from aristobot.core.strategy_validator import (
    REQUIRED_METHODS,
    Issue,
    ValidationReport,
    parse_params,
    validate_source,
)

FORBIDDEN = "est interdit dans une stratégie."


def _with(body: str, header: str = "", members: str = "") -> str:
    methods = "".join(f"    def {m}(self):\n        return 0\n" for m in REQUIRED_METHODS)
    helper = "".join(f"        {line}\n" for line in body.splitlines())
    return f"{header}class S(Strategy):\n{members}{methods}    def helper(self):\n{helper}"


def _issues(code: str) -> list[tuple[int, int, str, str]]:
    return [(i.line, i.column, i.kind, i.message) for i in validate_source(code).issues]


@pytest.mark.parametrize(("code", "expected"), [
    (_with("return eval"), [(13, 16, "forbidden", f"« eval » {FORBIDDEN}")]),
    (_with("return getattr(self, n)"), [(13, 16, "forbidden",
     "« getattr » n'est permis qu'appelé avec un nom d'attribut écrit en toutes lettres "
     "(ex. getattr(objet, \"nom\", …)), sans « __ » au début.")]),
    (_with("return __file__"),
     [(13, 16, "forbidden", f"Le nom spécial « __file__ » {FORBIDDEN}")]),
    (_with("return self.__dict__"),
     [(13, 16, "forbidden", f"L'attribut « __dict__ » {FORBIDDEN}")]),
    (_with("return self.gi_frame"),
     [(13, 16, "forbidden", f"L'attribut « gi_frame » {FORBIDDEN}")]),
    (_with("return type('X', (), {})"), [(13, 16, "forbidden",
     "« type(...) » ne s'utilise qu'avec un seul argument (créer une classe dynamiquement "
     "est interdit).")]),
    (_with("return 'a__class__b'"), [(13, 16, "forbidden",
     f"Un nom spécial « __…__ » dans une chaîne {FORBIDDEN}")]),
    (_with("return 0", header="from math import __doc__\n"),
     [(1, 1, "forbidden", f"« __doc__ » {FORBIDDEN}")]),
    (_with("return 0", header="from .x import y\n"),
     [(1, 1, "import", "Import relatif interdit.")]),
    (_with("return 0", header="from . import y\n"),
     [(1, 1, "import", "Import relatif interdit.")]),
    (_with("return 0", header="import os\n"), [(1, 1, "import",
     "Import de « os » refusé : une stratégie ne peut importer que abc, collections, "
     "dataclasses, datetime, decimal, enum, functools, itertools, math, numpy, pandas, "
     "pandas_ta, pandas_ta_classic, statistics, typing.")]),
    (_with("match self:\n    case object(__dict__=c):\n        return c"),
     [(14, 18, "forbidden", f"L'attribut « __dict__ » {FORBIDDEN}")]),
    ("x = 1\n", [(1, 0, "structure",
     "Aucune classe dérivant de Strategy (ex. « class MaStrategie(Strategy): »).")]),
    ("class A(Strategy):\n    pass\nclass B(Strategy):\n    pass\n", [(3, 1, "structure",
     "Une seule classe dérivant de Strategy est permise, trouvé : A, B.")]),
    ("class S(Strategy):\n    pass\n", [
        (1, 1, "structure", f"La méthode « {m}(self) » manque dans la classe S.")
        for m in REQUIRED_METHODS]),
    (_with("return 0", members="    def __init__(self, a, b):\n        pass\n"),
     [(2, 5, "structure", "« __init__ » doit accepter (self, candles, balance, position=None).")]),
    (_with("return 0").replace("    def should_long", "    async def should_long"),
     [(2, 5, "structure", "« should_long » ne doit pas être « async ».")]),
    (_with("return 0").replace("def should_long(self)", "def should_long(self, x=1, *, y)"),
     [(2, 5, "structure",
       "« should_long » doit se déclarer « def should_long(self): » (aucun autre paramètre).")]),
    (_with("return 0", members="    params = {'a': 1}\n    params = {'b': 2}\n"),
     [(3, 5, "params", "« params » ne doit être déclaré qu'une fois.")]),
    (_with("return 0", members="    params = {'_a': 1, 'b': 'x', 'c': 1, 'c': 2}\n"), [
        (2, 15, "params", "Nom de paramètre invalide « _a » (lettres, chiffres, « _ », sans "
                          "« _ » au début)."),
        (2, 29, "params", "Le paramètre « b » doit valoir un entier, un décimal fini ou un "
                          "booléen écrit en toutes lettres."),
        (2, 42, "params", "Paramètre « c » déclaré deux fois.")]),
    (_with("return 0", members="    params = [1]\n"), [(2, 5, "params",
     "« params » doit être un dictionnaire écrit en toutes lettres, ex. params = "
     "{\"rapide\": 10, \"lente\": 20} (noms → entier, décimal ou booléen).")]),
    (_with("return 0", members="    params = {" + ", ".join(f"'p{i}': 1" for i in range(33))
           + "}\n"), [(2, 5, "params", "Au plus 32 paramètres.")]),
])
def test_message_and_location(code: str, expected: list[tuple[int, int, str, str]]) -> None:
    assert _issues(code) == expected


def test_syntax_errors_are_located_and_french() -> None:
    ((line, col, kind, msg),) = _issues("class S(Strategy):\n    def x(self):\n        return (\n")
    assert (line, col, kind) == (3, 16, "syntax") and msg.startswith("Erreur de syntaxe : ")
    ((line, col, kind, msg),) = _issues("class S(Strategy):\ndef x(self):\n    pass\n")
    assert (line, col, kind) == (2, 1, "syntax")
    assert msg.startswith("Erreur de syntaxe : indentation incorrecte (expected an indented")


def test_issue_text_and_report_summary() -> None:
    assert Issue(3, 7, "m", "x").text() == "Ligne 3, colonne 7 : m"
    assert Issue(3, 0, "m", "x").text() == "Ligne 3 : m"
    assert Issue(0, 0, "m", "x").text() == "m"
    two = ValidationReport((Issue(1, 1, "a", "x"), Issue(2, 0, "b", "x")))
    assert not two.ok and two.summary() == "Ligne 1, colonne 1 : a\nLigne 2 : b"
    assert ValidationReport().ok and ValidationReport().summary() == "Code valide."
    assert validate_source("\n\t \n").issues == (Issue(0, 0, "Le code est vide.", "structure"),)


def test_issues_are_sorted_by_position() -> None:
    code = _with("x = eval\nreturn open", header="import os\n")
    assert [(i.line, i.kind) for i in validate_source(code).issues] == [
        (1, "import"), (14, "forbidden"), (15, "forbidden")]


@pytest.mark.parametrize("members", [
    "    def __init__(self, candles, balance, position=None):\n        pass\n",
    "    def __init__(self, *args):\n        pass\n",
    "    def __init__(self, candles, /, balance, position):\n        pass\n",
])
def test_accepted_init_signatures(members: str) -> None:
    assert validate_source(_with("return 0", members=members)).ok


@pytest.mark.parametrize("signature", ["self, x=1", "self, /", "self, *, x=2", "self, *a, **k"])
def test_decision_methods_may_take_optional_parameters(signature: str) -> None:
    code = _with("return 0").replace("def should_long(self)", f"def should_long({signature})")
    assert validate_source(code).ok, validate_source(code).summary()


@pytest.mark.parametrize("expr", [
    "self.__name__", "self.__doc__", "len(self).__len__", "__name__", "__doc__",
    'hasattr(self, "x")', 'delattr(self, "x")', 'getattr(self, "x", None)',
])
def test_allowed_dunders_and_plain_reflection(expr: str) -> None:
    assert validate_source(_with(f"return {expr}")).ok, expr


@pytest.mark.parametrize("expr", [
    "self.__len__.__self__", 'getattr(self, "f_back")', 'getattr(self, "a b")',
    'getattr(self, 1)', "getattr(self)", 'getattr(self, "x", **{})',
    "type()", "type(self, **{})", "__dunder__",
])
def test_refused_reflection_and_names(expr: str) -> None:
    report = validate_source(_with(f"return {expr}"))
    assert not report.ok and {i.kind for i in report.issues} == {"forbidden"}, expr


@pytest.mark.parametrize("header", [
    "from aristobot.core import strategy_api\n", "import aristobot.core.strategy_api\n",
    "from __future__ import annotations\n", "import pandas_ta_classic as ta\n",
    "from collections import deque\n", "import statistics, decimal, enum, abc, typing\n",
])
def test_allowed_import_forms(header: str) -> None:
    assert validate_source(_with("return 0", header=header)).ok, header


@pytest.mark.parametrize("header", ["import aristobot\n", "from aristobot import core\n",
                                    "import aristobot.core.strategy_validator\n",
                                    "import aristobotx\n"])
def test_aristobot_itself_is_refused_beyond_the_strategy_api(header: str) -> None:
    assert [i.kind for i in validate_source(_with("return 0", header=header)).issues] == [
        "import"]


def test_parse_params_reads_signed_numbers_and_booleans() -> None:
    members = "    params = {'a': -3, 'b': +2.5, 'c': False, 'd': -0.0}\n"
    assert parse_params(_with("return 0", members=members)) == {
        "a": -3, "b": 2.5, "c": False, "d": 0.0}
    assert parse_params(_with("return 0")) == {}
    annotated = "    params: dict[str, int] = {'a': 1}\n"
    assert parse_params(_with("return 0", members=annotated)) == {"a": 1}


@pytest.mark.parametrize("members", [
    "    params = {'a': -True}\n", "    params = {'a': +'x'}\n", "    params = {'a': not 1}\n",
    "    params: dict[str, int]\n", "    def params(self):\n        return {}\n",
    "    params = {'a': 1}\n    class params:\n        pass\n",
    "    params = x = {'a': 1}\n    params = {'b': 1}\n",
])
def test_params_declared_otherwise_are_refused(members: str) -> None:
    report = validate_source(_with("return 0", members=members))
    assert "params" in {i.kind for i in report.issues}, members
    with pytest.raises(ValueError, match="Ligne"):
        parse_params(_with("return 0", members=members))


def test_a_null_byte_is_a_syntax_error_without_a_location() -> None:
    assert validate_source("x = 1\x00").issues == (Issue(
        0, 0, "Erreur de syntaxe : source code string cannot contain null bytes", "syntax"),)


@pytest.mark.parametrize("bases", ["Base[int], Strategy", "make(), Strategy", "api.Strategy"])
def test_any_base_expression_is_read_without_crashing(bases: str) -> None:
    report = validate_source(_with("return 0").replace("class S(Strategy)", f"class S({bases})"))
    assert report.ok and report.class_name == "S", report.summary()


def test_other_class_attributes_are_not_params() -> None:
    members = "    seuil = 3\n    noms: list[str] = []\n    params = {'a': 1}\n"
    assert parse_params(_with("return 0", members=members)) == {"a": 1}


def test_every_bad_params_entry_is_reported_at_its_key() -> None:
    members = "    params = {1: 2, **autre, 'b': 'x'}\n"
    assert [(line, col) for line, col, _, _ in _issues(_with("return 0", members=members))] == [
        (2, 15), (2, 23), (2, 35)]  # the key 1, the value of **autre, the value 'x'


def test_thirty_two_params_are_allowed() -> None:
    many = ", ".join(f"'p{i}': {i}" for i in range(32))
    assert len(parse_params(_with("return 0", members=f"    params = {{{many}}}\n"))) == 32


def test_a_five_letter_dunder_is_still_a_dunder() -> None:
    assert _issues(_with("return self.__a__"))[0][3] == f"L'attribut « __a__ » {FORBIDDEN}"


def test_a_params_key_that_is_not_a_literal_is_refused_not_crashing() -> None:
    ((line, col, kind, _),) = _issues(_with("return 0", members="    params = {nom: 1}\n"))
    assert (line, col, kind) == (2, 15, "params")
