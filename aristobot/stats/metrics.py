"""Trading statistics from a frame of trades: pure pandas/numpy, no per-row Python.

Input columns (one row per ``trades`` row of one user): ``created_at`` (UTC), ``origin``
(« Manuel », « Stratégie : X », « Webhook : Y »), ``broker_id``, ``symbol``, ``side``,
``status``, ``filled`` (base quantity), ``price`` (average fill price), ``fee``,
``fee_currency``, ``profit_loss`` (when the engine recorded it), ``base``, ``quote``.

Conventions (shown on the page):
- only executed quantities count (``filled`` > 0);
- fees are converted to the quote currency (a fee in the base asset × the fill price; a fee
  in a third asset, e.g. BNB, is left out and counted in ``fees_other``);
- realised P&L of a sale = quantity × (sale price − weighted average of the purchase prices so
  far); every trade's fee is subtracted when it is paid (a purchase's P&L is −fee); computed
  separately for each origin, broker and symbol (each strategy, webhook
  source and manual trading is its own book). A recorded ``profit_loss`` wins.
- a « winning » trade is a sale with a positive realised P&L; the win rate counts sales only;
- max drawdown = largest fall of the cumulated realised P&L from its previous peak.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from aristobot.stats.messages import (
    FEES,
    MAX_DRAWDOWN,
    ORIGIN,
    REALISED_PNL,
    SELLS,
    TOTAL,
    TRADES,
    WIN_RATE,
    WINS,
)

SUMMARY_COLUMNS = [ORIGIN, TRADES, SELLS, WINS, WIN_RATE,
                   REALISED_PNL, FEES, MAX_DRAWDOWN]
_BOOK = ["origin", "broker_id", "symbol"]


@dataclass(frozen=True, slots=True)
class Stats:
    trades: pd.DataFrame  # the input, executed rows only, with pnl and fee_quote
    equity: pd.DataFrame  # created_at, equity (cumulated realised P&L, all origins)
    summary: pd.DataFrame  # one row per origin (SUMMARY_COLUMNS) plus « Total »


def _fees_in_quote(t: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    fee = t["fee"].fillna(0.0)
    cur = t["fee_currency"].fillna("")
    in_quote = np.where(cur == t["quote"], fee, 0.0)
    in_base = np.where(cur == t["base"], fee * t["price"], 0.0)
    other = np.where((cur != t["quote"]) & (cur != t["base"]) & (cur != ""), fee, 0.0)
    return pd.Series(in_quote + in_base, index=t.index), pd.Series(other, index=t.index)


def realised_pnl(t: pd.DataFrame) -> pd.Series:
    """P&L of each sale against the running average purchase price of its book."""
    buy = t["side"] == "buy"
    cost = (t["filled"] * t["price"]).where(buy, 0.0)
    qty = t["filled"].where(buy, 0.0)
    keys = [t[k].fillna(-1) if k == "broker_id" else t[k] for k in _BOOK]
    avg = (cost.groupby(keys).cumsum()
           / qty.groupby(keys).cumsum().replace(0.0, np.nan))
    pnl = (t["filled"] * (t["price"] - avg)).where(~buy, 0.0).fillna(0.0)
    recorded = t["profit_loss"]
    return recorded.where(recorded.notna(), pnl - t["fee_quote"])


def max_drawdown(pnl: pd.Series) -> float:
    """Largest fall of the cumulated P&L from a previous peak (a positive number)."""
    if pnl.empty:
        return 0.0
    curve = np.concatenate([[0.0], pnl.cumsum().to_numpy()])
    return float(np.max(np.maximum.accumulate(curve) - curve))


def _summary(t: pd.DataFrame) -> pd.DataFrame:
    sells = t["side"] == "sell"
    grouped = t.assign(sell=sells, win=sells & (t["pnl"] > 0)).groupby("origin", sort=True)
    out = pd.DataFrame({
        TRADES: grouped.size(),
        SELLS: grouped["sell"].sum(),
        WINS: grouped["win"].sum(),
        REALISED_PNL: grouped["pnl"].sum(),
        FEES: grouped["fee_quote"].sum(),
        MAX_DRAWDOWN: grouped["pnl"].apply(max_drawdown),
    })
    total = pd.DataFrame({TRADES: [len(t)], SELLS: [int(sells.sum())],
                          WINS: [int((sells & (t["pnl"] > 0)).sum())],
                          REALISED_PNL: [t["pnl"].sum()], FEES: [t["fee_quote"].sum()],
                          MAX_DRAWDOWN: [max_drawdown(t["pnl"])]}, index=[TOTAL])
    out = pd.concat([out, total]) if len(t) else total
    rate = (100.0 * out[WINS] / out[SELLS].replace(0, np.nan)).round(2)
    out.insert(3, WIN_RATE, rate)
    out = out.rename_axis(ORIGIN).reset_index()
    return out[SUMMARY_COLUMNS]


def compute_stats(trades: pd.DataFrame) -> Stats:
    """Statistics of a user's trades (already filtered by broker and dates)."""
    t = trades[trades["filled"].fillna(0.0) > 0].sort_values("created_at", kind="stable")
    t = t.reset_index(drop=True)
    fee_quote, fee_other = _fees_in_quote(t)
    t = t.assign(fee_quote=fee_quote, fees_other=fee_other)
    t = t.assign(pnl=realised_pnl(t))
    equity = pd.DataFrame({"created_at": t["created_at"], "equity": t["pnl"].cumsum()})
    return Stats(t, equity, _summary(t))
