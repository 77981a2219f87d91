"""Layering rules: the pure core never imports adapters; apps/ only wires; settings documented."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PURE = [ROOT / "aristobot" / "core", ROOT / "aristobot" / "domain"]
FORBIDDEN = (
    "sqlalchemy",
    "redis",
    "ccxt",
    "websockets",
    "panel",
    "bokeh",
    "tornado",
    "psycopg",
    "aristobot.db",
    "aristobot.bus",
    "aristobot.exchanges",
    "aristobot.market",
    "aristobot.ui",
    "aristobot.runtime",
    "aristobot.config",
)


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_pure_core_imports_no_adapter() -> None:
    offenders = []
    for folder in PURE:
        for path in folder.rglob("*.py"):
            for name in _imports(path):
                if any(name == f or name.startswith(f + ".") for f in FORBIDDEN):
                    offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


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
