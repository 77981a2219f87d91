"""The reply channel against a hostile worker (issue 9, items 1-3), through the real pool.

Each strategy below writes crafted bytes on its worker's reply pipe (reaching ``os`` past the
validator, as the attack review did). The pool must refuse the reply without interpreting it,
kill the worker and report a French strategy error; the dashboard process and its classes stay
untouched. The memory bombs run in ``test_reply_bombs.py`` under an address-space cap.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pandas as pd
import pytest
import pytest_asyncio

from aristobot.core.backtest import run_backtest
from aristobot.core.backtest.types import BacktestParams
from aristobot.core.strategy_api import Action
from aristobot.core.strategy_loader import load_strategy
from aristobot.domain.timeframe import Timeframe
from aristobot.errors import StrategyCrashed, StrategyError, StrategyReplyRejected
from aristobot.strategies import EMA_CROSS_EXAMPLE, StrategyPool
from aristobot.strategies.samples import sample_candles
from tests.support.crafted_replies import (
    OLD_PICKLES,
    body,
    decision_head,
    nested_pickle_pieces,
    prefixed,
    writer_of,
    writer_strategy,
)
from tests.support.jobs import TEST_POOL_OPTIONS

pytestmark = pytest.mark.asyncio(loop_scope="module")
CANDLES = sample_candles(500)
REJECTED = StrategyReplyRejected().user_message()
BACKTEST = "aristobot.backtest.job:run_job"


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def pool() -> AsyncIterator[StrategyPool]:
    p = StrategyPool(2, memory_mb=768, call_timeout_s=5.0, **TEST_POOL_OPTIONS)
    await p.start(owner=1)
    yield p
    async with asyncio.timeout(60):  # a close that never ends fails here, not at CI's time-out
        await p.aclose()


async def _rejected_decision(pool: StrategyPool, code: str) -> None:
    before = pool.replaced
    d = await pool.decide(code, CANDLES, 1000.0, None, owner=1)
    assert d.action is Action.ERROR and d.error == REJECTED, d
    assert pool.replaced == before + 1  # the worker was killed
    assert (await pool.decide(EMA_CROSS_EXAMPLE, CANDLES, 1000.0, None, owner=1)).error is None


async def test_f2py_main_reply_on_check_leaves_parent_alive(pool: StrategyPool) -> None:
    # « Tester la syntaxe » was enough to make the dashboard exit.
    with pytest.raises(StrategyReplyRejected):
        await pool.check(writer_of(prefixed(OLD_PICKLES["f2py_main"])), owner=1)
    assert any("should_long" in n for n in await pool.check(EMA_CROSS_EXAMPLE, owner=1))


async def test_reply_cannot_set_timeframe_attributes(pool: StrategyPool) -> None:
    ms = Timeframe.__dict__["ms"]
    await _rejected_decision(pool, writer_of(prefixed(OLD_PICKLES["timeframe_ms"])))
    assert Timeframe.__dict__["ms"] is ms and Timeframe.H1.ms == 3_600_000


@pytest.mark.parametrize("call", ["decide", "check", "job"])
async def test_deep_nesting_is_a_clear_error(pool: StrategyPool, call: str) -> None:
    # The old protocol decoded this and RecursionError escaped; the new header too (orjson
    # refuses depth > 1024 before any Python recursion).
    deep = writer_strategy(nested_pickle_pieces(200_000))
    json_deep = writer_of(prefixed(body(b'{"k":"ok","d":' + b"[" * 20_000 + b"]" * 20_000
                                        + b',"a":[]}')))
    for code in (deep, json_deep):
        with pytest.raises(StrategyReplyRejected):
            await _call(pool, call, code)


async def _call(pool: StrategyPool, call: str, code: str) -> Any:
    if call == "decide":
        d = await pool.decide(code, CANDLES, 1000.0, None, owner=1)
        if d.error == REJECTED:
            raise StrategyReplyRejected()
        return d
    if call == "check":
        return await pool.check(code, owner=1)
    return await pool.run_job(BACKTEST, {"code": code, "candles": CANDLES,
                                         "params": BacktestParams()}, owner=1, timeout_s=60)


@pytest.mark.parametrize("changes", [
    {"action": "buy_everything"}, {"action": 1}, {"size": "1e9"}, {"size": None},
    {"size": True}, {"stop_loss": [0.02]}, {"take_profit": {"$f": "nan"}}, {"error": 42},
    {"error": "x" * 4001}, {"extra": 1},
])
async def test_wrong_field_types_refused(pool: StrategyPool, changes: dict[str, Any]) -> None:
    await _rejected_decision(pool, writer_of(prefixed(body(decision_head(**changes)))))


@pytest.mark.parametrize("frame", [
    prefixed(body({"k": "ok", "a": []}, version=2)),  # another schema version
    prefixed(body(decision_head(), header_len=10_000)),  # header longer than the frame
    prefixed(body(decision_head()) + b"\0"),  # trailing byte
    prefixed(body({**decision_head(), "a": [["f8", [2**40]]]})),  # array overruns the frame
    prefixed(body({"k": "progress", "f": 0.5, "a": []})),  # progress to a decision
    prefixed(body({"k": "err", "kind": "user", "message": "x" * 5000, "line": None, "a": []})),
])
async def test_malformed_frames_refused(pool: StrategyPool, frame: bytes) -> None:
    await _rejected_decision(pool, writer_of(frame))


async def test_oversized_frame_refused_from_its_prefix(pool: StrategyPool) -> None:
    # 2 GiB announced and nothing sent: refused at once (not a time-out waiting for data).
    code = writer_of(prefixed(b"", 2**31), then="while True:\n    pass")
    await _rejected_decision(pool, code)


async def test_truncated_frame_then_exit_is_a_crash(pool: StrategyPool) -> None:
    frame = prefixed(body(decision_head()))[:-5]
    d = await pool.decide(writer_of(frame, then="os._exit(0)"), CANDLES, 1.0, None, owner=1)
    assert d.action is Action.ERROR and d.error == StrategyCrashed(
        reason="code de sortie 0").user_message()


async def test_forged_decision_is_only_data(pool: StrategyPool) -> None:
    # A well-formed forged reply is accepted as what it is: a decision (no code runs). Its
    # author only fools their own workers (owner 2 here, used by no other test).
    code = writer_of(prefixed(body(decision_head(size=12.5))), then="os._exit(0)")
    d = await pool.decide(code, CANDLES, 1.0, None, owner=2)
    assert d.action is Action.ENTER_LONG and d.size == 12.5


async def test_long_user_error_is_cut(pool: StrategyPool) -> None:
    code = writer_of(b"", then="raise ValueError('x' * 1_000_000)")
    d = await pool.decide(code, CANDLES, 1.0, None, owner=1)
    assert d.action is Action.ERROR and d.error is not None
    assert "ValueError" in d.error and len(d.error) < 4200 and d.error.endswith("…")


async def test_batch_with_a_forger_refused_then_pool_recovers(pool: StrategyPool) -> None:
    bad = writer_of(prefixed(OLD_PICKLES["timeframe_ms"]))
    results = await pool.decide_batch([(EMA_CROSS_EXAMPLE, CANDLES, 1000.0, None)] * 3
                                      + [(bad, CANDLES, 1000.0, None)], owner=1)
    assert Timeframe.H1.ms == 3_600_000
    assert any(r.error == REJECTED for r in results)
    again = await pool.decide_batch([(EMA_CROSS_EXAMPLE, CANDLES, 1000.0, None)] * 4, owner=1)
    assert all(r.error is None for r in again)


async def test_backtest_job_result_round_trips_exactly(pool: StrategyPool) -> None:
    candles = sample_candles(3000)
    params = BacktestParams(initial_amount=1000.0, window=100, check_samples=50)
    seen: list[float] = []
    got = await pool.run_job(BACKTEST, {"code": EMA_CROSS_EXAMPLE, "candles": candles,
                                        "params": params}, owner=1, timeout_s=120,
                             progress=seen.append)
    want = await asyncio.to_thread(run_backtest, candles, load_strategy(EMA_CROSS_EXAMPLE),
                                   params)
    assert len(want.trades) > 3 and seen and seen[-1] == 1.0
    assert got.trades == want.trades and got.params == want.params
    assert [repr(t) for t in got.trades] == [repr(t) for t in want.trades]
    pd.testing.assert_series_equal(got.equity, want.equity, check_exact=True)
    assert got.stats == want.stats and got.lookahead == want.lookahead
    timing = {"seconds", "check_seconds", "candles_per_second"}
    assert ({k: v for k, v in got.meta.items() if k not in timing}
            == {k: v for k, v in want.meta.items() if k not in timing})
    assert got.cancelled is want.cancelled is False


async def test_forged_backtest_result_beyond_the_request_refused(pool: StrategyPool) -> None:
    # An equity longer than the candles the pool sent is refused (bound derived from N).
    n = len(CANDLES)
    head = {"k": "ok", "r": {"trades": {}, "equity": 0, "stats": {}, "lookahead": None,
                             "cancelled": False, "meta": {}}, "a": [["f8", [n + 1]]]}
    code = writer_of(prefixed(body(head, b"\0" * 8 * (n + 1))))
    with pytest.raises(StrategyError) as e:
        await _call(pool, "job", code)
    assert e.value.user_message() == REJECTED
