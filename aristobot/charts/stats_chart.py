"""Bokeh figures of « Statistiques »: the cumulated realised P&L and the P&L per origin."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from bokeh.models import ColumnDataSource, HoverTool
from bokeh.plotting import figure

from aristobot.charts import messages as text
from aristobot.charts.chart_theme import chart_colors, figure_fill, style_figure
from aristobot.core.downsample import bucket_edges

MAX_POINTS = 4000  # drawn points; 100 000 trades keep every extreme


def _reduce(t: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """At most MAX_POINTS points: first, lowest, highest and last of each bucket, in order."""
    if len(y) <= MAX_POINTS:
        return t, y
    edges = bucket_edges(len(y), MAX_POINTS // 4)
    starts, ends = edges[:-1], edges[1:] - 1
    idx_lo = np.array([s + int(np.argmin(y[s:e + 1])) for s, e in zip(starts, ends, strict=True)])
    idx_hi = np.array([s + int(np.argmax(y[s:e + 1])) for s, e in zip(starts, ends, strict=True)])
    keep = np.unique(np.concatenate([starts, ends, idx_lo, idx_hi]))
    return t[keep], y[keep]


def equity_figure(equity: pd.DataFrame, timezone: str, theme: str) -> Any:
    """Cumulated realised P&L over time (the balance's evolution from trading), in the colours
    of ``theme``."""
    c = chart_colors(theme)
    idx = pd.DatetimeIndex(equity["created_at"])
    if timezone and timezone != "UTC" and len(idx):
        idx = idx.tz_convert(timezone)
    t = idx.tz_localize(None).as_unit("ms").asi8.astype(np.float64) if len(idx) else np.array([])
    x, y = _reduce(t, equity["equity"].to_numpy(dtype=np.float64))
    f = figure(x_axis_type="datetime", height=300, sizing_mode="stretch_width",
               title=text.EQUITY_TITLE,
               tools="pan,xwheel_zoom,box_zoom,reset,save", **figure_fill(c))
    src = ColumnDataSource({"t": x, "equity": y})
    f.step("t", "equity", source=src, mode="after", line_color=c.accent, line_width=2)
    if len(x) <= 200:  # few trades: mark each one
        f.scatter("t", "equity", source=src, size=6, color=c.accent)
    f.add_tools(HoverTool(tooltips=text.EQUITY_CURVE_TOOLTIPS,
                          formatters={"@t": "datetime"}, mode="vline"))
    return style_figure(f, c)


def pnl_bars(summary: pd.DataFrame, theme: str) -> Any:
    """Realised P&L per origin (strategy, webhook source, manual), in the colours of ``theme``."""
    c = chart_colors(theme)
    rows = summary[summary[text.ORIGIN_COLUMN] != text.TOTAL_ROW]
    names = [str(n) for n in rows[text.ORIGIN_COLUMN]]
    values = rows[text.PNL_COLUMN].to_numpy(dtype=np.float64)
    f = figure(y_range=names or ["—"], height=max(160, 40 * len(names) + 60),
               sizing_mode="stretch_width", title=text.PNL_TITLE,
               tools="save", **figure_fill(c))
    src = ColumnDataSource({"name": names, "pnl": values,
                            "color": [c.up if v >= 0 else c.down for v in values]})
    f.hbar(y="name", right="pnl", height=0.6, color="color", source=src)
    f.add_tools(HoverTool(tooltips=text.PNL_TOOLTIPS))
    return style_figure(f, c)
