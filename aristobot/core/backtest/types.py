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
    check_samples: int = 200  # at most this many bars re-evaluated exactly (0: no check)
    full_check: bool = False  # re-evaluate every bar exactly (on demand, every core)


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
    """Proof that the fast path equals the exact one on sampled bars (see ``lookahead``)."""

    checked_bars: int
    mismatches: tuple[int, ...]  # first bar indices (positions) that differ
    ok: bool  # verified and no difference found
    details: tuple[str, ...] = ()
    verified: bool = True  # False: no check ran (« non vérifié »), whatever ``ok`` says
    #: A divergence touching more than this % of the bars would have been caught (95 %).
    guarantee_pct: float | None = None
    summary: str = ""  # French: what was checked and what it proves
    full: bool = False  # every bar was re-evaluated
    cuts: int = 0  # history cuts of the causality check


@dataclass(frozen=True)
class BacktestResult:
    params: BacktestParams
    trades: tuple[TradeRecord, ...]
    equity: pd.Series  # quote equity per bar, indexed like the candles
    stats: dict[str, Any]
    lookahead: LookaheadReport | None
    cancelled: bool = False
    meta: dict[str, Any] = field(default_factory=dict)
