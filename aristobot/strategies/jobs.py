"""Diagnostic worker job shipped with the package: time decisions inside a worker.

Runs INSIDE a worker through ``StrategyPool.run_job`` (``report_progress`` is given by the
worker); ``benchmarks/strategy_pool.py`` uses it. Test-only jobs live in ``tests/support/jobs``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from aristobot.strategies.job_results import Floats, job_result


@job_result(Floats("repeat", 200))
def time_decisions(code: str, candles: Any, balance: float, repeat: int = 200, *,
                   report_progress: Callable[[float], None]) -> list[float]:
    """Time ``repeat`` decisions inside the worker (seconds each; for the benchmark)."""
    from aristobot.core.strategy_api import decide
    from aristobot.core.strategy_loader import load_strategy

    cls = load_strategy(code)
    decide(cls, candles, balance, None)  # warm-up
    times = []
    for i in range(repeat):
        start = time.perf_counter()
        decide(cls, candles, balance, None)
        times.append(time.perf_counter() - start)
        if i % 20 == 0:
            report_progress(i / repeat)
    return times
