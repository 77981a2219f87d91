"""The import graph of ``aristobot/`` and the layering rules it must follow (used by tests).

Every import counts: absolute and relative, at the top, inside functions, under
``TYPE_CHECKING``, ``importlib.import_module("aristobot.x")`` and dotted ``"aristobot.x.y"``
strings (lazy-import tables; not ``"-m", "aristobot.cli"`` command lines). Each top-level
package or module of ``aristobot`` belongs to one layer (:data:`LAYERS`); a new one must be
classified there before it can be imported.

| layer     | may import (aristobot)                        | never (third party)            |
|-----------|-----------------------------------------------|--------------------------------|
| pure      | pure                                          | I/O, UI and ccxt libraries     |
| base      | pure, base                                    | —                              |
| adapter   | pure, base, adapter (never calls up)          | panel, bokeh, param            |
| runtime   | pure, base, adapter                           | panel, bokeh, param            |
| service   | pure, base, adapter, runtime, service         | panel, bokeh, param, hv*       |
| view      | pure, base, runtime, service, view (no db/…)  | sqlalchemy, redis, ccxt, …     |
| entry     | anything (cli, offline, embedded, lifecycle)  | —                              |

And no cycle between top-level packages.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PURE, BASE, ADAPTER, RUNTIME, SERVICE, VIEW, ENTRY = (
    "pure", "base", "adapter", "runtime", "service", "view", "entry")

LAYERS: dict[str, str] = {
    "core": PURE, "domain": PURE, "errors": PURE, "messages": PURE,
    "config": BASE, "logging_setup": BASE, "ports": BASE,
    "db": ADAPTER, "bus": ADAPTER, "exchanges": ADAPTER, "market": ADAPTER,
    "security": ADAPTER, "replay": ADAPTER,
    "runtime": RUNTIME,
    "accounts": SERVICE, "brokers": SERVICE, "trading": SERVICE, "backtest": SERVICE,
    "heartbeat": SERVICE, "engine": SERVICE, "strategies": SERVICE, "webhooks": SERVICE,
    "stats": SERVICE, "status": SERVICE, "service_process": SERVICE,
    "optimize": SERVICE, "sweeps": SERVICE,
    "ui": VIEW, "charts": VIEW,
    "embedded": ENTRY, "lifecycle": ENTRY, "cli": ENTRY, "offline": ENTRY, "research": ENTRY,
}

ALLOWED: dict[str, frozenset[str]] = {
    PURE: frozenset({PURE}),
    BASE: frozenset({PURE, BASE}),
    ADAPTER: frozenset({PURE, BASE, ADAPTER}),
    RUNTIME: frozenset({PURE, BASE, ADAPTER}),
    SERVICE: frozenset({PURE, BASE, ADAPTER, RUNTIME, SERVICE}),
    VIEW: frozenset({PURE, BASE, RUNTIME, SERVICE, VIEW}),
    ENTRY: frozenset({PURE, BASE, ADAPTER, RUNTIME, SERVICE, VIEW, ENTRY}),
}

_IO = ("sqlalchemy", "alembic", "psycopg", "redis", "ccxt", "aiohttp", "websockets", "tornado")
_UI = ("panel", "bokeh", "param", "holoviews", "hvplot")
FORBIDDEN_LIBS: dict[str, tuple[str, ...]] = {
    PURE: _IO + _UI,
    BASE: _UI,
    ADAPTER: _UI,
    RUNTIME: _UI,
    SERVICE: _UI,  # services are headless (the webhook receiver's tornado handlers are fine)
    VIEW: ("sqlalchemy", "alembic", "psycopg", "redis", "ccxt", "aiohttp", "websockets"),
    ENTRY: (),
}

_DOTTED = re.compile(r"aristobot(?:\.[A-Za-z_]\w*)+(?::[A-Za-z_]\w*)?")


@dataclass(frozen=True, slots=True)
class Import:
    source: str  # importing module, e.g. "aristobot.ui.shell"
    target: str  # imported module or name, e.g. "aristobot.brokers.markets"
    where: str  # "aristobot/ui/shell.py:37"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _process_arguments(tree: ast.AST) -> set[int]:
    """Strings after ``"-m"`` in a list: a command line for another process, not an import."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.List | ast.Tuple):
            items = node.elts
            for prev, item in zip(items, items[1:], strict=False):
                if isinstance(prev, ast.Constant) and prev.value == "-m":
                    ids.add(id(item))
    return ids


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports_of(path: Path, root: Path) -> Iterator[Import]:
    """Yield every import of the module at ``path`` (``root`` holds the ``aristobot`` folder)."""
    module = module_name(path, root)
    tree = ast.parse(path.read_text(), filename=str(path))
    skip = _docstrings(tree) | _process_arguments(tree)
    rel = path.relative_to(root).as_posix()
    for node in ast.walk(tree):
        where = f"{rel}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, where)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node, module, path.name == "__init__.py")
            yield Import(module, base, where)
            for alias in node.names:  # `from aristobot import ui` imports aristobot.ui
                yield Import(module, f"{base}.{alias.name}", where)
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and id(node) not in skip and _DOTTED.fullmatch(node.value)):
            yield Import(module, node.value.partition(":")[0], where)


def all_imports(root: Path) -> list[Import]:
    return [imp for path in sorted((root / "aristobot").rglob("*.py"))
            if "migrations" not in path.parts for imp in imports_of(path, root)]


def top(name: str) -> str | None:
    """The top-level aristobot package/module of ``name`` (None outside aristobot)."""
    parts = name.split(".")
    return parts[1] if parts[0] == "aristobot" and len(parts) > 1 else None


def _is_module(name: str, root: Path) -> bool:
    path = root.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def layer_violations(imports: list[Import], root: Path) -> list[str]:
    """One line per import breaking :data:`ALLOWED` / :data:`FORBIDDEN_LIBS`."""
    out = []
    for imp in imports:
        src = top(imp.source)
        if src is None:
            continue
        layer = LAYERS.get(src)
        if layer is None:
            out.append(f"{imp.where}: aristobot.{src} has no layer: classify it in LAYERS")
            continue
        dst = top(imp.target)
        if dst is None:
            lib = imp.target.split(".")[0]
            if lib in FORBIDDEN_LIBS[layer]:
                out.append(f"{imp.where}: {layer} module {imp.source} imports {imp.target}")
            continue
        if dst == src or not _is_module(f"aristobot.{dst}", root):
            continue  # same package, or a name re-exported by ``aristobot/__init__``
        target_layer = LAYERS.get(dst)
        if target_layer is None or target_layer not in ALLOWED[layer]:
            out.append(f"{imp.where}: {layer} module {imp.source} imports "
                       f"{target_layer or 'unclassified'} {imp.target}")
    return sorted(set(out))


def package_graph(imports: list[Import], root: Path) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for imp in imports:
        src, dst = top(imp.source), top(imp.target)
        if src and dst and src != dst and _is_module(f"aristobot.{dst}", root):
            graph.setdefault(src, set()).add(dst)
            graph.setdefault(dst, set())
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one package (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def cycle_evidence(imports: list[Import], members: list[str]) -> list[str]:
    """The imports that tie a cycle's packages together (for the failure message)."""
    group = set(members)
    return sorted({f"{i.where} {i.target}" for i in imports
                   if top(i.source) in group and top(i.target) in group
                   and top(i.source) != top(i.target)})
