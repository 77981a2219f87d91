"""Every chart takes its colours from the active theme: no neon on white in the light theme."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from bokeh.models import DatetimeAxis, DatetimeTickFormatter, LinearAxis, NumeralTickFormatter

from aristobot.backtest.synthetic import synthetic_candles
from aristobot.charts.backtest_chart import backtest_chart
from aristobot.charts.chart_theme import FRENCH_DATETIME_TICKS, chart_colors
from aristobot.charts.stats_chart import equity_figure, pnl_bars
from aristobot.core.palette import DARK, LIGHT, NEON_CYAN, NEON_GREEN, palette
from tests.support.chart_colours import NEON, colours_of


def _charts(theme: str) -> list[Any]:
    c = synthetic_candles(120, seed=5)
    eq = pd.Series(np.linspace(10_000, 9_500, 120), index=c.index)
    trades = pd.DataFrame([{
        "entry_time": c.index[n], "exit_time": c.index[n + 10], "side": "long",
        "entry_price": 100.0, "exit_price": 101.0, "quantity": 1.0, "fees": 0.1, "pnl": pnl,
        "pnl_pct": 0.01, "exit_reason": "signal", "stop_loss": 98.0, "take_profit": 104.0,
        "balance_after": 10_000.0} for n, pnl in ((5, 1.0), (40, -1.0))])
    equity = pd.DataFrame({"created_at": pd.to_datetime(c.index[:3], utc=True),
                           "equity": [1.0, -2.0, 3.0]})
    summary = pd.DataFrame({"Origine": ["Manuel", "Bot", "Total"],
                            "P&L réalisé": [5.0, -3.0, 2.0]})
    return [backtest_chart(c, trades, eq, theme=theme, live_zoom=False),
            equity_figure(equity, "Europe/Paris", theme), pnl_bars(summary, theme)]


def test_light_charts_use_no_neon_and_only_light_tokens() -> None:
    for chart in _charts("light"):
        used = colours_of(chart)
        assert used.isdisjoint(NEON), used & NEON
    colours = chart_colors("light")
    assert colours.up == LIGHT.ok and colours.down == LIGHT.danger
    assert colours.background == LIGHT.surface


def test_dark_charts_keep_the_neon_accents() -> None:
    used = set().union(*(colours_of(ch) for ch in _charts("dark")))
    assert {NEON_GREEN.lower(), NEON_CYAN.lower()} <= used
    assert DARK.surface.lower() in used  # the card's navy, not Bokeh's white


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_chart_colours_are_the_theme_tokens(theme: str) -> None:
    p, c = palette(theme), chart_colors(theme)
    assert (c.up, c.down, c.accent, c.text, c.muted) == (p.ok, p.danger, p.accent, p.text,
                                                          p.muted)


def test_datetime_axes_read_french_at_every_scale() -> None:
    # A chart of a single trade spans microseconds: Bokeh's default ticks read « 133000us ».
    one = pd.DataFrame({"created_at": pd.to_datetime(["2026-03-05 10:00:00.133"], utc=True),
                        "equity": [1.0]})
    axes = [a for f in (equity_figure(one, "UTC", "light"),) for a in f.xaxis]
    c = synthetic_candles(3, seed=1)
    layout = backtest_chart(c, pd.DataFrame(), pd.Series([1.0, 1.0, 1.0], index=c.index),
                            theme="dark", live_zoom=False)
    axes += list(layout.select({"type": DatetimeAxis}))
    assert len(axes) >= 5
    for axis in axes:
        assert isinstance(axis.formatter, DatetimeTickFormatter)
        formats = [getattr(axis.formatter, k) for k in FRENCH_DATETIME_TICKS]
        assert formats == list(FRENCH_DATETIME_TICKS.values())
        assert not any(f.endswith(("us", "ms", "s")) for f in formats)
    assert FRENCH_DATETIME_TICKS["days"] == "%d/%m"  # day first


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_numeric_axes_read_french(theme: str) -> None:
    # Prices and amounts on the axes follow the dashboard's rule: « 10 000,5 », not « 10000.5 ».
    axes = [a for chart in _charts(theme) for a in chart.select({"type": LinearAxis})
            if not isinstance(a, DatetimeAxis)]
    assert axes
    for axis in axes:
        assert isinstance(axis.formatter, NumeralTickFormatter)
        assert (axis.formatter.language, axis.formatter.format) == ("fr", "0,0.[00]")
