"""Find French user text written outside the catalog modules (see ``test_user_text``).

A string literal is French user text when it has a space and either a French letter (accents,
« », œ) or a common French word (`` de ``, `` la ``, `` est ``…). Docstrings, bare string
statements and the arguments of logging calls are ignored: logs are English and not user text.
An f-string is judged on its literal parts joined, so ``f"Broker « {name} » supprimé."`` counts.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# Modules that own user text: every ``messages.py`` (a big package may split it by area:
# ``ui/optimisation_messages.py``), plus the catalogs that predate the rule.
CATALOG_NAME = "messages.py"
CATALOG_MODULES = frozenset({
    "aristobot/errors.py",  # the error tree: each error class carries its French message
    "aristobot/exchanges/translation.py",  # what an exchange answered, translated at ccxt's edge
    # Strategy code templates: the whole module is content the user edits, not a message.
    "aristobot/strategies/template.py",
    "aristobot/strategies/examples.py",
})

_FRENCH_LETTERS = re.compile(r"[àâäçéèêëîïôöùûüÿœæÀÂÇÉÈÊËÎÏÔÙÛÜŒ«»]")
_FRENCH_WORDS = re.compile(
    r"(?i)(?:^|[\s'(])(?:de|la|le|les|une|pas|est|du|des|et|vous|votre|vos|pour|avec|sur|"
    r"aucun|aucune|dans|ou|puis|sont|cette|ce|il|elle|au|aux|en|ne|n'|d'|l'|qu'|s'|c')(?=[\s'])")
_LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical",
                          "log"})


@dataclass(frozen=True, slots=True)
class Finding:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text!r}"


def is_french(text: str) -> bool:
    """Tell whether a literal reads as a French sentence (it must contain a space)."""
    if " " not in text.strip():
        return False
    return bool(_FRENCH_LETTERS.search(text) or _FRENCH_WORDS.search(text))


def is_catalog(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return name == CATALOG_NAME or name.endswith("_" + CATALOG_NAME) or rel in CATALOG_MODULES


def _is_logging_call(node: ast.Call) -> bool:
    func = node.func
    if not isinstance(func, ast.Attribute) or func.attr not in _LOG_METHODS:
        return False
    return "log" in _name_of(func.value).lower()  # log, logger, self._log, logging, getLogger()


def _name_of(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        return _name_of(node.func)
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else ""


def _ignored_nodes(tree: ast.Module) -> set[int]:
    """Ids of the nodes whose strings are not user text: docstrings, bare strings, log args."""
    ignored: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant | ast.JoinedStr):
            ignored.add(id(node.value))  # docstrings and other bare string statements
        elif isinstance(node, ast.Call) and _is_logging_call(node):
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                ignored.update(id(sub) for sub in ast.walk(arg))
    return ignored


def _literals(tree: ast.Module) -> Iterator[tuple[int, str]]:
    ignored = _ignored_nodes(tree)
    inside_fstring: set[int] = set()
    for node in ast.walk(tree):
        if id(node) in ignored:
            continue
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                inside_fstring.add(id(value))
                is_text = isinstance(value, ast.Constant) and isinstance(value.value, str)
                parts.append(value.value if is_text else "{}")  # type: ignore[union-attr]
            yield node.lineno, "".join(parts)
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and id(node) not in inside_fstring):
            yield node.lineno, node.value


def french_in_source(source: str, rel: str) -> list[Finding]:
    """Return the French literals of one module (nothing for a catalog module)."""
    if is_catalog(rel):
        return []
    return [Finding(rel, line, text) for line, text in _literals(ast.parse(source))
            if is_french(text)]


def french_outside_catalogs(root: Path, skip: tuple[str, ...] = ()) -> list[Finding]:
    """Walk ``root/aristobot/**.py``; modules under a ``skip`` prefix are not checked."""
    found: list[Finding] = []
    for path in sorted((root / "aristobot").rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if not rel.startswith(skip):
            found.extend(french_in_source(path.read_text(encoding="utf-8"), rel))
    return found
