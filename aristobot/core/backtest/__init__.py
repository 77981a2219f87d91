"""Backtest simulator (pure): honest and fast simulation of user strategies.

``run_backtest`` simulates a strategy on candles (semantics S1-S6 in ``simulator``), on the fast
path when it can and proves it equal to the exact path on sampled bars (``lookahead``);
``compute_stats`` summarises a run (``metrics``).
"""

from __future__ import annotations

from aristobot.core.backtest.lookahead import check_exactness
from aristobot.core.backtest.metrics import compute_stats
from aristobot.core.backtest.runner import run_backtest, validate_inputs
from aristobot.core.backtest.types import (
    BINANCE_SPOT_TAKER_FEE,
    BacktestParams,
    BacktestResult,
    LookaheadReport,
    TradeRecord,
)

__all__ = [
    "BINANCE_SPOT_TAKER_FEE",
    "BacktestParams",
    "BacktestResult",
    "LookaheadReport",
    "TradeRecord",
    "check_exactness",
    "compute_stats",
    "run_backtest",
    "validate_inputs",
]
