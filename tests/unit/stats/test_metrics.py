"""Statistics against values computed by hand (see the comments)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from aristobot.stats.metrics import compute_stats, max_drawdown

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _frame(rows: list[tuple[object, ...]]) -> pd.DataFrame:
    cols = ["origin", "broker_id", "symbol", "side", "filled", "price", "fee", "fee_currency",
            "profit_loss"]
    df = pd.DataFrame(rows, columns=cols)
    df["created_at"] = [T0 + timedelta(hours=i) for i in range(len(df))]
    df["status"] = np.where(df["filled"] > 0, "filled", "rejected")
    df["base"] = df["symbol"].str.split("/").str[0]
    df["quote"] = df["symbol"].str.split("/").str[1]
    for c in ("filled", "price", "fee", "profit_loss"):
        df[c] = df[c].astype("float64")
    return df


def test_hand_computed_statistics() -> None:
    stats = compute_stats(_frame([
        ("Manuel", 1, "BTC/USDT", "buy", 1, 100, 0.1, "USDT", None),     # pnl -0.1
        ("Manuel", 1, "BTC/USDT", "buy", 1, 200, 0.001, "BTC", None),    # fee 0.2 USDT: -0.2
        ("Manuel", 1, "BTC/USDT", "sell", 1, 250, 0.25, "USDT", None),   # avg 150: +100-0.25
        ("Manuel", 1, "BTC/USDT", "sell", 0.5, 100, 0, "USDT", None),    # 0.5*(100-150) = -25
        ("Webhook : TV", 1, "ETH/USDT", "buy", 2, 10, 0.02, "BNB", None),  # BNB fee: left out
        ("Webhook : TV", 1, "ETH/USDT", "sell", 2, 9, None, None, None),   # 2*(9-10) = -2
        ("Stratégie : X", 1, "SOL/USDT", "sell", 1, 50, 0, "USDT", 5),     # recorded P&L 5
        ("Manuel", 1, "BTC/USDT", "buy", 0, 100, None, None, None),        # rejected: ignored
    ]))
    s = stats.summary.set_index("Origine")
    manual = s.loc["Manuel"]
    assert manual["Trades"] == 4 and manual["Ventes"] == 2 and manual["Gagnantes"] == 1
    assert manual["Taux de réussite (%)"] == 50.0
    assert manual["P&L réalisé"] == pytest.approx(74.45)  # 100 - 25 - 0.55
    assert manual["Frais"] == pytest.approx(0.55)
    assert manual["Drawdown max"] == pytest.approx(25.0)  # 99.45 → 74.45
    tv = s.loc["Webhook : TV"]
    assert (tv["Trades"], tv["Gagnantes"], tv["Taux de réussite (%)"]) == (2, 0, 0.0)
    assert tv["P&L réalisé"] == pytest.approx(-2) and tv["Frais"] == 0
    assert tv["Drawdown max"] == pytest.approx(2)
    assert stats.trades["fees_other"].sum() == pytest.approx(0.02)
    strat = s.loc["Stratégie : X"]
    assert strat["P&L réalisé"] == 5 and strat["Taux de réussite (%)"] == 100.0
    total = s.loc["Total"]
    assert total["Trades"] == 7 and total["Ventes"] == 4 and total["Gagnantes"] == 2
    assert total["P&L réalisé"] == pytest.approx(77.45)
    # cumulated: -0.1 -0.3 99.45 74.45 74.45 72.45 77.45 → largest fall 99.45 - 72.45
    assert total["Drawdown max"] == pytest.approx(27.0)
    assert stats.equity["equity"].iloc[-1] == pytest.approx(77.45)
    assert list(stats.summary["Origine"]) == ["Manuel", "Stratégie : X", "Webhook : TV",
                                              "Total"]


def test_books_are_separate_per_origin_and_empty_input() -> None:
    stats = compute_stats(_frame([
        ("Manuel", 1, "BTC/USDT", "buy", 1, 100, 0, "USDT", None),
        ("Webhook : A", 1, "BTC/USDT", "buy", 1, 300, 0, "USDT", None),
        ("Manuel", 1, "BTC/USDT", "sell", 1, 200, 0, "USDT", None),  # manual avg 100: +100
    ]))
    assert stats.summary.set_index("Origine").loc["Manuel", "P&L réalisé"] == 100
    empty = compute_stats(_frame([]))
    assert list(empty.summary["Origine"]) == ["Total"] and empty.summary["Trades"][0] == 0
    assert max_drawdown(pd.Series([1.0, -3.0, 1.0, -2.0])) == 4.0
    assert max_drawdown(pd.Series([], dtype=float)) == 0.0
