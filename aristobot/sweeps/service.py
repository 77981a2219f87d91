"""What a dashboard sweep needs beside the engine: its candles, and one run re-run in full.

Candles come like a backtest's: the shared table, the missing ones fetched through the
keyless public exchange instance (never a broker's own). Re-running one point happens in the
strategy worker pool (sandboxed, owned by the user), never in the dashboard process.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pandas as pd

from aristobot.backtest import candle_store
from aristobot.backtest.candle_loader import CandleLoader, CandleRequest
from aristobot.backtest.service import JOB_FUNCTION, absent_ranges
from aristobot.core.backtest.types import BacktestParams, BacktestResult
from aristobot.domain.timeframe import Timeframe
from aristobot.errors import ValidationError
from aristobot.runtime import Runtime
from aristobot.sweeps import messages as msg
from aristobot.sweeps.store import SweepInfo


def backtest_params(info: SweepInfo) -> BacktestParams:
    """The backtest settings every run of the sweep ``info`` uses."""
    st = info.settings
    return BacktestParams(initial_amount=float(st["initial_amount"]),
                          fee_rate=float(st["fee_rate"]), window=int(st["window"]))


def read_candles(runtime: Runtime, info: SweepInfo) -> pd.DataFrame:
    """The stored candles of the sweep's market and period (nothing fetched)."""
    with runtime.sessions() as s:
        return candle_store.read_candles(s, info.exchange, info.symbol, info.timeframe,
                                         info.start, info.end)


async def load_candles(runtime: Runtime, info: SweepInfo) -> pd.DataFrame:
    """Fetch what the table lacks for the sweep's period, then return the candles."""
    from aristobot.brokers.connections import get_manager

    req = CandleRequest(info.exchange, info.symbol, Timeframe.parse(info.timeframe),
                        info.start, info.end)
    source = await get_manager(runtime).public_exchange(info.exchange)
    await CandleLoader(runtime.sessions, source, absent=absent_ranges(runtime)).load(req)
    candles = await asyncio.to_thread(read_candles, runtime, info)
    if candles.empty:
        raise ValidationError(reason=msg.NO_CANDLES.format(symbol=info.symbol,
                                                             timeframe=info.timeframe))
    return candles


async def run_point(runtime: Runtime, user_id: int, info: SweepInfo, params: dict[str, Any],
                    candles: pd.DataFrame) -> BacktestResult:
    """Backtest one point of the sweep in full (trades, equity) in the user's worker."""
    from aristobot.strategies.pool import get_pool

    result = await get_pool(runtime).run_job(
        JOB_FUNCTION, {"code": info.strategy_code, "candles": candles,
                       "params": replace(backtest_params(info), mode="fast"),
                       "strategy_params": params},
        owner=user_id, timeout_s=float(runtime.settings.backtest_max_s))
    if not isinstance(result, BacktestResult):
        raise ValidationError(reason=msg.UNREADABLE_RESULT)
    return result
