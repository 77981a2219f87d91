"""The colours a built Bokeh chart uses (for « no neon in the light theme » tests)."""

from __future__ import annotations

from typing import Any

from bokeh.embed import json_item

from aristobot.core.palette import NEON_CYAN, NEON_GREEN, NEON_RED

NEON = {NEON_CYAN.lower(), NEON_GREEN.lower(), NEON_RED.lower()}


def _collect(node: Any, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        for v in node.values():
            _collect(v, found)
    elif isinstance(node, list):
        for v in node:
            _collect(v, found)
    elif isinstance(node, str) and node.startswith("#") and len(node) in (4, 7, 9):
        found.add(node.lower()[:7])
    return found


def colours_of(chart: Any) -> set[str]:
    """Every ``#rrggbb`` string of ``chart`` serialised (properties and data), lower case."""
    return _collect(json_item(chart), set())
