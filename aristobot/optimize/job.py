"""The sweep's worker job: one run inside a sandboxed strategy worker, never in the dashboard.

``run_point`` is called by ``StrategyPool.run_job`` in an isolated process (scrubbed
environment, Landlock, seccomp, memory and CPU limits: ``aristobot.strategies.sandbox``) and
returns a ``RunSummary``. Its reply is attacker data (the user's code controls the process):
``RunSummaryCodec`` rebuilds it from bounded fields only. Schema of the result record:

* ``stats``: a free-form object (``reply_codec`` limits), kept only if it is a dict whose values
  are numbers, null, texts ≤ ``MAX_TEXT`` or one-level objects of those;
* ``trades``: integer in [0, N] (N = candles sent); ``decision_errors``: integer in [0, N];
* ``lookahead_ok``: bool or null; ``cancelled``: bool; ``engine``: text ≤ 20 or null;
* ``first_error``: text ≤ ``MAX_TEXT`` or null;
* ``returns``: f8 array of at most ``samples`` values.

The reply body is capped at ``HEADER_BYTES + 8 x samples`` before it is read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from aristobot.optimize.run import MAX_SAMPLES, RunSummary, evaluate
from aristobot.strategies.job_results import JobResult, job_result
from aristobot.strategies.reply_codec import Fields, Out, ReplyRejected, cut, free

log = logging.getLogger(__name__)

MAX_TEXT = 2000
HEADER_BYTES = 256 * 1024


def _samples(request: Mapping[str, Any]) -> int:
    return max(0, min(int(request.get("samples", 0)), MAX_SAMPLES))


def _clean_stats(value: Any) -> dict[str, Any]:
    if type(value) is not dict:
        raise ReplyRejected("stats: object expected")
    for key, v in value.items():
        inner = v.values() if type(v) is dict else (v,)
        for x in inner:
            if not (x is None or type(x) in (bool, int, float, str)):
                raise ReplyRejected(f"stats.{key:.40}: number, text or null expected")
    return value


class RunSummaryCodec(JobResult[RunSummary]):
    """``RunSummary`` <-> reply fields (see the module docstring)."""

    def max_bytes(self, request: Mapping[str, Any]) -> int:
        return HEADER_BYTES + 8 * _samples(request)

    def max_header(self, request: Mapping[str, Any]) -> int:
        return HEADER_BYTES

    def encode(self, value: RunSummary, out: Out) -> dict[str, Any]:
        if not isinstance(value, RunSummary):
            raise TypeError(f"RunSummary expected, got {type(value).__name__}")
        return {
            "stats": free(value.stats, MAX_TEXT), "trades": int(value.trades),
            "lookahead_ok": value.lookahead_ok, "returns": out.array(value.returns, "f8"),
            "engine": None if value.engine is None else cut(str(value.engine), 20),
            "decision_errors": int(value.decision_errors),
            "first_error": None if value.first_error is None else cut(value.first_error,
                                                                      MAX_TEXT),
            "cancelled": bool(value.cancelled),
        }

    def decode(self, fields: Fields, request: Mapping[str, Any]) -> RunSummary:
        n = len(request["candles"])
        lookahead = fields.value("lookahead_ok", 10)
        if lookahead is not None and type(lookahead) is not bool:
            raise ReplyRejected("lookahead_ok: boolean or null expected")
        summary = RunSummary(
            stats=_clean_stats(fields.value("stats", MAX_TEXT)),
            trades=fields.integer("trades", 0, n), lookahead_ok=lookahead,
            returns=fields.array("returns", "f8", _samples(request)).copy(),
            engine=fields.opt_text("engine", 20),
            decision_errors=fields.integer("decision_errors", 0, n),
            first_error=fields.opt_text("first_error", MAX_TEXT),
            cancelled=fields.flag("cancelled"))
        fields.done()
        return summary


@job_result(RunSummaryCodec())
def run_point(*, code: str, candles: Any, strategy_params: dict[str, Any],
              params: dict[str, Any], samples: int,
              report_progress: Callable[[float], None] | None = None) -> RunSummary:
    """Load the strategy from ``code`` and evaluate it with ``strategy_params``."""
    from aristobot.backtest.job import check_candles, make_params
    from aristobot.core.strategy_loader import load_strategy

    p = make_params(params)
    check_candles(candles)
    cls = _cached_class(code, load_strategy)
    return evaluate(cls, candles, strategy_params, p, samples)


_CLASSES: dict[str, type] = {}


def _cached_class(code: str, load: Callable[[str], type]) -> Any:
    # One sandboxed worker serves many runs of the same code: load it once.
    from aristobot.core.strategy_loader import code_hash

    key = code_hash(code)
    cls = _CLASSES.get(key)
    if cls is None:
        if len(_CLASSES) >= 8:
            _CLASSES.clear()
        cls = _CLASSES[key] = load(code)
    return cls
