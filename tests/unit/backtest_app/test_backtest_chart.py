from __future__ import annotations

import numpy as np
import pandas as pd
from bokeh.document import Document
from bokeh.embed import json_item
from bokeh.models import ColumnDataSource, HoverTool
from bokeh.plotting import figure

from aristobot.backtest.synthetic import synthetic_candles
from aristobot.charts.backtest_chart import BacktestChart, backtest_chart
from aristobot.charts.chart_theme import chart_colors
from aristobot.core.backtest.types import TradeRecord


def _trade(candles: pd.DataFrame, e: int, x: int | None, pnl: float) -> TradeRecord:
    px = float(candles.close.iloc[e])
    return TradeRecord(
        entry_time=candles.index[e].to_pydatetime(),
        exit_time=None if x is None else candles.index[x].to_pydatetime(),
        side="long", entry_price=px,
        exit_price=float(candles.close.iloc[-1 if x is None else x]), quantity=0.1, fees=1.0,
        pnl=pnl, pnl_pct=pnl / (px * 0.1), exit_reason="end" if x is None else "take_profit",
        stop_loss=px * 0.98, take_profit=px * 1.04, balance_after=10_000 + pnl, entry_bar=e,
        exit_bar=len(candles) - 1 if x is None else x,
    )


def _figures(chart: BacktestChart) -> list:
    return [child[0] for child in chart.layout.children]


def test_small_chart_draws_every_candle_and_all_trades() -> None:
    c = synthetic_candles(300, seed=1)
    eq = pd.Series(np.linspace(10_000, 10_500, 300), index=c.index)
    chart = BacktestChart(c, [_trade(c, 10, 50, 20.0), _trade(c, 200, None, -5.0)], eq)
    assert len(chart.candle_src.data["t"]) == 300
    data = chart.trade_src.data
    dark = chart_colors("dark")
    assert list(data["color"]) == [dark.up, dark.down]
    assert data["exit_t"][1] == chart.t[-1]  # still-open trade drawn up to the last candle
    assert list(data["reason"]) == ["take profit", "fin (position ouverte)"]
    figs = _figures(chart)
    assert len(figs) == 4
    assert all(f.x_range is figs[0].x_range for f in figs)  # linked pan/zoom
    hovers = [t for f in figs for t in f.tools if isinstance(t, HoverTool)]
    assert any("datetime" in h.formatters.values() for h in hovers)
    Document().add_root(chart.layout)  # a valid Bokeh document
    json_item(chart.layout)


def test_year_of_minutes_is_drawn_within_the_budget_and_zoom_redraws() -> None:
    c = synthetic_candles(525_600, seed=2)
    eq = pd.Series(10_000 + np.arange(len(c)) * 0.01, index=c.index)
    chart = BacktestChart(c, [], eq, max_bars=1000)
    drawn = chart.candle_src.data
    assert len(drawn["t"]) <= 1000
    assert drawn["high"].max() == c.high.max() and drawn["low"].min() == c.low.min()
    assert len(chart.equity_src.data["t"]) <= 2 * 1000 + 1000 + 4
    x0, x1 = chart.t[100_000], chart.t[100_300]
    chart.refresh(x0, x1)
    zoomed = chart.candle_src.data
    # Zoomed on 300 candles (plus one screen of margin each side): full detail, no merging.
    assert len(zoomed["t"]) == 900
    assert np.array_equal(zoomed["close"], c.close.to_numpy()[99_700:100_600])


def test_display_timezone_shifts_the_axis_only() -> None:
    c = synthetic_candles(10, seed=3)
    utc = BacktestChart(c, [], None)
    paris = BacktestChart(c, [], None, timezone="Europe/Paris")
    assert paris.t[0] - utc.t[0] == 3_600_000  # January: UTC+1
    assert np.array_equal(paris.candle_src.data["close"], utc.candle_src.data["close"])


def test_function_accepts_a_trades_frame_and_no_trades() -> None:
    from dataclasses import asdict

    c = synthetic_candles(50, seed=4)
    trade = _trade(c, 5, 9, 3.0)
    light = backtest_chart(c, pd.DataFrame([asdict(trade)]), None, theme="light",
                           live_zoom=False)
    (trades,) = [s for s in light.select({"type": ColumnDataSource}) if "entry_t" in s.data]
    assert list(trades.data["entry_price"]) == [trade.entry_price]
    assert list(trades.data["exit_price"]) == [trade.exit_price]
    assert list(trades.data["reason"]) == ["take profit"]
    assert list(trades.data["color"]) == [chart_colors("light").up]
    (candles,) = [s for s in light.select({"type": ColumnDataSource}) if "open" in s.data]
    assert np.array_equal(candles.data["close"], c.close.to_numpy())
    figures = list(light.select({"type": figure}))
    assert len(figures) == 4
    assert not any(f._event_callbacks for f in figures)  # no server to redraw on zoom

    empty = backtest_chart(c, pd.DataFrame(), None)
    (none,) = [s for s in empty.select({"type": ColumnDataSource}) if "entry_t" in s.data]
    assert len(none.data["entry_t"]) == 0
    dark = list(empty.select({"type": figure}))
    dark_bg = {f.background_fill_color for f in dark}
    assert len(dark_bg) == 1 and dark_bg.isdisjoint(f.background_fill_color for f in figures)
    assert any(f._event_callbacks for f in dark)  # live zoom by default
