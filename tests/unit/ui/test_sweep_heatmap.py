"""The sweep heatmap paints itself with the theme's tokens and keeps its cell text readable."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from bokeh.models import GlyphRenderer

from aristobot.charts.chart_theme import chart_colors
from aristobot.charts.sweep_heatmap import PALETTE, _fills, contrast, sweep_heatmap
from tests.support.chart_colours import NEON, colours_of


def _runs() -> pd.DataFrame:
    rows = [{"run": n, "fast": f, "slow": s, "objective": float(f * s - 20)}
            for n, (f, s) in enumerate((f, s) for f in (2, 4, 6) for s in (5, 10, 15))]
    return pd.DataFrame(rows)


def _glyph(fig: Any, kind: str) -> Any:
    return next(r for r in fig.select(GlyphRenderer) if type(r.glyph).__name__ == kind)


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_heatmap_takes_the_theme_tokens(theme: str) -> None:
    c = chart_colors(theme)
    fig = sweep_heatmap(_runs(), "fast", "slow", theme=theme)
    assert fig.background_fill_color == c.background == fig.border_fill_color
    assert _glyph(fig, "Rect").selection_glyph.line_color == c.down
    assert fig.xaxis[0].major_label_text_color == c.muted
    if theme == "light":
        used = colours_of(fig)
        assert used.isdisjoint(NEON), used & NEON


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_cell_text_contrasts_with_its_cell(theme: str) -> None:
    fig = sweep_heatmap(_runs(), "fast", "slow", theme=theme)
    text = _glyph(fig, "Text")
    data = text.data_source.data
    values = list(data["value"])
    fills = _fills(values, min(values), max(values))
    assert fills[0] != fills[-1] and {PALETTE[0], PALETTE[-1]} & set(fills)
    for fill, ink in zip(fills, data[text.glyph.text_color], strict=True):
        assert contrast(fill, ink) >= 4.5, (fill, ink)
