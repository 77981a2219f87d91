"""The heatmap of a sweep: the objective over two parameters, one clickable cell per run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from bokeh.models import (
    ColumnDataSource,
    FactorRange,
    HoverTool,
    LinearColorMapper,
    TapTool,
)
from bokeh.models.annotations import ColorBar
from bokeh.palettes import Viridis256
from bokeh.plotting import figure

from aristobot.charts.chart_theme import ChartColors, chart_colors, figure_fill, style_figure

PALETTE = Viridis256  # perceptually uniform, from deep purple to yellow: one palette, two themes


def _luminance(colour: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""
    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    h = colour.lstrip("#")
    return 0.2126 * channel(h[0:2]) + 0.7152 * channel(h[2:4]) + 0.0722 * channel(h[4:6])


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def cell_ink(fill: str, colors: ChartColors) -> str:
    """The theme's text or background colour, whichever reads better on a cell of ``fill``."""
    return max((colors.text, colors.background), key=lambda ink: contrast(ink, fill))


def _fills(values: np.ndarray, low: float, high: float) -> list[str]:
    """The palette colour ``LinearColorMapper`` gives each value."""
    n = len(PALETTE)
    span = high - low
    return [PALETTE[min(n - 1, max(0, int((v - low) / span * n)))] for v in values]


def _label(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def sweep_heatmap(
    runs: pd.DataFrame,
    x: str,
    y: str,
    *,
    value: str = "objective",
    title: str = "",
    theme: str = "dark",
    on_pick: Callable[[int], None] | None = None,
    height: int = 420,
) -> Any:
    """Return a Bokeh figure of ``runs[value]`` by ``x`` (columns) and ``y`` (rows).

    ``runs`` has one row per run with an integer ``run`` column; where several runs share a
    cell (other parameters varied) the best ``value`` is shown. Clicking a cell calls
    ``on_pick(run)`` with that cell's run.
    """
    frame = runs.dropna(subset=[value]) if value in runs else runs.iloc[0:0]
    frame = frame.sort_values(value, ascending=False).drop_duplicates([x, y])
    xs = [_label(v) for v in sorted(runs[x].dropna().unique())]
    ys = [_label(v) for v in sorted(runs[y].dropna().unique())]
    values = frame[value].astype(float).to_numpy()
    low, high = (float(np.min(values)), float(np.max(values))) if len(values) else (0.0, 1.0)
    high = high if high > low else low + 1
    c = chart_colors(theme)
    source = ColumnDataSource({
        "x": [_label(v) for v in frame[x]], "y": [_label(v) for v in frame[y]],
        "value": values, "text": [f"{v:.3g}" for v in values],
        "run": frame["run"].astype(int).tolist(),
        "ink": [cell_ink(fill, c) for fill in _fills(values, low, high)],
    })
    mapper = LinearColorMapper(palette=PALETTE, low=low, high=high)
    fig = figure(x_range=FactorRange(*xs), y_range=FactorRange(*ys), height=height,
                 sizing_mode="stretch_width", title=title, tools="tap,reset,save",
                 toolbar_location="right", x_axis_label=x, y_axis_label=y,
                 **figure_fill(c))
    cells = fig.rect("x", "y", width=1, height=1, source=source, line_color=None,
                     fill_color={"field": "value", "transform": mapper},
                     nonselection_fill_alpha=0.55, selection_line_color=c.down,
                     selection_line_width=3)  # type: ignore[call-arg]
    fig.text("x", "y", text="text", source=source, text_align="center",
             text_baseline="middle", text_font_size="9pt", text_color="ink")
    fig.add_tools(HoverTool(renderers=[cells], tooltips=[(x, "@x"), (y, "@y"),
                                                         (value, "@value{0.000}")]))
    tap = fig.select_one(TapTool)
    if isinstance(tap, TapTool):
        tap.renderers = [cells]
    fig.add_layout(ColorBar(color_mapper=mapper, width=10, background_fill_color=c.background,
                            major_label_text_color=c.muted), "right")
    style_figure(fig, c)
    fig.grid.grid_line_color = None
    if on_pick is not None:
        def picked(_attr: str, _old: list[int], new: list[int]) -> None:
            if new:
                on_pick(int(source.data["run"][new[0]]))

        source.selected.on_change("indices", picked)
    return fig
