"""Cost of decoding worker replies: the reply codec (issue 9) against pickle.

Run: ``.venv/bin/python benchmarks/reply_codec.py [--old-protocol PATH]`` (prints figures,
asserts nothing). Two replies are measured: the result of a backtest over a year of 1m
candles (the seed's EMA example on synthetic candles: 525,600 bars, ~10k trades) and a
``decide_batch`` reply of 20 decisions. For each: the worker's encoding, the pool's decoding
(validation and rebuilding of the pandas objects included) and the size on the wire; pickle
as a reference (``pickle.loads`` without restriction: a lower bound of the old cost). With
``--old-protocol`` (the module before issue 9, e.g. ``git show
8317bfc:aristobot/strategies/protocol.py > /tmp/old_protocol.py``) the old
``SafeUnpickler`` itself is timed too.
"""

from __future__ import annotations

import argparse
import importlib.util
import pickle
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

warnings.simplefilter("ignore")

from aristobot.backtest.result_codec import BacktestResultCodec  # noqa: E402
from aristobot.backtest.synthetic import synthetic_candles  # noqa: E402
from aristobot.core.backtest import run_backtest  # noqa: E402
from aristobot.core.backtest.types import BacktestParams  # noqa: E402
from aristobot.core.strategy_api import Action, Decision  # noqa: E402
from aristobot.core.strategy_loader import load_strategy  # noqa: E402
from aristobot.strategies import replies  # noqa: E402
from aristobot.strategies.examples import EMA_CROSS_EXAMPLE  # noqa: E402


def _time(fn: Callable[[], Any], repeat: int) -> float:
    """Median seconds of ``repeat`` calls (after one warm-up)."""
    fn()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def _t(seconds: float) -> str:
    return f"{seconds * 1e3:8.2f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:8.1f} µs"


def _old_loads(path: str | None) -> Callable[[bytes], Any] | None:
    if path is None:
        return None
    spec = importlib.util.spec_from_file_location("old_protocol", Path(path))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    loads: Callable[[bytes], Any] = module.safe_loads
    return loads


def _report(label: str, value: Any, encode: Callable[[], list[bytes | memoryview]],
            spec: replies.ReplySpec, old: Callable[[bytes], Any] | None, repeat: int) -> None:
    data = b"".join(encode())
    as_pickle = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    enc = _time(lambda: b"".join(encode()), repeat)
    dec = _time(lambda: replies.decode_reply(data, spec), repeat)
    ref_enc = _time(lambda: pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), repeat)
    ref = _time(lambda: pickle.loads(as_pickle), repeat)
    print(f"{label}:")
    print(f"  after  (reply codec)  : worker encode {_t(enc)}   pool decode+validate {_t(dec)}"
          f"   {len(data):>10,} bytes")
    if old is not None:
        before = _time(lambda: old(as_pickle), repeat)
        print(f"  before (SafeUnpickler): worker dumps  {_t(ref_enc)}   pool loads          "
              f"   {_t(before)}   {len(as_pickle):>10,} bytes")
    print(f"  reference pickle.loads without any restriction: {_t(ref)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old-protocol", help="path of the pre-issue-9 protocol.py")
    args = parser.parse_args()
    old = _old_loads(args.old_protocol)
    print(f"load average before: {Path('/proc/loadavg').read_text().strip()}")

    candles = synthetic_candles(525_600)
    params = BacktestParams()
    result = run_backtest(candles, load_strategy(EMA_CROSS_EXAMPLE), params)
    request = {"code": EMA_CROSS_EXAMPLE, "candles": candles, "params": params}
    codec = BacktestResultCodec()
    _report(f"backtest result, year of 1m ({len(candles)} bars, {len(result.trades)} trades)",
            result, lambda: replies.job_result(codec, result), replies.job_spec(codec, request),
            old, repeat=5)

    batch: list[Decision | tuple[str, str, int | None]] = [
        Decision(Action.ENTER_LONG, 100.0, 0.02, 0.04) if i % 3 else Decision(Action.NONE)
        for i in range(20)]
    value = ("ok", [("ok", d) for d in batch])
    _report("decide_batch reply of 20 decisions", value, lambda: replies.decisions(batch),
            replies.decisions_spec(20), old, repeat=2000)
    print(f"load average after: {Path('/proc/loadavg').read_text().strip()} "
          f"(2 cores shared with other sessions)")


if __name__ == "__main__":
    main()
