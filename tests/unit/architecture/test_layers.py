"""Layering rules (see ``import_graph``): every import of aristobot/ checked, no package cycle.

Each rule is also checked against a planted violation in a temporary tree, so a checker that
stopped seeing (say) relative imports or imports inside functions fails here too.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from tests.unit.architecture.import_graph import (
    LAYERS,
    all_imports,
    cycle_evidence,
    cycles,
    layer_violations,
    package_graph,
)

ROOT = Path(__file__).resolve().parents[3]


def test_every_import_respects_the_layers() -> None:
    assert layer_violations(all_imports(ROOT), ROOT) == []


def test_no_cycle_between_packages() -> None:
    imports = all_imports(ROOT)
    graph = package_graph(imports, ROOT)
    found = {" -> ".join(c): cycle_evidence(imports, c) for c in cycles(graph)}
    assert found == {}


def test_every_package_has_a_layer() -> None:
    names = {p.stem if p.is_file() else p.name for p in (ROOT / "aristobot").iterdir()
             if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()}
    assert sorted(names - set(LAYERS)) == []


# --- the checker catches what it must ------------------------------------------------------------
def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    base = {"aristobot/__init__.py": ""}
    for rel, code in {**base, **files}.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        for parent in path.relative_to(tmp_path).parents:
            init = tmp_path / parent / "__init__.py"
            if parent.parts and not init.exists():
                init.write_text("")
        path.write_text(textwrap.dedent(code))
    return tmp_path


PACKAGES = ["core", "domain", "db", "bus", "exchanges", "brokers", "trading", "ui", "charts"]
PLANTED = {
    "pure core imports the db, relatively, inside a function": {
        "aristobot/core/bad.py": "def f():\n    from ..db import models\n    return models\n"},
    "pure domain imports an I/O library": {
        "aristobot/domain/bad.py": "import sqlalchemy\n"},
    "adapter calls up into a service, under TYPE_CHECKING": {
        "aristobot/exchanges/bad.py": (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from aristobot.brokers.repository import BrokerConfig\n")},
    "adapter imports the runtime through a lazy-import table": {
        "aristobot/runtime.py": "",
        "aristobot/exchanges/bad.py": '_LAZY = {"Runtime": "aristobot.runtime"}\n'},
    "service imports panel inside a function": {
        "aristobot/trading/bad.py": "def page():\n    import panel as pn\n    return pn\n"},
    "service imports the ui with `from aristobot import ui`": {
        "aristobot/trading/bad.py": "from aristobot import ui\n"},
    "ui imports a db model relatively": {
        "aristobot/ui/bad.py": "from ..db.models import Row\n"},
    "ui imports an adapter with importlib": {
        "aristobot/ui/bad.py": (
            'import importlib\nbus = importlib.import_module("aristobot.bus")\n')},
    "ui imports sqlalchemy": {
        "aristobot/ui/bad.py": "from sqlalchemy import select\n"},
    "a new package nobody classified": {
        "aristobot/newthing/x.py": "from aristobot.core import y\n"},
}


@pytest.mark.parametrize("case", sorted(PLANTED))
def test_the_checker_catches_a_planted_violation(tmp_path: Path, case: str) -> None:
    root = _tree(tmp_path, {f"aristobot/{p}/__init__.py": "" for p in PACKAGES} | PLANTED[case])
    found = layer_violations(all_imports(root), root)
    assert len(found) >= 1 and all("bad.py" in f or "newthing" in f for f in found), found


def test_the_checker_accepts_allowed_imports(tmp_path: Path) -> None:
    root = _tree(tmp_path, {f"aristobot/{p}/__init__.py": "" for p in PACKAGES} | {
        "aristobot/trading/ok.py": "from ..exchanges import handle\nfrom aristobot.core import x\n",
        "aristobot/ui/ok.py": "from aristobot.trading import ok\nimport param\n",
    })
    assert layer_violations(all_imports(root), root) == []


def test_the_checker_finds_a_cycle_between_packages(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "aristobot/brokers/a.py": "from aristobot.trading import b\n",
        "aristobot/trading/b.py": "def f():\n    from ..brokers import a\n",
        "aristobot/core/c.py": "from aristobot.domain import d\n",
        "aristobot/domain/d.py": "",
    })
    imports = all_imports(root)
    assert layer_violations(imports, root) == []  # service -> service is allowed...
    found = cycles(package_graph(imports, root))
    assert found == [["brokers", "trading"]]  # ...but not both ways
    assert cycle_evidence(imports, found[0]) == [
        "aristobot/brokers/a.py:1 aristobot.trading",
        "aristobot/brokers/a.py:1 aristobot.trading.b",
        "aristobot/trading/b.py:2 aristobot.brokers",
        "aristobot/trading/b.py:2 aristobot.brokers.a",
    ]


def test_apps_folder_only_wires() -> None:
    files = sorted(p.name for p in (ROOT / "apps").glob("*.py"))
    assert files == ["app_hooks.py", "main.py"]
    for p in (ROOT / "apps").glob("*.py"):
        code = [
            line
            for line in p.read_text().splitlines()
            if line.strip() and not line.lstrip().startswith(("#", '"""'))
        ]
        assert len(code) <= 15, f"{p.name} holds logic; move it into aristobot/"


def test_every_setting_is_documented_in_env_example() -> None:
    config = (ROOT / "aristobot" / "config.py").read_text()
    keys = set(re.findall(r'"((?:ARISTOBOT_|DEBUG_ARISTOBOT)[A-Z_]*)"', config)) - {"ARISTOBOT_"}
    documented = (ROOT / ".env.example").read_text()
    missing = sorted(k for k in keys if k not in documented)
    assert missing == []


def test_only_config_reads_the_environment() -> None:
    offenders = []
    for path in (ROOT / "aristobot").rglob("*.py"):
        if path.name in ("config.py",):
            continue
        text = path.read_text()
        if re.search(r"os\.environ\b|os\.getenv\(", text):
            offenders.append(str(path.relative_to(ROOT)))
    # cli passes the environment on to `panel serve`; the pool builds the scrubbed worker env.
    allowed = {"aristobot/cli.py", "aristobot/strategies/pool.py"}
    assert sorted(set(offenders) - allowed) == []
