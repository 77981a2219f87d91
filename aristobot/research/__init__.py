"""Research from a notebook: ``from aristobot import research``.

    candles = research.candles("binance", "BTC/USDT", "1h", "2024-01-01", "2024-03-01")
    run = research.backtest(research.strategy("EMA 10/20", user="alice"), candles)
    show(research.chart(run))
    sweep = research.sweep(code, candles, {"fast": range(5, 30, 5)}, objective="sharpe")

The facade opens and migrates the workbench's configured database itself (``.env`` then
``ARISTOBOT_*``, as the dashboard); ``research.use(...)`` points it elsewhere.
"""

from __future__ import annotations

from aristobot.research.candles import candles
from aristobot.research.optimisation import sweep, walk_forward
from aristobot.research.runs import Run, backtest, chart
from aristobot.research.strategies import StoredStrategy, strategy
from aristobot.research.workbench import Workbench, close, use, workbench
from aristobot.sweeps.records import points

__all__ = [
    "Run",
    "StoredStrategy",
    "Workbench",
    "backtest",
    "candles",
    "chart",
    "close",
    "points",
    "strategy",
    "sweep",
    "use",
    "walk_forward",
    "workbench",
]
