"""The worker process: runs user strategies and jobs for the pool, inside the sandbox.

Started by ``aristobot.strategies.pool`` as ``python -I -c <bootstrap>`` with a scrubbed
environment. It reads framed pickles from the pool on its stdin (the pool is trusted) and
answers on its stdout with ``reply_codec`` frames, never pickles: a fixed, versioned schema
(JSON header + raw numpy buffers) per request, see ``replies``. User code's own ``print`` goes
to stderr (fd 1 is moved away first). Requests:

* ``("init", config)`` first: memory limit, uid, process limit and the paths Landlock keeps
  readable (``sandbox.enclose``);
* ``("decide", key, code|None, candles, balance, position, cpu_s)``;
* ``("decide_many", [(key, code|None, frame_index, balance, position), ...], frames, cpu_s)``:
  one reply holding one decision or error per item; the candle frames are sent once per batch;
* ``("check", key, code|None, candles, balance, cpu_s)``: build and call every method once;
* ``("job", "<job module>:function", kwargs, cpu_s)`` (modules under the init's
  ``job_modules`` prefixes only, functions declared with ``job_results.job_result``; the
  result is encoded with that declared codec).

Candles arrive as ``protocol.pack_candles`` tuples (numpy arrays).

Answers (``replies``): ``ready`` (sandbox status), ``ok`` (a decision, a batch of decisions,
check notes or a job result), ``progress`` (jobs), ``need_code`` and ``err`` (kind, French
message cut to a few KB, line). Nothing this process sends is trusted by the pool: user code
runs here and can write anything on the reply pipe; the pool decodes against the schema.
"""

from __future__ import annotations

import importlib
import io
import os
import pickle
import sys
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from aristobot.core import messages as core_messages
from aristobot.core.strategy_api import Decision
from aristobot.strategies import messages, replies, sandbox
from aristobot.strategies.job_results import resolve
from aristobot.strategies.protocol import frame_chunks, read_frame_blocking

_CACHE_SIZE = 64


class _Channel:
    def __init__(self) -> None:
        # Keep private copies of the pipes, then point fds 0/1 away so that user code's
        # print() cannot corrupt the protocol.
        self.inp = os.fdopen(os.dup(0), "rb")
        self.out = os.fdopen(os.dup(1), "wb")
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        os.dup2(2, 1)
        sys.stdout = sys.stderr

    def send(self, body: replies.Body) -> None:
        for chunk in frame_chunks(body):
            self.out.write(chunk)
        self.out.flush()

    def receive(self) -> tuple[Any, ...] | None:
        data = read_frame_blocking(self.inp)
        return None if data is None else pickle.loads(data)  # the pool is trusted


class _Worker:
    def __init__(self, channel: _Channel) -> None:
        self.channel = channel
        self.classes: OrderedDict[str, type] = OrderedDict()
        self.job_modules: tuple[str, ...] = ("aristobot.",)

    def strategy_class(self, key: str, code: str | None) -> type | None:
        from aristobot.core.strategy_loader import load_strategy

        cls = self.classes.get(key)
        if cls is not None:
            self.classes.move_to_end(key)
            return cls
        if code is None:
            return None
        cls = load_strategy(code)
        self.classes[key] = cls
        if len(self.classes) > _CACHE_SIZE:
            self.classes.popitem(last=False)
        return cls

    def handle(self, request: tuple[Any, ...]) -> replies.Body:
        from aristobot.core.strategy_api import decide
        from aristobot.strategies.protocol import unpack_candles

        op = request[0]
        if op == "decide":
            _, key, code, candles, balance, position, cpu_s = request
            sandbox.limit_cpu_for_next_call(cpu_s)
            cls = self.strategy_class(key, code)
            if cls is None:
                return replies.need_code()
            return replies.decision(decide(cls, unpack_candles(candles), balance, position))
        if op == "decide_many":
            _, items, frames, cpu_s = request
            sandbox.limit_cpu_for_next_call(cpu_s * len(items))
            found = [self.strategy_class(key, code) for key, code, *_ in items]
            classes = [cls for cls in found if cls is not None]
            if len(classes) != len(found):
                return replies.need_code()
            built = [unpack_candles(f) for f in frames]
            return replies.decisions([_one_decision(cls, built[f], balance, position)
                                      for cls, (_, _, f, balance, position) in zip(
                                          classes, items, strict=True)])
        if op == "check":
            _, key, code, candles, balance, cpu_s = request
            sandbox.limit_cpu_for_next_call(cpu_s)
            cls = self.strategy_class(key, code)
            if cls is None:
                return replies.need_code()
            return replies.notes(exercise(cls, unpack_candles(candles), balance))
        if op == "job":
            _, func, kwargs, cpu_s = request
            sandbox.limit_cpu_for_next_call(cpu_s)
            fn, codec = resolve(func, self.job_modules)
            value = fn(**kwargs, report_progress=self._progress())
            try:
                return replies.job_result(codec, value)
            except MemoryError:
                raise
            except Exception as e:  # noqa: BLE001 - a result outside its declared schema
                return replies.error("user", messages.result_not_transferable(e))
        return replies.error("protocol", messages.unknown_request(op))

    def _progress(self) -> Callable[[float], None]:
        last = [-1.0, 0.0]

        def report(fraction: float) -> None:
            f = min(max(float(fraction), 0.0), 1.0)
            if f != f:  # NaN: not a progress
                return
            now = time.monotonic()
            if f - last[0] >= 0.01 or now - last[1] >= 0.2 or f >= 1.0:
                last[0], last[1] = f, now
                self.channel.send(replies.progress(f))

        return report


def exercise(cls: type, candles: Any, balance: float) -> list[str]:
    """Build the strategy and call each decision method once; return French notes."""
    from aristobot.core.strategy_api import Position

    flat = cls(candles.copy(), balance, None)
    notes = [messages.built_on(len(candles))]
    for name in ("should_long", "should_short"):
        notes.append(f"{name}() → {bool(getattr(flat, name)())}")
    for name in ("calculate_position_size", "calculate_stop_loss", "calculate_take_profit"):
        value = getattr(flat, name)()
        try:
            float(value)
        except (TypeError, ValueError):
            raise TypeError(core_messages.must_return_number(f"{name}()", value)) from None
        notes.append(f"{name}() → {float(value):g}")
    price = float(candles["close"].iloc[-1])
    in_position = cls(candles.copy(), balance, Position("long", 1.0, price))
    notes.append(messages.in_position_should_short(bool(in_position.should_short())))
    return notes


def _one_decision(cls: type, candles: Any, balance: float,
                  position: Any) -> Decision | tuple[str, str, int | None]:
    """One decision of a batch: its own reply, so one strategy's error spares the others."""
    from aristobot.core.strategy_api import decide

    try:
        return decide(cls, candles, balance, position)
    except MemoryError:
        raise
    except Exception as e:  # noqa: BLE001 - reported with the user's line
        return _error_fields(e)


def _error_fields(exc: BaseException) -> tuple[str, str, int | None]:
    """Return (kind, French message, user line) for an exception raised while serving."""
    from aristobot.core.strategy_loader import describe_user_error, user_line
    from aristobot.errors import AristobotError

    if isinstance(exc, MemoryError):
        return ("memory", messages.OUT_OF_MEMORY, None)
    if isinstance(exc, AristobotError):
        line = exc.context.get("line")
        return ("user", exc.user_message(), line if isinstance(line, int) else None)
    return ("user", describe_user_error(exc), user_line(exc))


def _warm_up() -> None:
    # Import what strategies use before the sandbox closes the disk, and to be fast.
    import warnings

    warnings.simplefilter("ignore")
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import pandas_ta_classic  # noqa: F401

    import aristobot.core.strategy_api  # noqa: F401
    import aristobot.core.strategy_loader  # noqa: F401


def main() -> None:
    """Run the worker loop until the pool closes the pipe."""
    sandbox.die_with_parent()
    channel = _Channel()
    init = channel.receive()
    if init is None or init[0] != "init":
        return
    config: dict[str, Any] = init[1]
    _warm_up()
    for module in config.get("preload", ()):
        importlib.import_module(module)
    channel.send(replies.ready(sandbox.enclose(config)))
    worker = _Worker(channel)
    worker.job_modules = tuple(config.get("job_modules", worker.job_modules))
    while True:
        request = channel.receive()
        if request is None:
            return
        out_of_memory = False
        try:
            reply = worker.handle(request)
        except BaseException as e:  # noqa: BLE001 - everything user code raises is reported
            fields = _error_fields(e)
            out_of_memory = fields[0] == "memory"
            reply = replies.error(*fields)
        try:
            channel.send(reply)
        except (BrokenPipeError, io.UnsupportedOperation):
            return
        if out_of_memory:
            os._exit(3)  # the heap may be unusable: let the pool start a fresh worker


if __name__ == "__main__":
    main()
