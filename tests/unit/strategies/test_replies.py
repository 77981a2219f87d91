"""Worker replies: every kind round-trips as data; anything off-schema is refused."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aristobot.backtest.result_codec import BacktestResultCodec
from aristobot.core.backtest import run_backtest
from aristobot.core.backtest.types import BacktestParams
from aristobot.core.strategy_api import Action, Decision
from aristobot.core.strategy_loader import load_strategy
from aristobot.strategies import replies
from aristobot.strategies.examples import EMA_CROSS_EXAMPLE
from aristobot.strategies.job_results import Floats, FreeForm, resolve
from aristobot.strategies.replies import ReplySpec, decode_reply
from aristobot.strategies.reply_codec import ReplyRejected
from aristobot.strategies.samples import sample_candles
from tests.support.crafted_replies import OLD_PICKLES, body, decision_head


def _bytes(chunks: list[bytes | memoryview]) -> bytes:
    return b"".join(chunks)


def test_decision_round_trips() -> None:
    for d in (Decision(Action.ENTER_LONG, 10.0, 0.02, 0.04), Decision(Action.NONE),
              Decision(Action.ERROR, error="Ligne 3 : ValueError : non")):
        assert decode_reply(_bytes(replies.decision(d)), replies.DECISION) == ("ok", d)


def test_non_finite_numbers_survive() -> None:
    d = decode_reply(_bytes(replies.decision(Decision(Action.EXIT, math.inf, -math.inf,
                                                       math.nan))), replies.DECISION)[1]
    assert d.size == math.inf and d.stop_loss == -math.inf and math.isnan(d.take_profit)


def test_batch_notes_errors_progress_ready() -> None:
    items: list[Any] = [Decision(Action.EXIT), ("user", "Ligne 2 : boom", 2)]
    assert decode_reply(_bytes(replies.decisions(items)), replies.decisions_spec(2)) == (
        "ok", [("ok", Decision(Action.EXIT)), ("err", "user", "Ligne 2 : boom", 2)])
    assert decode_reply(_bytes(replies.notes(["a", "b"])), replies.NOTES) == ("ok", ["a", "b"])
    assert decode_reply(_bytes(replies.error("memory", "mémoire")), replies.NOTES) == (
        "err", "memory", "mémoire", None)
    job = replies.job_spec(FreeForm(), {})
    assert decode_reply(_bytes(replies.progress(0.5)), job) == ("progress", 0.5)
    status = {"landlock_abi": 7, "filesystem": True, "network": True, "signals": True,
              "memory_mb": 768, "error": None}
    assert decode_reply(_bytes(replies.ready(status)), replies.READY) == ("ready", status)


def test_error_text_cut_by_the_worker() -> None:
    kind, _, message, _ = decode_reply(_bytes(replies.error("user", "é" * 10**6)),
                                       replies.DECISION)
    assert len(message) == replies.MAX_ERROR_CHARS and message.endswith("…")


def test_free_form_and_float_jobs() -> None:
    value = {"steps": 5, "x": [1.5, None, "t", True], "n": {"inf": math.inf}}
    spec = replies.job_spec(FreeForm(), {})
    assert decode_reply(_bytes(replies.job_result(FreeForm(), value)), spec) == ("ok", value)
    floats = Floats("repeat", 200)
    spec = replies.job_spec(floats, {"repeat": 3})
    assert decode_reply(_bytes(replies.job_result(floats, [0.1, 0.2, 0.3])), spec) == (
        "ok", [0.1, 0.2, 0.3])
    with pytest.raises(ReplyRejected):  # more values than the request asked for
        decode_reply(_bytes(replies.job_result(floats, [0.1] * 4)), spec)


def test_jobs_must_declare_their_result() -> None:
    with pytest.raises(ValueError):
        resolve("aristobot.backtest.job:make_params", ("aristobot.",))
    with pytest.raises(ValueError):
        resolve("os:system", ("aristobot.",))


def _backtest() -> tuple[dict[str, Any], Any]:
    candles = sample_candles(2000)
    params = BacktestParams(initial_amount=1000.0, window=100, check_samples=30)
    result = run_backtest(candles, load_strategy(EMA_CROSS_EXAMPLE), params)
    return {"code": "", "candles": candles, "params": params}, result


def test_backtest_result_round_trips_exactly() -> None:
    request, want = _backtest()
    codec = BacktestResultCodec()
    kind, got = decode_reply(_bytes(replies.job_result(codec, want)),
                             replies.job_spec(codec, request))
    assert kind == "ok" and len(want.trades) > 3
    assert got.trades == want.trades and [repr(t) for t in got.trades] == [
        repr(t) for t in want.trades]
    pd.testing.assert_series_equal(got.equity, want.equity, check_exact=True)
    assert (got.params, got.stats, got.lookahead, got.cancelled, got.meta) == (
        want.params, want.stats, want.lookahead, want.cancelled, want.meta)


def _reject(data: bytes, spec: ReplySpec = replies.DECISION) -> None:
    with pytest.raises(ReplyRejected):
        decode_reply(data, spec)


@pytest.mark.parametrize("name", sorted(OLD_PICKLES))
def test_old_pickles_refused_unread(name: str) -> None:
    _reject(OLD_PICKLES[name])


@pytest.mark.parametrize("head", [
    b"[1]", b"{", b'{"k":"ok","d":' + b"[" * 5000 + b"]" * 5000 + b',"a":[]}',
    b'{"k": 1, "a": []}', b'{"a": []}', b'{"k":"ok","d":{},"a":{}}',
    b'{"k":"need_code","a":[], "x": 1}', b'{"k":"progress","f":0.5,"a":[]}',
    b'{"k":"ready","status":{},"a":[]}', b'{"k":"ok","a":[["O",[1]]]}',
    b'{"k":"ok","a":[["f8",[-1]]]}', b'{"k":"ok","a":[["f8",[1,1,1]]]}',
    b'{"k":"ok","a":[["f8",[99999999999999999999]]]}',
])
def test_malformed_headers_refused(head: bytes) -> None:
    _reject(body(head))


@pytest.mark.parametrize("field, value", [
    ("action", "sell_all"), ("action", None), ("size", "1"), ("size", False),
    ("size", "NaN"), ("stop_loss", [1]), ("take_profit", {}), ("error", 1),
    ("error", "x" * 4001),
])
def test_each_decision_field_type_checked(field: str, value: Any) -> None:
    _reject(body(decision_head(**{field: value})))


def test_err_fields_type_checked() -> None:
    ok = {"k": "err", "kind": "user", "message": "m", "line": 3, "a": []}
    decode_reply(body(ok), replies.DECISION)
    for change in ({"kind": "os"}, {"message": None}, {"line": "3"}, {"line": 0},
                   {"line": 2**62}, {"line": True}):
        _reject(body({**ok, **change}))


def test_batch_must_answer_each_request_once() -> None:
    items: list[Any] = [Decision(Action.EXIT)] * 3
    _reject(_bytes(replies.decisions(items)), replies.decisions_spec(2))
    _reject(_bytes(replies.decisions(items)), replies.decisions_spec(4))


def test_arrays_are_sliced_never_expanded() -> None:
    head = {"k": "ok", "r": {"v": 0}, "a": [["f8", [2**40]]]}  # 8 TiB announced, 8 B sent
    _reject(body(head, b"\0" * 8), replies.job_spec(Floats("repeat", 10), {}))
    _reject(body({**head, "a": [["f8", [1]]]}, b"\0" * 9),  # trailing byte
            replies.job_spec(Floats("repeat", 10), {}))
    bools = {"k": "ok", "r": {"v": 0}, "a": [["b1", [2]]]}
    _reject(body(bools, b"\x00\x02"), replies.job_spec(FreeForm(), {}))


def test_forged_backtest_results_refused() -> None:
    request, result = _backtest()
    codec = BacktestResultCodec()
    spec = replies.job_spec(codec, request)
    data = _bytes(replies.job_result(codec, result))
    decode_reply(data, spec)
    n = len(request["candles"])
    small = {**request, "candles": request["candles"].iloc[: n // 2]}  # fewer candles asked
    _reject(data, replies.job_spec(codec, small))
    bad_bar = result.trades[0].__class__(**{**_fields(result.trades[0]), "entry_bar": n})
    forged = type(result)(**{**_fields(result), "trades": (bad_bar,)})
    _reject(_bytes(replies.job_result(codec, forged)), spec)
    nested = type(result)(**{**_fields(result), "stats": {"a": [[[[[1]]]]]}})
    with pytest.raises(TypeError):  # the worker cannot even encode it
        replies.job_result(codec, nested)


def _fields(obj: Any) -> dict[str, Any]:
    import dataclasses

    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


def test_trade_columns_follow_the_record() -> None:
    import dataclasses

    from aristobot.backtest.result_codec import TRADE_FIELDS
    from aristobot.core.backtest.types import TradeRecord

    # The decoder builds TradeRecords positionally: a changed record must change the codec.
    assert tuple(f.name for f in dataclasses.fields(TradeRecord)) == TRADE_FIELDS


def test_nanosecond_trade_times_refused() -> None:
    request, result = _backtest()
    codec = BacktestResultCodec()
    t = result.trades[0]
    odd = pd.Timestamp(t.entry_time) + pd.Timedelta(1, "ns")
    forged = type(result)(**{**_fields(result), "trades": (
        t.__class__(**{**_fields(t), "entry_time": odd}),)})
    _reject(_bytes(replies.job_result(codec, forged)), replies.job_spec(codec, request))


def test_numpy_dtype_list_is_closed() -> None:
    for code in ("<U4", ">f8", "M8[ns]", "V8", "c16"):
        _reject(body({"k": "ok", "r": {"v": 0}, "a": [[code, [1]]]}, b"\0" * 16),
                replies.job_spec(Floats("repeat", 10), {}))
    assert np.dtype("<f8").itemsize == 8


_SMALL_RESULT: dict[str, Any] = {}


def _small_backtest_frame() -> tuple[bytes, ReplySpec]:
    if not _SMALL_RESULT:
        candles = sample_candles(300)
        params = BacktestParams(initial_amount=1000.0, window=50, check_samples=10)
        result = run_backtest(candles, load_strategy(EMA_CROSS_EXAMPLE), params)
        codec = BacktestResultCodec()
        request = {"code": "", "candles": candles, "params": params}
        _SMALL_RESULT["frame"] = (_bytes(replies.job_result(codec, result)),
                                  replies.job_spec(codec, request))
    frame: tuple[bytes, ReplySpec] = _SMALL_RESULT["frame"]
    return frame


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mutated_frames_never_escape_as_other_errors(data: st.DataObject) -> None:
    which = data.draw(st.sampled_from(["decision", "batch", "backtest"]))
    if which == "backtest":
        frame, spec = _small_backtest_frame()
    elif which == "batch":
        frame = _bytes(replies.decisions([Decision(Action.EXIT), ("user", "boom", 3)]))
        spec = replies.decisions_spec(2)
    else:
        frame, spec = _bytes(replies.decision(Decision(Action.ENTER_LONG, 1.0))), replies.DECISION
    mutated = bytearray(frame)
    for _ in range(data.draw(st.integers(1, 8))):
        i = data.draw(st.integers(0, len(mutated) - 1))
        mutated[i] = data.draw(st.integers(0, 255))
    cut_at = data.draw(st.integers(0, len(mutated)))
    try:
        reply = decode_reply(bytes(mutated[:cut_at] if cut_at % 3 == 0 else mutated), spec)
    except ReplyRejected:
        return
    assert isinstance(reply, tuple) and reply[0] in {"ok", "err"}
