"""Backtest inputs and outputs (pure data; the contract between simulator, store, chart, page)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

#: Binance spot taker fee (0.1 %), the default fee.
BINANCE_SPOT_TAKER_FEE = 0.001


@dataclass(frozen=True, slots=True)
class BacktestParams:
    initial_amount: float = 10_000.0  # quote currency
    fee_rate: float = BINANCE_SPOT_TAKER_FEE  # fraction of traded notional, per side
    slippage: float = 0.0  # fraction of price, against the trader, per fill
    window: int = 500  # candles a strategy sees per decision (as live)
    mode: str = "fast"  # "fast" (checked against exact on a sample) | "exact"
    check_samples: int = 200  # bars re-evaluated exactly to prove the fast path


@dataclass(frozen=True, slots=True)
class TradeRecord:
    entry_time: datetime
    exit_time: datetime | None  # None: still open at the end (marked to the last close)
    side: str  # "long"
    entry_price: float
    exit_price: float  # last close when still open
    quantity: float  # base units
    fees: float  # quote, both sides
    pnl: float  # quote, net of fees
    pnl_pct: float  # pnl / entry notional
    exit_reason: str  # "signal" | "stop_loss" | "take_profit" | "end"
    stop_loss: float | None  # absolute price levels
    take_profit: float | None
    balance_after: float
    entry_bar: int
    exit_bar: int


@dataclass(frozen=True, slots=True)
class LookaheadReport:
    """Proof that the fast path equals the exact one on sampled bars."""

    checked_bars: int
    mismatches: tuple[int, ...]  # first bar indices (positions) that differ
    ok: bool
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class BacktestResult:
    params: BacktestParams
    trades: tuple[TradeRecord, ...]
    equity: pd.Series  # quote equity per bar, indexed like the candles
    stats: dict[str, Any]
    lookahead: LookaheadReport | None
    cancelled: bool = False
    meta: dict[str, Any] = field(default_factory=dict)
