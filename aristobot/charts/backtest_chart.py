"""The interactive backtest chart (Bokeh): candles + volume, trades, SL/TP, equity, drawdown.

``backtest_chart(candles, trades, equity)`` returns a Bokeh layout usable as is in a notebook
(``bokeh.io.show`` or ``pn.pane.Bokeh``) and in the dashboard. The four panels share the x
axis (linked pan/zoom). Only the *display* is downsampled: at most ``max_bars`` merged candles
and a min/max-preserving equity curve are drawn for the visible window; when the chart lives in
a server session (Panel page, Jupyter with Panel) each zoom/pan redraws the visible window at
full detail up to that budget, so a year of 1m candles stays responsive.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, is_dataclass
from typing import Any, ParamSpec

import numpy as np
import pandas as pd
from bokeh.events import RangesUpdate
from bokeh.layouts import gridplot
from bokeh.models import ColumnDataSource, DataRange1d, HoverTool, LayoutDOM, Range1d
from bokeh.plotting import figure

from aristobot.charts import messages as text
from aristobot.charts.chart_theme import ChartColors, chart_colors, figure_fill, style_figure
from aristobot.core.downsample import aggregate_ohlcv, minmax_indices

_TOOLS = "xpan,xwheel_zoom,box_zoom,reset,save"
P = ParamSpec("P")


class BacktestChart:
    """Holds the full series and redraws the visible window on zoom/pan."""

    def __init__(
        self,
        candles: pd.DataFrame,
        trades: Sequence[Any] | pd.DataFrame = (),
        equity: pd.Series | None = None,
        *,
        max_bars: int = 1500,
        theme: str = "dark",
        timezone: str = "UTC",
        title: str = "",
        width: int | None = None,
        live_zoom: bool = True,
    ) -> None:
        """``live_zoom=False`` for standalone HTML (no Python server to redraw on zoom)."""
        self._live_zoom = live_zoom
        self.max_bars = max(10, max_bars)
        self._tz = timezone
        self.colors = chart_colors(theme)
        self.t = _display_ms(candles.index, timezone)
        self.ohlcv = [candles[c].to_numpy(np.float64) for c in ("open", "high", "low", "close",
                                                               "volume")]
        self.bar_ms = float(np.median(np.diff(self.t))) if len(self.t) > 1 else 60_000.0
        eq = equity if equity is not None and len(equity) else pd.Series(dtype=np.float64)
        self.eq_t = _display_ms(eq.index, timezone) if len(eq) else np.empty(0)
        self.eq_v = eq.to_numpy(np.float64)
        peak = np.maximum.accumulate(self.eq_v) if len(self.eq_v) else self.eq_v
        self.dd_v = np.where(peak > 0, (self.eq_v / np.where(peak > 0, peak, 1.0) - 1) * 100, 0.0)
        self.candle_src = ColumnDataSource(self._candle_data(0, len(self.t)))
        self.equity_src = ColumnDataSource(self._equity_data(0, len(self.eq_t)))
        self.trade_src = ColumnDataSource(_trade_data(trades, timezone, self._last_time(),
                                                      self.colors))
        self.layout = self._build(title, width)

    # -- data windows ------------------------------------------------------------------------
    def _last_time(self) -> float:
        return float(self.t[-1]) if len(self.t) else 0.0

    def _candle_data(self, i0: int, i1: int) -> dict[str, Any]:
        o, h, lo, c, v = (a[i0:i1] for a in self.ohlcv)
        agg = aggregate_ohlcv(self.t[i0:i1], o, h, lo, c, v, self.max_bars)
        up = agg["close"] >= agg["open"]
        return {
            **agg,
            "x": agg["t"] + (agg["t_end"] - agg["t"] + self.bar_ms) / 2,
            "w": (agg["t_end"] - agg["t"] + self.bar_ms) * 0.8,
            "top": np.maximum(agg["open"], agg["close"]),
            "bottom": np.minimum(agg["open"], agg["close"]),
            "color": np.where(up, self.colors.up, self.colors.down),
        }

    def _equity_data(self, i0: int, i1: int) -> dict[str, Any]:
        v = self.eq_v[i0:i1]
        keep = minmax_indices(v, self.max_bars)
        dd = self.dd_v[i0:i1]
        keep = np.union1d(keep, i0 * 0 + minmax_indices(dd, self.max_bars // 2))
        return {"t": self.eq_t[i0:i1][keep], "equity": v[keep], "dd": dd[keep],
                "zero": np.zeros(len(keep))}

    def refresh(self, x0: float, x1: float) -> None:
        """Redraw candles and equity for the window ``[x0, x1]`` (display epoch ms) + margins."""
        span = max(x1 - x0, self.bar_ms)
        lo, hi = x0 - span, x1 + span  # one screen of margin each side: pans look continuous
        i0, i1 = np.searchsorted(self.t, [lo, hi])
        j0, j1 = np.searchsorted(self.eq_t, [lo, hi])
        self.candle_src.data = self._candle_data(int(i0), int(max(i1, i0 + 1)))
        if len(self.eq_t):
            self.equity_src.data = self._equity_data(int(j0), int(max(j1, j0 + 1)))

    def _on_range(self, event: RangesUpdate) -> None:
        if event.x0 is not None and event.x1 is not None:
            self.refresh(float(event.x0), float(event.x1))

    # -- figures -----------------------------------------------------------------------------
    def _build(self, title: str, width: int | None) -> LayoutDOM:
        start = float(self.t[0]) if len(self.t) else 0.0
        end = self._last_time() + self.bar_ms
        pad = (end - start) * 0.01
        x_range = Range1d(start - pad, end + pad, bounds=(start - pad * 5, end + pad * 5))
        c = self.colors
        size = {"sizing_mode": "stretch_width"} if width is None else {"width": width}
        price = self._price_figure(x_range, title, size)
        volume = _figure(x_range, 90, c, size, text.VOLUME)
        vol = volume.vbar(x="x", width="w", top="volume", bottom=0, color="color", alpha=0.5,
                          source=self.candle_src)
        volume.y_range = DataRange1d(renderers=[vol], start=0)
        equity = _figure(x_range, 150, c, size, text.EQUITY)
        line = equity.line("t", "equity", source=self.equity_src, color=c.accent, line_width=1.6)
        equity.y_range = DataRange1d(renderers=[line])
        equity.add_tools(HoverTool(renderers=[line], mode="vline", formatters={"@t": "datetime"},
                                   tooltips=text.EQUITY_TOOLTIPS))
        drawdown = _figure(x_range, 210, c, size, text.DRAWDOWN)  # room for the time axis too
        area = drawdown.varea("t", "dd", "zero", source=self.equity_src, color=c.down, alpha=0.4)
        drawdown.y_range = DataRange1d(renderers=[area], end=0)
        for f in (price, volume, equity):
            f.xaxis.visible = False
        # the shared time axis
        drawdown.xaxis.axis_label = text.TIME_AXIS.format(tz=self._tz or "UTC")
        if self._live_zoom:
            price.on_event(RangesUpdate, self._on_range)
        return gridplot([[price], [volume], [equity], [drawdown]], merge_tools=True,
                        toolbar_location="right", **size)

    def _price_figure(self, x_range: Range1d, title: str,
                      size: dict[str, Any]) -> Any:  # noqa: PLR0915 - one figure, flat
        c = self.colors
        p = _figure(x_range, 380, c, size, text.PRICE, title=title)
        src = self.candle_src
        p.segment("x", "high", "x", "low", color="color", source=src)
        bars = p.vbar("x", "w", "top", "bottom", fill_color="color", line_color="color",
                      source=src)
        p.y_range = DataRange1d(renderers=[bars])
        p.add_tools(HoverTool(renderers=[bars], formatters={"@t": "datetime"},
                              tooltips=text.CANDLE_TOOLTIPS))
        ts = self.trade_src
        p.segment("entry_t", "sl", "exit_t", "sl", color=c.down, line_dash="dashed", source=ts,
                  line_width=1.2, legend_label=text.STOP_LOSS)
        p.segment("entry_t", "tp", "exit_t", "tp", color=c.up, line_dash="dashed", source=ts,
                  line_width=1.2, legend_label=text.TAKE_PROFIT)
        p.segment("entry_t", "entry_price", "exit_t", "exit_price", color="color",
                  line_dash="dotted", source=ts)
        entries = p.scatter("entry_t", "entry_price", marker="triangle", size=11, color="color",
                            line_color=c.marker_line, source=ts, legend_label=text.ENTRY)
        exits = p.scatter("exit_t", "exit_price", marker="inverted_triangle", size=11,
                          color="color", line_color=c.marker_line, source=ts,
                          legend_label=text.EXIT)
        p.add_tools(HoverTool(renderers=[entries, exits], formatters={
            "@entry_t": "datetime", "@exit_t": "datetime"}, tooltips=text.TRADE_TOOLTIPS))
        p.legend.location = "top_left"
        p.legend.click_policy = "hide"
        return style_figure(p, c)


def _layout_of(cls: Callable[P, BacktestChart]) -> Callable[P, LayoutDOM]:
    def make(*args: P.args, **kwargs: P.kwargs) -> LayoutDOM:
        return cls(*args, **kwargs).layout

    return make


#: ``backtest_chart(candles, trades, equity, *, max_bars, theme, timezone, title, width,
#: live_zoom)``: the linked chart layout for a backtest (see the module docstring); the
#: arguments are ``BacktestChart``'s, written once there.
backtest_chart = _layout_of(BacktestChart)

def _figure(x_range: Range1d, height: int, colors: ChartColors, size: dict[str, Any],
            ylabel: str, title: str = "") -> Any:
    f = figure(x_axis_type="datetime", x_range=x_range, height=height, tools=_TOOLS,
               active_scroll="xwheel_zoom", title=title or None, y_axis_label=ylabel,
               min_border_left=70, **size, **figure_fill(colors))
    return style_figure(f, colors)


def _display_ms(index: pd.Index, timezone: str) -> np.ndarray:
    """Return epoch-ms floats as wall-clock time in ``timezone`` (Bokeh axes are naive)."""
    idx = pd.DatetimeIndex(index)
    if idx.tz is None:
        idx = idx.tz_localize("UTC")
    if timezone and timezone != "UTC":
        idx = idx.tz_convert(timezone).tz_localize(None)
    else:
        idx = idx.tz_localize(None)
    return idx.as_unit("ms").asi8.astype(np.float64)


def _trade_data(trades: Sequence[Any] | pd.DataFrame, timezone: str,
                last_t: float, colors: ChartColors) -> dict[str, Any]:
    if isinstance(trades, pd.DataFrame):
        df = trades.reset_index(drop=True)
    else:
        df = pd.DataFrame([asdict(t) if is_dataclass(t) else dict(t) for t in trades])
    if df.empty:
        keys = ("n", "side", "entry_t", "exit_t", "entry_price", "exit_price", "sl", "tp",
                "quantity", "pnl", "pnl_pct", "fees", "reason", "balance_after", "color")
        return {k: [] for k in keys}
    entry = _display_ms(pd.to_datetime(df["entry_time"], utc=True), timezone)
    exit_raw = pd.to_datetime(df["exit_time"], utc=True)
    exit_ = np.where(exit_raw.isna(), last_t,
                     _display_ms(exit_raw.fillna(exit_raw.min() if exit_raw.notna().any() else
                                                 pd.Timestamp(0, tz="UTC")), timezone))
    pnl = df["pnl"].to_numpy(np.float64)
    return {
        "n": np.arange(1, len(df) + 1),
        "side": df["side"].astype(str).to_numpy(),
        "entry_t": entry,
        "exit_t": exit_.astype(np.float64),
        "entry_price": df["entry_price"].to_numpy(np.float64),
        "exit_price": df["exit_price"].to_numpy(np.float64),
        "sl": pd.to_numeric(df["stop_loss"], errors="coerce").to_numpy(np.float64),
        "tp": pd.to_numeric(df["take_profit"], errors="coerce").to_numpy(np.float64),
        "quantity": df["quantity"].to_numpy(np.float64),
        "pnl": pnl,
        "pnl_pct": df["pnl_pct"].to_numpy(np.float64),
        "fees": df["fees"].to_numpy(np.float64),
        "reason": df["exit_reason"].map(_REASONS).fillna(df["exit_reason"]).to_numpy(),
        "balance_after": df["balance_after"].to_numpy(np.float64),
        "color": np.where(pnl > 0, colors.up, colors.down),
    }


_REASONS = {"signal": "signal", "stop_loss": "stop loss", "take_profit": "take profit",
            "end": "fin (position ouverte)"}
