"""Semantics S1-S6 on hand-built candles, each checked on the fast AND the exact path."""

from __future__ import annotations

import math

import pytest

from aristobot.core.strategy_api import Strategy
from tests.unit.backtest.support import (
    LONG,
    SHORT,
    Scripted,
    candles_from,
    flat_bar,
    run_both,
    scripted,
)

NO_COSTS = {"fee_rate": 0.0, "slippage": 0.0}


def test_s1_decides_at_the_close_and_fills_at_that_close() -> None:
    rows = [flat_bar(100), flat_bar(100), flat_bar(100),
            (100, 101, 99.5, 101, LONG), (101, 102.5, 100.5, 102, SHORT), flat_bar(102)]
    result = run_both(candles_from(rows), scripted(size=1000.0), **NO_COSTS)
    (trade,) = result.trades
    assert (trade.entry_bar, trade.entry_price) == (3, 101.0)
    assert (trade.exit_bar, trade.exit_price, trade.exit_reason) == (4, 102.0, "signal")
    assert trade.entry_time == result.equity.index[3]
    assert trade.quantity == pytest.approx(1000 / 101)
    assert trade.pnl == pytest.approx(1000 / 101 * 1.0)


class SeesItsWindow(Strategy):
    """Enters when it sees exactly 2 candles, exits when it sees 3 (window = 3)."""

    def should_long(self) -> bool:
        return len(self.candles) == 2

    def should_short(self) -> bool:
        return len(self.candles) == 3

    def calculate_position_size(self) -> float:
        return 100.0


def test_s1_the_strategy_sees_only_the_trailing_window() -> None:
    rows = [flat_bar(100 + i) for i in range(8)]
    result = run_both(candles_from(rows), SeesItsWindow, window=3, **NO_COSTS)
    (trade,) = result.trades
    assert (trade.entry_bar, trade.exit_bar, trade.exit_reason) == (1, 2, "signal")


def test_s2_stops_are_checked_from_the_bar_after_entry_before_the_close() -> None:
    rows = [flat_bar(100),
            (100, 100.5, 97, 100, LONG),  # the entry bar's own low is below the stop: ignored
            (100, 100.5, 99, 100, 0),
            (99, 99.5, 97.5, 99, SHORT),  # stop reached intrabar: it wins over the close's exit
            flat_bar(100)]
    (trade,) = run_both(candles_from(rows), scripted(), **NO_COSTS).trades
    assert (trade.entry_bar, trade.exit_bar) == (1, 3)
    assert trade.stop_loss == pytest.approx(98.0) and trade.take_profit == pytest.approx(104.0)
    assert (trade.exit_price, trade.exit_reason) == (pytest.approx(98.0), "stop_loss")


def test_s3_stop_loss_wins_when_one_bar_reaches_both() -> None:
    rows = [flat_bar(100), (100, 100.5, 99.5, 100, LONG), (100, 105, 97, 101, 0), flat_bar(101)]
    (trade,) = run_both(candles_from(rows), scripted(), **NO_COSTS).trades
    assert (trade.exit_bar, trade.exit_reason) == (2, "stop_loss")
    assert trade.exit_price == pytest.approx(98.0)


@pytest.mark.parametrize(
    ("bar", "price", "reason"),
    [
        ((95, 96, 94, 95.5, 0), 95.0, "stop_loss"),  # gap below the stop: the open
        ((106, 107, 105, 106, 0), 106.0, "take_profit"),  # gap above the target: the open
        ((100, 104.5, 99.5, 101, 0), 104.0, "take_profit"),  # reached intrabar: its price
        ((99, 99.5, 97.9, 99, 0), 98.0, "stop_loss"),
    ],
)
def test_s4_a_stop_fills_at_its_price_or_at_a_gapping_open(
    bar: tuple[float, float, float, float, float], price: float, reason: str
) -> None:
    rows = [flat_bar(100), (100, 100.5, 99.5, 100, LONG), bar, flat_bar(100)]
    (trade,) = run_both(candles_from(rows), scripted(), **NO_COSTS).trades
    assert (trade.exit_bar, trade.exit_reason) == (2, reason)
    assert trade.exit_price == pytest.approx(price)


def test_s5_after_a_stop_an_entry_signal_re_enters_at_that_close() -> None:
    rows = [flat_bar(100), (100, 100.5, 99.5, 100, LONG), (99, 99.5, 97, 97.5, LONG),
            flat_bar(97.5), flat_bar(97.5)]
    first, second = run_both(candles_from(rows), scripted(), **NO_COSTS).trades
    assert (first.exit_bar, first.exit_reason) == (2, "stop_loss")
    assert (second.entry_bar, second.entry_price) == (2, 97.5)
    assert (second.exit_reason, second.exit_time, second.exit_bar) == ("end", None, 4)


def test_s5_after_a_signal_exit_the_next_entry_is_on_a_later_bar() -> None:
    rows = [flat_bar(100), (100, 100.5, 99.5, 100, LONG), (100, 100.5, 99.5, 100.2, SHORT),
            (100.2, 100.5, 99.9, 100.1, LONG), flat_bar(100.1)]
    first, second = run_both(candles_from(rows), scripted(), **NO_COSTS).trades
    assert (first.entry_bar, first.exit_bar, first.exit_reason) == (1, 2, "signal")
    assert (second.entry_bar, second.entry_price) == (3, 100.1)


def test_s6_size_fees_slippage_cap_and_open_position_at_the_end() -> None:
    rows = [flat_bar(100), (100, 100.5, 99.5, 100, LONG), (100, 100.5, 99.5, 100, SHORT),
            (100, 100.5, 99.5, 100, LONG), flat_bar(101), flat_bar(102)]
    fee, slip = 0.001, 0.01
    result = run_both(candles_from(rows), scripted(size=1e9, stop_loss=0.0, take_profit=0.0),
                      initial_amount=10_000.0, fee_rate=fee, slippage=slip)
    first, last = result.trades
    # The size is capped by the balance, entry fee included.
    notional = 10_000 / (1 + fee)
    assert first.entry_price == pytest.approx(100 * (1 + slip))
    assert first.quantity == pytest.approx(notional / first.entry_price)
    assert first.exit_price == pytest.approx(100 * (1 - slip))
    proceeds = first.quantity * first.exit_price
    assert first.fees == pytest.approx(notional * fee + proceeds * fee)
    assert first.pnl == pytest.approx(proceeds * (1 - fee) - 10_000)
    assert first.balance_after == pytest.approx(proceeds * (1 - fee))
    assert first.pnl_pct == pytest.approx(first.pnl / notional)
    assert (first.stop_loss, first.take_profit) == (None, None)
    # Still open at the end: a trade marked to the last close, without an exit fee.
    assert (last.exit_reason, last.exit_time, last.exit_bar) == ("end", None, 5)
    assert last.exit_price == 102.0
    assert last.balance_after == pytest.approx(result.equity.iloc[-1])
    assert result.stats["final_balance"] == pytest.approx(last.balance_after)
    # Equity is marked to each close.
    cash = first.balance_after - last.quantity * last.entry_price - last.fees
    assert result.equity.iloc[4] == pytest.approx(cash + last.quantity * 101.0)
    assert result.equity.iloc[0] == 10_000.0


def test_sizes_out_of_range_place_no_order_and_are_reported() -> None:
    rows = [flat_bar(100), (100, 100.5, 99.5, 100, LONG), flat_bar(100)]
    result = run_both(candles_from(rows), scripted(size=-5.0), **NO_COSTS)
    assert result.trades == ()
    assert result.meta["errors"] == 1 and result.meta["first_error"][0] == 1
    assert run_both(candles_from(rows), scripted(size=0.0), **NO_COSTS).trades == ()
    assert result.meta["valid_decisions"] == 0  # every decision failed: the page says so


def test_valid_decisions_tell_some_errors_from_all_errors() -> None:
    # An entry, a signal exit, then an entry whose stop loss is refused (only from bar 4 on).
    class StopTooWideLater(Scripted):
        def calculate_stop_loss(self) -> float:
            return 5.0 if len(self.candles) > 4 else 0.02

    rows = [flat_bar(100), (100, 100.5, 99.5, 100, LONG), (100, 100.5, 99.5, 100, SHORT),
            flat_bar(100), (100, 100.5, 99.5, 100, LONG), flat_bar(100)]
    result = run_both(candles_from(rows), StopTooWideLater, **NO_COSTS)
    assert len(result.trades) == 1
    assert result.meta["errors"] == 1 and result.meta["first_error"][0] == 4
    assert result.meta["valid_decisions"] == 2


def test_no_trade_keeps_the_initial_balance() -> None:
    rows = [flat_bar(100 + i) for i in range(5)]
    result = run_both(candles_from(rows), Strategy, initial_amount=500.0)
    assert result.trades == ()
    assert result.stats["final_balance"] == 500.0
    assert result.stats["trades"] == 0 and result.stats["win_rate_pct"] is None
    assert math.isclose(result.stats["buy_hold_return_pct"], 4.0)
