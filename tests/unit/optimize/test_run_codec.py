"""The sandboxed run's reply is attacker data: decoded against a fixed, capped schema."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from aristobot.optimize.job import RunSummaryCodec
from aristobot.optimize.results import SweepRow
from aristobot.optimize.run import RunSummary
from aristobot.optimize.sweep import overfitting_guard
from aristobot.strategies.reply_codec import Fields, Out, ReplyRejected

REQUEST = {"candles": pd.DataFrame(index=range(100)), "samples": 10}
CODEC = RunSummaryCodec()


def _summary(**changes: Any) -> RunSummary:
    base: dict[str, Any] = {
        "stats": {"sharpe": 1.5, "start": "2024-01-01", "exit_reasons": {"signal": 3},
                  "profit_factor": None},
        "trades": 3, "lookahead_ok": True, "returns": np.linspace(-0.01, 0.01, 10),
        "engine": "trace", "decision_errors": 0, "first_error": None, "cancelled": False}
    base.update(changes)
    return RunSummary(**base)


def _roundtrip(fields: dict[str, Any], arrays: list[np.ndarray]) -> RunSummary:
    return CODEC.decode(Fields(fields, "r", arrays), REQUEST)


def _encoded(summary: RunSummary) -> tuple[dict[str, Any], list[np.ndarray]]:
    out = Out()
    fields = CODEC.encode(summary, out)
    return fields, list(out._arrays)


def test_roundtrip() -> None:
    back = _roundtrip(*_encoded(_summary()))
    assert back.stats == _summary().stats and back.trades == 3 and back.lookahead_ok is True
    assert np.array_equal(back.returns, _summary().returns) and back.engine == "trace"


@pytest.mark.parametrize("tamper", [
    lambda f, a: f.update(trades=101),                       # more trades than candles
    lambda f, a: f.update(trades=-1),
    lambda f, a: f.update(lookahead_ok="yes"),
    lambda f, a: f.update(stats=[1, 2]),
    lambda f, a: f.update(stats={"sharpe": [1, 2]}),        # lists are not statistics
    lambda f, a: f.update(stats={"x": {"y": {"z": 1}}}),    # nested too deep
    lambda f, a: f.update(engine="x" * 500),
    lambda f, a: f.update(extra=1),                          # unknown key
    lambda f, a: a.__setitem__(0, np.zeros(11)),             # more returns than samples
    lambda f, a: a.__setitem__(0, np.zeros(5, dtype=np.int64)),
])
def test_tampered_replies_rejected(tamper: Any) -> None:
    fields, arrays = _encoded(_summary())
    tamper(fields, arrays)
    with pytest.raises(ReplyRejected):
        _roundtrip(fields, arrays)


def test_reply_size_capped_by_samples() -> None:
    assert CODEC.max_bytes(REQUEST) == CODEC.max_header(REQUEST) + 8 * 10


def test_guard_ignores_non_finite_returns() -> None:
    rng = np.random.default_rng(0)
    rows = [SweepRow(i, {"x": i}, float(i), {}, 1, True, None, rng.normal(0, 0.01, 64))
            for i in range(5)]
    poisoned = SweepRow(5, {"x": 5}, 99.0, {}, 1, True, None, np.full(64, np.nan))
    dsr, pbo, text = overfitting_guard([*rows, poisoned], True, False)
    assert dsr is not None and 0.0 <= dsr <= 1.0 and pbo is not None and "5 essais" in text
