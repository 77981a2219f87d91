"""Strategies: storage, template, the isolated worker pool and the AI assistant.

Public surface: ``get_pool`` / ``StrategyPool`` (run user code in sandboxed workers),
``TEMPLATE``, ``EMA_CROSS_EXAMPLE`` and the repository functions in ``repository``.
"""

from __future__ import annotations

from aristobot.strategies.examples import EMA_CROSS_EXAMPLE, EMA_CROSS_EXAMPLE_CLASSIC
from aristobot.strategies.pool import StrategyPool, get_pool, serve
from aristobot.strategies.template import TEMPLATE

__all__ = [
    "EMA_CROSS_EXAMPLE",
    "EMA_CROSS_EXAMPLE_CLASSIC",
    "TEMPLATE",
    "StrategyPool",
    "get_pool",
    "serve",
]
