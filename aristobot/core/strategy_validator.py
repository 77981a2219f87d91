"""Static checks of a user strategy's source (pure: ``ast`` only, nothing is executed).

``validate_source(code)`` returns a ``ValidationReport`` whose issues carry the user's line and
column and a French message: syntax errors, not exactly one class deriving ``Strategy``, missing
or mis-declared decision methods, imports outside ``ALLOWED_MODULES``, and names that only serve
to escape the strategy's namespace (``eval``, ``open``, ``__import__``, dunder attributes and
names, ``getattr``/``setattr``/``delattr`` with a computed or dunder name, three-argument
``type(...)``, dunder strings that ``str.format`` could follow, dunder match-pattern attributes,
frame/traceback/code attributes such as ``gi_frame`` or ``f_globals``).

These checks give immediate, readable feedback; they are not the security boundary. User code
always runs in the isolated worker processes of ``aristobot.strategies.pool``.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass, field

from aristobot.core import messages

#: Top-level packages a strategy may import (``pandas_ta`` is an alias of pandas_ta_classic).
ALLOWED_MODULES: frozenset[str] = frozenset(
    {
        "pandas_ta_classic",
        "pandas_ta",
        "pandas",
        "numpy",
        "math",
        "statistics",
        "datetime",
        "decimal",
        "typing",
        "dataclasses",
        "functools",
        "itertools",
        "collections",
        "enum",
        "abc",
        "__future__",
        "aristobot",  # only aristobot.core.strategy_api, see _ALLOWED_ARISTOBOT
    }
)
_ALLOWED_ARISTOBOT = frozenset({"aristobot.core.strategy_api", "aristobot.core"})

#: Methods every strategy class must define itself (the seed's template).
REQUIRED_METHODS: tuple[str, ...] = (
    "should_long",
    "should_short",
    "calculate_position_size",
    "calculate_stop_loss",
    "calculate_take_profit",
)

#: Builtins refused: they read files, run code or reach outside the strategy's namespace.
FORBIDDEN_NAMES: frozenset[str] = frozenset(
    {
        "eval",
        "exec",
        "compile",
        "open",
        "input",
        "breakpoint",
        "globals",
        "locals",
        "vars",
        "__import__",
        "__builtins__",
        "__loader__",
        "__spec__",
        "memoryview",
        "exit",
        "quit",
    }
)
_ALLOWED_DUNDER_ATTRS = frozenset({"__init__", "__name__", "__doc__", "__len__"})
_ALLOWED_DUNDER_NAMES = frozenset({"__name__", "__doc__"})
_ALLOWED_DUNDER_STRINGS = frozenset({"__main__"})
#: Frame, traceback and code-object attributes: they walk up to the worker's own frames and
#: globals (``(g for g in ()).gi_frame.f_back.f_globals``) without a single dunder.
_FRAME_ATTRS = frozenset({
    "gi_frame", "gi_code", "gi_yieldfrom", "cr_frame", "cr_code", "cr_await", "ag_frame",
    "ag_code", "ag_await", "f_back", "f_globals", "f_locals", "f_builtins", "f_code",
    "tb_frame", "tb_next", "co_code", "co_consts", "co_names",
})
#: Reflection builtins: allowed only as a direct call with a literal, non-dunder attribute name.
_REFLECTION = frozenset({"getattr", "setattr", "delattr", "hasattr"})


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in the code, located in the user's source (1-based line/column)."""

    line: int
    column: int
    message: str  # French
    kind: str  # "syntax" | "structure" | "import" | "forbidden" | "params" | "runtime"

    def text(self) -> str:
        """Return « Ligne L, colonne C : message » for display."""
        where = f"Ligne {self.line}, colonne {self.column}" if self.column else f"Ligne {self.line}"
        return f"{where} : {self.message}" if self.line else self.message


@dataclass(frozen=True, slots=True)
class ValidationReport:
    issues: tuple[Issue, ...] = ()
    class_name: str | None = None
    notes: tuple[str, ...] = field(default=())  # informative French lines (e.g. test run result)

    @property
    def ok(self) -> bool:
        return not self.issues

    def summary(self) -> str:
        """Return every issue on its own line (French), or « Code valide. »."""
        if self.ok:
            return "Code valide."
        return "\n".join(i.text() for i in self.issues)


def validate_source(code: str) -> ValidationReport:
    """Check ``code`` without running it; return every problem found (French, located)."""
    if not code.strip():
        return ValidationReport((Issue(0, 0, messages.EMPTY_CODE, "structure"),))
    try:
        tree = ast.parse(code, filename="<stratégie>")
    except SyntaxError as e:
        return ValidationReport((_syntax_issue(e),))
    issues: list[Issue] = []
    issues.extend(_check_names(tree))
    cls, structure = _check_structure(tree)
    issues.extend(structure)
    issues.sort(key=lambda i: (i.line, i.column))
    return ValidationReport(tuple(issues), cls.name if cls else None)


def _syntax_issue(e: SyntaxError) -> Issue:
    reason = messages.syntax_error(e.msg or messages.INVALID_SYNTAX,
                                   isinstance(e, IndentationError))
    return Issue(e.lineno or 0, e.offset or 0, reason, "syntax")


def _check_names(tree: ast.AST) -> list[Issue]:
    issues: list[Issue] = []
    allowed_calls = _reflection_calls(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                issues.extend(_check_import(node, alias.name))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                issues.append(_at(node, messages.RELATIVE_IMPORT, "import"))
            else:
                issues.extend(_check_import(node, node.module or ""))
            issues.extend(_forbidden(node, messages.quoted(a.name)) for a in node.names
                          if _is_dunder(a.name))
        elif isinstance(node, ast.Name):
            issues.extend(_check_name(node, allowed_calls))
        elif isinstance(node, ast.Attribute) and _is_forbidden_attr(node.attr):
            issues.append(_forbidden(node, messages.attribute(node.attr)))
        elif isinstance(node, ast.Call):
            issues.extend(_check_type_call(node))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _DUNDER_IN_TEXT.search(node.value) and node.value not in _ALLOWED_DUNDER_STRINGS:
                issues.append(_forbidden(node, messages.DUNDER_IN_STRING))
        elif isinstance(node, ast.MatchClass):
            issues.extend(_forbidden(node, messages.attribute(a)) for a in node.kwd_attrs
                          if _is_dunder(a))
    return issues


_DUNDER_IN_TEXT = re.compile(r"__\w+__")


def _is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def _forbidden(node: ast.AST, what: str) -> Issue:
    return _at(node, messages.forbidden(what), "forbidden")


def _reflection_calls(tree: ast.AST) -> set[int]:
    """Return the ids of the ``getattr``-like Name nodes called with a safe literal name."""
    safe: set[int] = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in _REFLECTION and len(node.args) >= 2
                and not node.keywords and not any(isinstance(a, ast.Starred) for a in node.args)
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)
                and node.args[1].value.isidentifier()
                and not node.args[1].value.startswith("__")
                and not _is_forbidden_attr(node.args[1].value)):
            safe.add(id(node.func))
    return safe


def _check_name(node: ast.Name, allowed_calls: set[int]) -> list[Issue]:
    if node.id in FORBIDDEN_NAMES:
        return [_forbidden(node, messages.quoted(node.id))]
    if node.id in _REFLECTION and id(node) not in allowed_calls:
        return [_at(node, messages.reflection_needs_literal(node.id), "forbidden")]
    if _is_dunder(node.id) and node.id not in _ALLOWED_DUNDER_NAMES:
        return [_forbidden(node, messages.special_name(node.id))]
    return []


def _check_type_call(node: ast.Call) -> list[Issue]:
    if isinstance(node.func, ast.Name) and node.func.id == "type" and (
            len(node.args) != 1 or node.keywords
            or isinstance(node.args[0], ast.Starred)):
        return [_at(node, messages.TYPE_WITH_ONE_ARGUMENT, "forbidden")]
    return []


def _is_forbidden_attr(attr: str) -> bool:
    return (_is_dunder(attr) and attr not in _ALLOWED_DUNDER_ATTRS) or attr in _FRAME_ATTRS


def _check_import(node: ast.stmt, module: str) -> list[Issue]:
    top = module.split(".", 1)[0]
    if top == "aristobot" and module not in _ALLOWED_ARISTOBOT:
        allowed = False
    else:
        allowed = top in ALLOWED_MODULES
    if allowed:
        return []
    names = ", ".join(sorted(m for m in ALLOWED_MODULES if m not in {"__future__", "aristobot"}))
    return [_at(node, messages.import_not_allowed(module, names), "import")]


def _derives_strategy(cls: ast.ClassDef) -> bool:
    for base in cls.bases:
        name = base.id if isinstance(base, ast.Name) else getattr(base, "attr", None)
        if name == "Strategy":
            return True
    return False


def _check_structure(tree: ast.Module) -> tuple[ast.ClassDef | None, list[Issue]]:
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and _derives_strategy(n)]
    if not classes:
        return None, [Issue(1, 0, messages.NO_STRATEGY_CLASS, "structure")]
    if len(classes) > 1:
        names = ", ".join(c.name for c in classes)
        return None, [_at(classes[1], messages.several_strategy_classes(names), "structure")]
    cls = classes[0]
    methods = {n.name: n for n in cls.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    issues: list[Issue] = []
    for name in REQUIRED_METHODS:
        fn = methods.get(name)
        if fn is None:
            issues.append(_at(cls, messages.missing_method(name, cls.name), "structure"))
        else:
            issues.extend(_check_method(fn))
    init = methods.get("__init__")
    if init is not None:
        issues.extend(_check_init(init))
    issues.extend(_check_params(cls))
    return cls, issues


#: Most parameters a strategy may declare.
MAX_PARAMS = 32


def _params_nodes(cls: ast.ClassDef) -> list[tuple[ast.stmt, ast.expr | None]]:
    """Return the class-body statements that bind ``params`` (with their value)."""
    found: list[tuple[ast.stmt, ast.expr | None]] = []
    for node in cls.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "params" for t in node.targets):
            found.append((node, node.value))
        elif (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
              and node.target.id == "params"):
            found.append((node, node.value))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and (
                node.name == "params"):
            found.append((node, None))
    return found


def _literal_number(node: ast.expr) -> int | float | bool | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _literal_number(node.operand)
        if inner is None or isinstance(inner, bool):
            return None
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.Constant) and isinstance(node.value, bool | int | float):
        value = node.value
        return value if math.isfinite(value) else None
    return None


def _params_literal(cls: ast.ClassDef) -> tuple[dict[str, int | float | bool], list[Issue]]:
    nodes = _params_nodes(cls)
    if not nodes:
        return {}, []
    if len(nodes) > 1:
        return {}, [_at(nodes[1][0], messages.PARAMS_DECLARED_TWICE, "params")]
    node, value = nodes[0]
    usage = messages.PARAMS_USAGE
    if not isinstance(value, ast.Dict):
        return {}, [_at(node, usage, "params")]
    out: dict[str, int | float | bool] = {}
    issues: list[Issue] = []
    for key, item in zip(value.keys, value.values, strict=True):
        if key is None or not isinstance(key, ast.Constant) or not isinstance(key.value, str):
            issues.append(_at(item if key is None else key, usage, "params"))
            continue
        name = key.value
        if not name.isidentifier() or name.startswith("_"):
            issues.append(_at(key, messages.invalid_param_name(name), "params"))
        elif name in out:
            issues.append(_at(key, messages.param_declared_twice(name), "params"))
        number = _literal_number(item)
        if number is None:
            issues.append(_at(item, messages.param_not_literal(name), "params"))
        elif name.isidentifier():
            out[name] = number
    if len(value.keys) > MAX_PARAMS:
        issues.append(_at(node, messages.too_many_params(MAX_PARAMS), "params"))
    return out, issues


def _check_params(cls: ast.ClassDef) -> list[Issue]:
    return _params_literal(cls)[1]


def parse_params(code: str) -> dict[str, int | float | bool]:
    """Return the parameters ``code`` declares (``params = {...}`` in its Strategy class),
    read from the source without running it (``{}`` when none).

    The dashboard uses this to offer ranges without executing user code. Raises
    ``ValueError`` with the French summary when the source does not validate.
    """
    report = validate_source(code)
    if not report.ok:
        raise ValueError(report.summary())
    tree = ast.parse(code)
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and _derives_strategy(n)]
    return _params_literal(classes[0])[0]


def _check_method(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[Issue]:
    if isinstance(fn, ast.AsyncFunctionDef):
        return [_at(fn, messages.method_is_async(fn.name), "structure")]
    args = fn.args
    required = len(args.posonlyargs) + len(args.args) - len(args.defaults)
    kw_required = [a for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is None]
    if required != 1 or kw_required:
        return [_at(fn, messages.method_signature(fn.name), "structure")]
    return []


def _check_init(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[Issue]:
    args = fn.args
    positional = len(args.posonlyargs) + len(args.args)
    if args.vararg is None and positional < 4:
        return [_at(fn, messages.INIT_SIGNATURE, "structure")]
    return []


def _at(node: ast.AST, message: str, kind: str) -> Issue:
    line = getattr(node, "lineno", 0) or 0
    col = getattr(node, "col_offset", -1)
    return Issue(line, col + 1 if col >= 0 else 0, message, kind)
