"""The windowed views behave like the real trailing slice, and writes are refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from aristobot.backtest.synthetic import synthetic_candles
from aristobot.core.backtest.fast_view import FastPathUnsupported, FrameView, Window

FRAME = synthetic_candles(60, seed=2).assign(ema=lambda f: f["close"].ewm(span=5).mean())

OPERATIONS: dict[str, Callable[[Any], Any]] = {
    "len": len,
    "last": lambda c: c["close"].iloc[-1],
    "previous": lambda c: c["ema"].iloc[-2],
    "first": lambda c: c["close"].iloc[0],
    "iat": lambda c: c["open"].iat[-1],
    "numpy-int": lambda c: c["close"].iloc[np.int64(-3)],
    "attribute": lambda c: c.close.iloc[-1],
    "values": lambda c: c["close"].values[-4:].tolist(),
    "to_numpy": lambda c: c["high"].to_numpy().sum(),
    "slice": lambda c: c["close"].iloc[-3:].tolist(),
    "tail": lambda c: c.tail(3)["volume"].tolist(),
    "series-tail": lambda c: c["low"].tail(2).tolist(),
    "frame-iloc-row": lambda c: c.iloc[-1]["close"],
    "frame-iloc-slice": lambda c: c.iloc[-5:]["close"].mean(),
    "rolling": lambda c: c["close"].rolling(3).mean().iloc[-1],
    "arithmetic": lambda c: (c["close"] - c["open"]).iloc[-1],
    "reflected": lambda c: (1.0 + c["close"]).iloc[-1],
    "comparison": lambda c: (c["close"] > c["open"]).sum(),
    "mean": lambda c: c["close"].mean(),
    "index": lambda c: c.index[-1],
    "shape": lambda c: c.shape,
    "columns": lambda c: list(c.columns),
    "contains": lambda c: "ema" in c,
    "numpy-func": lambda c: float(np.mean(c["close"])),
    "loc": lambda c: c.loc[c.index[-1], "close"],
}


@pytest.mark.parametrize("name", sorted(OPERATIONS))
@pytest.mark.parametrize(("bar", "size"), [(0, 10), (4, 10), (9, 10), (35, 10), (59, 500)])
def test_view_answers_like_the_real_window(name: str, bar: int, size: int) -> None:
    op = OPERATIONS[name]
    window = Window(size)
    view = FrameView(FRAME, window)
    window.move(bar)
    real = FRAME.iloc[max(0, bar + 1 - size) : bar + 1]
    try:
        expected = op(real)
    except Exception as e:  # the view must fail the same way
        with pytest.raises(type(e)):
            op(view)
        return
    got = op(view)
    if isinstance(expected, float) and np.isnan(expected):
        assert np.isnan(got)
    else:
        assert got == expected


def test_out_of_window_positions_raise_like_pandas() -> None:
    window = Window(3)
    view = FrameView(FRAME, window)
    window.move(10)
    assert view["close"].iloc[-3] == FRAME["close"].iloc[8]
    with pytest.raises(IndexError):
        view["close"].iloc[-4]
    with pytest.raises(IndexError):
        view["close"].iloc[3]


def test_writes_are_refused() -> None:
    window = Window(10)
    view = FrameView(FRAME, window)
    window.move(20)
    with pytest.raises(FastPathUnsupported):
        view["new"] = 1.0
    with pytest.raises(FastPathUnsupported):
        view["close"].iloc[-1] = 3.0
    with pytest.raises(FastPathUnsupported):
        view.iloc[-1] = 3.0
    with pytest.raises(ValueError):
        view["close"].values[-1] = 3.0  # read-only, as pandas' own (copy-on-write) values
    assert FRAME["close"].iloc[20] != 3.0


def test_the_view_follows_the_window() -> None:
    window = Window(5)
    view = FrameView(FRAME, window)
    close = view["close"]
    for bar in (3, 10, 59):
        window.move(bar)
        assert close.iloc[-1] == FRAME["close"].iloc[bar]
        assert view.tail(1).index[0] == FRAME.index[bar]
        pd.testing.assert_frame_equal(view.iloc[:], FRAME.iloc[max(0, bar - 4) : bar + 1])
