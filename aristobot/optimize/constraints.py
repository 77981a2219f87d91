"""Constraints between parameters, written by users as small expressions (``"fast < slow"``).

Parsed with ``ast`` into a closed set of nodes and evaluated by a tiny interpreter: names of the
space's parameters, numbers, ``True``/``False``, ``+ - * / // % **`` (exponent ≤ 8),
unary ``- +``, comparisons (chained too: ``5 <= fast < slow``), ``and``/``or``/``not`` and
parentheses. Nothing else parses: no calls, attributes, subscripts or other names, so user text
never reaches ``eval``. Errors are ``ValidationError`` with a French reason.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from aristobot.errors import ValidationError
from aristobot.optimize import messages as msg

MAX_LENGTH = 200
MAX_NODES = 64
_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.Eq: operator.eq, ast.NotEq: operator.ne,
}


def _refuse(text: str, why: str) -> ValidationError:
    return ValidationError(reason=msg.CONSTRAINT_INVALID.format(text=text, why=why))


@dataclass(frozen=True)
class Constraint:
    """A parsed constraint; call it with a point (a mapping of parameter values)."""

    text: str
    tree: ast.expr
    names: frozenset[str]

    def __call__(self, point: Mapping[str, Any]) -> bool:
        try:
            return bool(_eval(self.tree, point))
        except (ZeroDivisionError, OverflowError, ValueError, TypeError):
            return False  # undefined for this point: the point is left out


def parse_constraint(text: str, names: Collection[str]) -> Constraint:
    """Parse ``text`` against the parameter ``names``; raise ``ValidationError`` (French)."""
    if not isinstance(text, str) or not text.strip():
        raise ValidationError(reason="Contrainte vide.")
    text = text.strip()
    if len(text) > MAX_LENGTH:
        raise _refuse(text[:40] + "…", msg.CONSTRAINT_TOO_LONG.format(limit=MAX_LENGTH))
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError:
        raise _refuse(text, msg.CONSTRAINT_SYNTAX) from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise _refuse(text, "expression trop longue")
    used: set[str] = set()
    for node in nodes:
        _check_node(node, text, names, used)
    return Constraint(text, tree, frozenset(used))


def _check_node(node: ast.AST, text: str, names: Collection[str], used: set[str]) -> None:
    if isinstance(node, ast.Name):
        if node.id not in names:
            known = ", ".join(sorted(names)) or "aucun"
            raise _refuse(text, msg.CONSTRAINT_NOT_A_PARAM.format(name=node.id, known=known))
        used.add(node.id)
    elif isinstance(node, ast.Constant):
        if not isinstance(node.value, bool | int | float):
            raise _refuse(text, msg.CONSTRAINT_NUMBERS_ONLY)
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            raise _refuse(text, msg.CONSTRAINT_OPERATOR)
        if isinstance(node.op, ast.Pow) and not (
                isinstance(node.right, ast.Constant) and isinstance(node.right.value, int)
                and not isinstance(node.right.value, bool) and 0 <= node.right.value <= 8):
            raise _refuse(text, msg.CONSTRAINT_EXPONENT)
    elif isinstance(node, ast.Compare):
        if any(type(op) not in _COMPARE for op in node.ops):
            raise _refuse(text, "comparaison non permise (<, <=, >, >=, ==, !=)")
    elif not isinstance(node, ast.UnaryOp | ast.BoolOp | ast.cmpop | ast.operator
                        | ast.boolop | ast.unaryop | ast.Load):
        raise _refuse(text, msg.CONSTRAINT_ELEMENT.format(kind=type(node).__name__))
    if isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.USub | ast.UAdd | ast.Not):
        raise _refuse(text, msg.CONSTRAINT_OPERATOR)


def _eval(node: ast.expr, point: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Name):
        return point[node.id]
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.BinOp):
        value = _BINARY[type(node.op)](_eval(node.left, point), _eval(node.right, point))
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("not finite")
        return value
    if isinstance(node, ast.UnaryOp):
        operand = _eval(node.operand, point)
        if isinstance(node.op, ast.Not):
            return not operand
        return -operand if isinstance(node.op, ast.USub) else +operand
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            return all(_eval(v, point) for v in node.values)
        return any(_eval(v, point) for v in node.values)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, point)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _eval(right_node, point)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    raise TypeError(type(node).__name__)  # unreachable: parse_constraint admits nothing else
