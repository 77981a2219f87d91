from __future__ import annotations

import os
import pickle
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from aristobot.core.backtest.types import BacktestParams, BacktestResult, LookaheadReport
from aristobot.core.strategy_api import Action, Decision, Position
from aristobot.strategies.protocol import UnsafePickle, dumps, safe_loads
from aristobot.strategies.samples import sample_candles


@pytest.mark.parametrize("value", [
    Decision(Action.ENTER_LONG, 10.0, 0.02, 0.04),
    Position("long", 1.0, 100.0, datetime(2024, 1, 1, tzinfo=UTC)),
    {"a": [1, 2.5, "x", None, (True,)], "n": np.float64(1.5)},
    pd.Series([1.0, None, 3.0], dtype="Float64"),
    pd.NaT,
])
def test_data_round_trips(value: object) -> None:
    assert repr(safe_loads(dumps(value))) == repr(value)


def test_backtest_result_round_trips() -> None:
    candles = sample_candles(100)
    result = BacktestResult(BacktestParams(), (), candles["close"], {"sharpe": 1.2},
                            LookaheadReport(10, (), True))
    back = safe_loads(dumps(result))
    pd.testing.assert_series_equal(back.equity, candles["close"])
    pd.testing.assert_frame_equal(safe_loads(dumps(candles)), candles)


class _Evil:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("echo pwned",))


@pytest.mark.parametrize("payload", [_Evil(), pd.eval, np.memmap, pd.HDFStore, eval, getattr])
def test_code_and_dangerous_classes_refused(payload: object) -> None:
    with pytest.raises(UnsafePickle):
        safe_loads(pickle.dumps(payload))


def test_dotted_global_refused() -> None:
    # protocol 4 allows "module" + "a.b" names; they could walk to os.system.
    data = b"cpandas\nio.common.os.system\n."
    with pytest.raises(UnsafePickle):
        safe_loads(data)
