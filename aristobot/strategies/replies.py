"""The schema of every reply a worker sends, per request (encoders for the worker, decoders
and size caps for the pool). The wire format is in ``reply_codec``.

Kinds and their fields (JSON header; ``line``/``error`` may be null):

* ``ready``      ``status``: the ``SandboxStatus`` fields (scalars only);
* ``progress``   ``f``: a fraction in [0, 1] (jobs only);
* ``need_code``  no field (decide, decide_many, check only);
* ``err``        ``kind`` (user | memory | protocol), ``message`` (≤ ``MAX_ERROR_CHARS``),
  ``line`` (the user's line or null);
* ``ok`` to ``decide``: ``d``: a decision {action, size, stop_loss, take_profit, error};
  to ``decide_many``: ``d``: exactly one item per request, each {"k": "ok", "d": decision}
  or {"k": "err", kind, message, line};
  to ``check``: ``notes``: ≤ ``MAX_NOTES`` texts;
  to ``job``: the fields of the job's declared ``JobResult`` codec (``job_results``).

``decode_reply`` turns a body into the tuples the pool handles (``("ok", value)``,
``("progress", f)``, ``("need_code",)``, ``("err", kind, message, line)``,
``("ready", status_fields)``) or raises ``ReplyRejected``; it never raises anything else.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aristobot.core.strategy_api import Action, Decision
from aristobot.strategies.job_results import JobResult
from aristobot.strategies.reply_codec import (
    Fields,
    Out,
    ReplyRejected,
    cut,
    decode_frame,
    number,
)
from aristobot.strategies.sandbox import SandboxStatus

Body = list[bytes | memoryview]

MAX_ERROR_CHARS = 4000
MAX_NOTES = 32
MAX_NOTE_CHARS = 1000
MAX_STATUS_CHARS = 2000
ERROR_KINDS = ("user", "memory", "protocol")
_ACTIONS = frozenset(a.value for a in Action)
_MAX_LINE = 10**7
#: Bytes of JSON one text character can take at worst (a control character is \u00XX).
TEXT_BYTES = 6
#: The cap of a reply that holds a few numbers and texts (a decision, notes, an error).
SMALL_FRAME = 64 * 1024
_DECISION_BYTES = 512 + MAX_ERROR_CHARS * TEXT_BYTES


@dataclass(frozen=True, slots=True)
class ReplySpec:
    """What the pool accepts in answer to one request (built per request)."""

    max_frame: int  # bytes of body; refused from the length prefix, before reading
    ok: Callable[[Fields], Any]  # decodes the fields of a successful reply
    ok_kind: str = "ok"
    progress: bool = False  # progress replies may come first (jobs)
    need_code: bool = False  # the worker may ask for the strategy's source
    max_header: int = 0  # bytes of JSON header (0: up to max_frame)


def decode_reply(body: bytes, spec: ReplySpec) -> tuple[Any, ...]:
    """Decode a worker's reply body against ``spec`` (raises only ``ReplyRejected``)."""
    try:
        frame = decode_frame(body, max_header=spec.max_header or spec.max_frame)
        f = frame.fields
        reply: tuple[Any, ...]
        if frame.kind == spec.ok_kind:
            reply = (spec.ok_kind, spec.ok(f))
        elif frame.kind == "err":
            reply = _error(f)
        elif frame.kind == "progress" and spec.progress:
            value = f.number("f")
            if not 0.0 <= value <= 1.0:
                raise ReplyRejected("progress outside [0, 1]")
            reply = ("progress", value)
        elif frame.kind == "need_code" and spec.need_code:
            reply = ("need_code",)
        else:
            raise ReplyRejected(f"unexpected reply kind {frame.kind!r}")
        f.done()
        return reply
    except ReplyRejected:
        raise
    except Exception as e:  # a slip in a decoder is a refusal too, never the caller's crash
        raise ReplyRejected(f"{type(e).__name__} while decoding: {str(e)[:200]}") from None


def _error(f: Fields) -> tuple[Any, ...]:
    return ("err", f.choice("kind", ERROR_KINDS), f.text("message", MAX_ERROR_CHARS),
            f.opt_integer("line", 1, _MAX_LINE))


def _decision(f: Fields) -> Decision:
    d = Decision(Action(f.choice("action", _ACTIONS)), f.number("size"), f.number("stop_loss"),
                 f.number("take_profit"), f.opt_text("error", MAX_ERROR_CHARS))
    f.done()
    return d


def _status(f: Fields) -> dict[str, Any]:
    status = f.record("status")
    out: dict[str, Any] = {}
    present = status.names()
    for field in dataclasses.fields(SandboxStatus):
        if field.name in present:
            value = status.value(field.name, MAX_STATUS_CHARS)
            if isinstance(value, list | dict):
                raise ReplyRejected(f"status.{field.name}: scalar expected")
            out[field.name] = value
    status.done()
    return out


# --- the spec of each request -----------------------------------------------------------------
READY = ReplySpec(SMALL_FRAME, _status, ok_kind="ready")
DECISION = ReplySpec(SMALL_FRAME, lambda f: _decision(f.record("d")), need_code=True)
NOTES = ReplySpec(SMALL_FRAME + MAX_NOTES * MAX_NOTE_CHARS * TEXT_BYTES,
                  lambda f: f.texts("notes", MAX_NOTES, MAX_NOTE_CHARS), need_code=True)


def decisions_spec(count: int) -> ReplySpec:
    """Return the spec of the reply to a ``decide_many`` of ``count`` items."""

    def ok(f: Fields) -> list[tuple[Any, ...]]:
        items = f.records("d", count)
        if len(items) != count:
            raise ReplyRejected(f"{len(items)} decisions for {count} requests")
        out = []
        for item in items:
            if item.choice("k", ("ok", "err")) == "ok":
                out.append(("ok", _decision(item.record("d"))))
            else:
                out.append(_error(item))
            item.done()
        return out

    return ReplySpec(SMALL_FRAME + count * _DECISION_BYTES, ok, need_code=True)


def job_spec(codec: JobResult[Any], request: Mapping[str, Any]) -> ReplySpec:
    """Return the spec of the reply to a job whose result ``codec`` declares."""
    limit = max(codec.max_bytes(request), SMALL_FRAME)
    return ReplySpec(limit, lambda f: codec.decode(f.record("r"), request), progress=True,
                     max_header=min(limit, codec.max_header(request)))


# --- worker side ------------------------------------------------------------------------------
def ready(status: Mapping[str, Any]) -> Body:
    return Out().body("ready", {"status": dict(status)})


def progress(fraction: float) -> Body:
    return Out().body("progress", {"f": number(fraction)})


def need_code() -> Body:
    return Out().body("need_code", {})


def _error_fields(kind: str, message: str, line: int | None) -> dict[str, Any]:
    return {"kind": kind if kind in ERROR_KINDS else "protocol",
            "message": cut(str(message), MAX_ERROR_CHARS),
            "line": line if isinstance(line, int) and 1 <= line <= _MAX_LINE else None}


def error(kind: str, message: str, line: int | None = None) -> Body:
    return Out().body("err", _error_fields(kind, message, line))


def _decision_fields(d: Decision) -> dict[str, Any]:
    return {"action": Action(d.action).value, "size": number(d.size),
            "stop_loss": number(d.stop_loss), "take_profit": number(d.take_profit),
            "error": None if d.error is None else cut(str(d.error), MAX_ERROR_CHARS)}


def decision(d: Decision) -> Body:
    return Out().body("ok", {"d": _decision_fields(d)})


def decisions(items: list[Decision | tuple[str, str, int | None]]) -> Body:
    """Encode a batch: a ``Decision`` or an ``(kind, message, line)`` error per item."""
    encoded = [{"k": "ok", "d": _decision_fields(i)} if isinstance(i, Decision)
               else {"k": "err", **_error_fields(*i)} for i in items]
    return Out().body("ok", {"d": encoded})


def notes(texts: list[str]) -> Body:
    if len(texts) > MAX_NOTES:
        texts = [*texts[: MAX_NOTES - 1], "…"]
    return Out().body("ok", {"notes": [cut(str(t), MAX_NOTE_CHARS) for t in texts]})


def job_result(codec: JobResult[Any], value: Any) -> Body:
    out = Out()
    return out.body("ok", {"r": codec.encode(value, out)})
