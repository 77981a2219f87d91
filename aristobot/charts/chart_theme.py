"""The colours of every Bokeh chart, taken from the active theme's tokens.

Charts never hard-code a colour: ``chart_colors(theme)`` maps the dashboard palette
(aristobot.ui.theme) to what a figure needs, so the dark theme keeps its neon accents on navy and
the light theme draws deep accents on white, readable in both. ``style_figure`` paints a figure's
background, axes, grid, title and legend with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bokeh.models import (
    BasicTickFormatter,
    DatetimeAxis,
    DatetimeTickFormatter,
    LinearAxis,
    NumeralTickFormatter,
)

from aristobot.core.palette import palette

#: How a datetime axis writes its ticks at every scale, the French way (day before month,
#: 24-hour clock). Bokeh's defaults read « 133000us », « 250ms » or « 05/03 » (month first)
#: when a chart spans a short time, e.g. a single trade.
FRENCH_DATETIME_TICKS = {
    "microseconds": "%H:%M:%S.%3N", "milliseconds": "%H:%M:%S.%3N", "seconds": "%H:%M:%S",
    "minsec": "%H:%M:%S", "minutes": "%H:%M", "hourmin": "%H:%M", "hours": "%H:%M",
    "days": "%d/%m", "months": "%m/%Y", "years": "%Y",
}


def datetime_ticks() -> DatetimeTickFormatter:
    """A tick formatter for datetime axes, French-readable at every scale."""
    return DatetimeTickFormatter(**FRENCH_DATETIME_TICKS)


@dataclass(frozen=True, slots=True)
class ChartColors:
    """What a chart draws with, in one theme."""

    up: str  # rising candle, winning trade, take profit, positive P&L
    down: str  # falling candle, losing trade, stop loss, drawdown, negative P&L
    accent: str  # the main line (equity)
    text: str  # titles, legend labels
    muted: str  # axis labels and ticks
    background: str  # plot area and border (the card's surface)
    grid: str
    marker_line: str  # the outline that separates a marker from the candles behind it


def chart_colors(theme: str) -> ChartColors:
    """Return the chart colours of ``theme`` (« dark », anything else is the light theme)."""
    p = palette(theme)
    return ChartColors(up=p.ok, down=p.danger, accent=p.accent, text=p.text, muted=p.muted,
                       background=p.surface, grid=p.surface_alt, marker_line=p.surface)


def figure_fill(colors: ChartColors) -> dict[str, Any]:
    """Keyword arguments of ``bokeh.plotting.figure`` for the theme's background."""
    return {"background_fill_color": colors.background, "border_fill_color": colors.background,
            "outline_line_color": colors.grid}


def number_ticks() -> NumeralTickFormatter:
    """A tick formatter for numeric axes in the French format (« 10 000,5 »)."""
    return NumeralTickFormatter(format="0,0.[00]", language="fr")


def style_figure(f: Any, colors: ChartColors) -> Any:
    """Paint ``f``'s axes, grid, title and legend (if any) with ``colors``, give its datetime
    and numeric axes French ticks; return ``f``."""
    f.toolbar.logo = None
    for axis in (*f.xaxis, *f.yaxis):
        if isinstance(axis, DatetimeAxis):
            axis.formatter = datetime_ticks()
        elif isinstance(axis, LinearAxis) and type(axis.formatter) is BasicTickFormatter:
            plain: Any = axis  # Bokeh's default formatter, replaced by the French one
            plain.formatter = number_ticks()
        axis.major_label_text_color = colors.muted
        axis.axis_label_text_color = colors.muted
        axis.axis_line_color = colors.grid
        axis.major_tick_line_color = colors.grid
        axis.minor_tick_line_color = colors.grid
    f.grid.grid_line_color = colors.grid
    if f.title is not None and not isinstance(f.title, str):
        f.title.text_color = colors.text
    for legend in f.legend:
        legend.background_fill_color = colors.background
        legend.background_fill_alpha = 0.75
        legend.label_text_color = colors.text
        legend.border_line_color = colors.grid
    return f
