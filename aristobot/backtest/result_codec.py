"""The backtest job's result on the wire: ``BacktestResult`` as declared columns and dtypes.

The job runs in a strategy worker, which the user's code controls: the pool rebuilds the
result from validated arrays and bounded fields only, against the request it sent (N = its
number of candles). Fields of the reply's result record:

* ``trades``: one array per ``TradeRecord`` column, all of one length T ≤ N:
  ``entry_time``/``exit_time`` i8 (UTC epoch ns, whole microseconds; exit NaT = still open),
  ``entry_bar``/``exit_bar`` i8 in [0, N), ``side``/``exit_reason`` u1 codes into ``SIDES`` /
  ``EXIT_REASONS``, ``stop_loss``/``take_profit`` f8 with b1 ``*_set`` masks (None when
  unset), and f8 ``entry_price``, ``exit_price``, ``quantity``, ``fees``, ``pnl``,
  ``pnl_pct``, ``balance_after``;
* ``equity``: f8 of length ≤ N, indexed by the first candles of the request;
* ``stats``, ``meta``: free-form objects (numbers, texts ≤ ``MAX_TEXT``, null, nested at most
  ``reply_codec.MAX_DEPTH``); ``meta["first_error"]`` is rebuilt as ``(bar, text)``;
* ``lookahead``: null or {checked_bars ≤ N, mismatches (≤ ``MAX_LISTED`` bars < N), ok,
  details (≤ ``MAX_LISTED`` texts), verified, full, cuts ≤ 64, guarantee_pct (null or in
  [0, 100]), summary (≤ ``MAX_TEXT``)}; ``ok`` without ``verified`` is read as not ok;
* ``cancelled``: bool.

``params`` are not sent back: the pool uses the ones it asked for. The reply body is capped at
``HEADER_BYTES`` + N x (8 + ``ROW_BYTES``) before it is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from operator import attrgetter
from typing import Any

import numpy as np
import pandas as pd

from aristobot.core.backtest.types import BacktestResult, LookaheadReport, TradeRecord
from aristobot.strategies.job_results import JobResult
from aristobot.strategies.reply_codec import Fields, Out, ReplyRejected, cut, free

SIDES = ("long", "short")
EXIT_REASONS = ("signal", "stop_loss", "take_profit", "end")
_FLOATS = ("entry_price", "exit_price", "quantity", "fees", "pnl", "pnl_pct", "balance_after")
_OPTIONAL = ("stop_loss", "take_profit")
_NAT = int(np.iinfo(np.int64).min)
#: ``TradeRecord``'s fields in order: the decoder builds records positionally (tested).
TRADE_FIELDS = ("entry_time", "exit_time", "side", "entry_price", "exit_price", "quantity",
                "fees", "pnl", "pnl_pct", "exit_reason", "stop_loss", "take_profit",
                "balance_after", "entry_bar", "exit_bar")
MAX_TEXT = 4000
MAX_LISTED = 20
#: JSON header cap: stats, meta (a few texts ≤ MAX_TEXT), lookahead details, descriptors.
HEADER_BYTES = 1024 * 1024
#: Bytes of arrays per trade: 4 i8, 9 f8, 2 u1 codes, 2 b1 masks.
ROW_BYTES = 4 * 8 + 9 * 8 + 2 + 2


class BacktestResultCodec(JobResult[BacktestResult]):
    """``BacktestResult`` <-> reply fields (see the module docstring)."""

    def max_bytes(self, request: Mapping[str, Any]) -> int:
        return HEADER_BYTES + len(request["candles"]) * (8 + ROW_BYTES)

    def max_header(self, request: Mapping[str, Any]) -> int:
        return HEADER_BYTES

    def encode(self, value: BacktestResult, out: Out) -> dict[str, Any]:
        if not isinstance(value, BacktestResult):
            raise TypeError(f"BacktestResult expected, got {type(value).__name__}")
        la = value.lookahead
        return {
            "trades": _encode_trades(value.trades, out),
            "equity": out.array(value.equity.to_numpy(np.float64), "f8"),
            "stats": free(value.stats, MAX_TEXT),
            "lookahead": None if la is None else {
                "checked_bars": int(la.checked_bars), "ok": bool(la.ok),
                "mismatches": [int(b) for b in la.mismatches[:MAX_LISTED]],
                "details": [cut(str(d), MAX_TEXT) for d in la.details[:MAX_LISTED]],
                "verified": bool(la.verified), "full": bool(la.full), "cuts": int(la.cuts),
                "guarantee_pct": None if la.guarantee_pct is None else float(la.guarantee_pct),
                "summary": cut(str(la.summary), MAX_TEXT)},
            "cancelled": bool(value.cancelled),
            "meta": free(value.meta, MAX_TEXT),
        }

    def decode(self, fields: Fields, request: Mapping[str, Any]) -> BacktestResult:
        from aristobot.backtest.job import make_params

        index = request["candles"].index
        n = len(index)
        trades = _decode_trades(fields.record("trades"), n, index.tz)
        equity = fields.array("equity", "f8", n)
        la = fields.opt_record("lookahead")
        lookahead = None if la is None else _decode_lookahead(la, n)
        result = BacktestResult(
            params=make_params(request["params"]), trades=trades,
            equity=pd.Series(equity, index=index[: len(equity)], name="equity"),
            stats=_object(fields.value("stats", MAX_TEXT), "stats"), lookahead=lookahead,
            cancelled=fields.flag("cancelled"), meta=_meta(fields.value("meta", MAX_TEXT)))
        return result


def _ns(times: list[datetime | None]) -> np.ndarray:
    """Return epoch nanoseconds (NaT for None) of tz-aware datetimes, vectorised."""
    return np.asarray(pd.to_datetime(times, utc=True).as_unit("ns").asi8, dtype=np.int64)


def _encode_trades(trades: tuple[TradeRecord, ...], out: Out) -> dict[str, int]:
    def columns(names: tuple[str, ...]) -> list[tuple[Any, ...]]:
        if not trades:
            return [() for _ in names]
        return list(zip(*map(attrgetter(*names), trades), strict=True))

    (entry, exit_, side, reason, entry_bar, exit_bar) = columns(
        ("entry_time", "exit_time", "side", "exit_reason", "entry_bar", "exit_bar"))
    cols = {
        "entry_time": out.array(_ns(list(entry)), "i8"),
        "exit_time": out.array(_ns(list(exit_)), "i8"),
        "entry_bar": out.array(entry_bar, "i8"),
        "exit_bar": out.array(exit_bar, "i8"),
        "side": out.array([SIDES.index(s) for s in side], "u1"),
        "exit_reason": out.array([EXIT_REASONS.index(r) for r in reason], "u1"),
    }
    for name, values in zip(_FLOATS, columns(_FLOATS), strict=True):
        cols[name] = out.array(values, "f8")
    for name, values in zip(_OPTIONAL, columns(_OPTIONAL), strict=True):
        cols[name] = out.array([0.0 if v is None else v for v in values], "f8")
        cols[f"{name}_set"] = out.array([v is not None for v in values], "b1")
    return cols


def _decode_trades(f: Fields, n: int, tz: Any) -> tuple[TradeRecord, ...]:
    entry_bar = f.array("entry_bar", "i8", n)
    count = len(entry_bar)

    def col(name: str, dtype: str) -> np.ndarray:
        return f.array(name, dtype, n, length=count)

    exit_bar = col("exit_bar", "i8")
    side, reason = col("side", "u1"), col("exit_reason", "u1")
    entry_ns, exit_ns = col("entry_time", "i8"), col("exit_time", "i8")
    floats = {name: col(name, "f8").tolist() for name in _FLOATS}
    optional = {name: _masked(col(name, "f8"), col(f"{name}_set", "b1")) for name in _OPTIONAL}
    f.done()
    for bars in (entry_bar, exit_bar):
        if count and (bars.min() < 0 or bars.max() >= n):
            raise ReplyRejected(f"trade bar outside [0, {n})")
    if count and (side.max() >= len(SIDES) or reason.max() >= len(EXIT_REASONS)):
        raise ReplyRejected("trade side or exit reason code outside its list")
    if (entry_ns == _NAT).any():
        raise ReplyRejected("trade without entry time")
    entries = [e for e in _datetimes(entry_ns, tz) if e is not None]  # no NaT: checked
    exits = _datetimes(exit_ns, tz)
    sides = [SIDES[i] for i in side.tolist()]
    reasons = [EXIT_REASONS[i] for i in reason.tolist()]
    # Positional, in TRADE_FIELDS order (map over columns: ~3x faster than keywords).
    return tuple(map(
        TradeRecord, entries, exits, sides, floats["entry_price"], floats["exit_price"],
        floats["quantity"], floats["fees"], floats["pnl"], floats["pnl_pct"], reasons,
        optional["stop_loss"], optional["take_profit"], floats["balance_after"],
        entry_bar.tolist(), exit_bar.tolist()))


def _masked(values: np.ndarray, present: np.ndarray) -> list[float | None]:
    return [v if ok else None for v, ok in zip(values.tolist(), present.tolist(), strict=True)]


def _datetimes(ns: np.ndarray, tz: Any) -> list[datetime | None]:
    """Return tz-aware datetimes (None for NaT); refuse sub-microsecond values."""
    known = ns != _NAT
    if (ns[known] % 1000 != 0).any():
        raise ReplyRejected("trade time with nanoseconds (datetimes hold microseconds)")
    index = pd.DatetimeIndex(ns.view("M8[ns]")).tz_localize("UTC").tz_convert(tz or "UTC")
    values = index.to_pydatetime().tolist()
    return [v if ok else None for v, ok in zip(values, known.tolist(), strict=True)]


def _decode_lookahead(f: Fields, n: int) -> LookaheadReport:
    raw = f.value("guarantee_pct", 32)
    if raw is not None and (type(raw) not in (int, float) or not 0.0 <= raw <= 100.0):
        raise ReplyRejected("lookahead.guarantee_pct: null or a number in [0, 100] expected")
    guarantee = None if raw is None else float(raw)
    verified = f.flag("verified")
    report = LookaheadReport(
        checked_bars=f.integer("checked_bars", 0, n),
        mismatches=tuple(f.integers("mismatches", MAX_LISTED, 0, max(n - 1, 0))),
        ok=f.flag("ok") and verified, details=tuple(f.texts("details", MAX_LISTED, MAX_TEXT)),
        verified=verified, guarantee_pct=guarantee, summary=f.text("summary", MAX_TEXT),
        full=f.flag("full"), cuts=f.integer("cuts", 0, 64))
    f.done()
    return report


def _object(value: Any, name: str) -> dict[str, Any]:
    if type(value) is not dict:
        raise ReplyRejected(f"{name}: object expected")
    return value


def _meta(value: Any) -> dict[str, Any]:
    meta = _object(value, "meta")
    first = meta.get("first_error")
    if first is not None:
        if (type(first) is not list or len(first) != 2 or type(first[0]) is not int
                or type(first[1]) is not str):
            raise ReplyRejected("meta.first_error: [bar, text] expected")
        meta["first_error"] = (first[0], first[1])
    return meta
