"""Small worker jobs: the pool's self-test and a decision replay over candles.

Functions here run INSIDE a worker through ``StrategyPool.run_job`` (``report_progress`` is
given by the worker).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from aristobot.errors import JobFailed


def probe(steps: int = 10, step_s: float = 0.0, fail_at: int | None = None, *,
          report_progress: Callable[[float], None]) -> dict[str, Any]:
    """Count ``steps`` steps (sleeping ``step_s`` each), reporting progress; fail on request."""
    for i in range(steps):
        if fail_at is not None and i == fail_at:
            raise JobFailed(reason=f"échec demandé à l'étape {i}")
        if step_s:
            time.sleep(step_s)
        report_progress((i + 1) / steps)
    return {"steps": steps, "pid_hidden": True}


def replay_decisions(code: str, candles: Any, balance: float, window: int = 500, *,
                     report_progress: Callable[[float], None]) -> list[str]:
    """Return the action of the strategy at each bar (the exact path, as live)."""
    from aristobot.core.strategy_api import decide
    from aristobot.core.strategy_loader import load_strategy

    cls = load_strategy(code)
    actions = []
    n = len(candles)
    for i in range(n):
        actions.append(decide(cls, candles.iloc[max(0, i + 1 - window): i + 1], balance,
                              None).action.value)
        if i % 50 == 0:
            report_progress(i / n)
    report_progress(1.0)
    return actions


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
