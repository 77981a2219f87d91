"""The function each Dask task runs on a worker: one backtest of one point on a candle slice.

``run_task`` receives the candles scattered once to the worker (a Dask future resolved to the
worker's local copy) and slices them by position, so a sweep or a walk-forward never ships
candles per task. Isolation:

* ``"sandbox"`` (the dashboard): the run happens in a sandboxed strategy worker of ``owner``
  (``sandboxed.SandboxHost``); this process only slices, sends and decodes;
* ``"process"`` (notebooks: a researcher's own, trusted code): the strategy runs in the Dask
  worker process itself, faster, without the sandbox.

The outcome is plain data: ``("ok", RunSummary)``, ``("error", French text)`` or
``("cancelled", None)``. Only faults of the Dask worker itself (killed process, lost data)
surface as task exceptions, which the sweep reports.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pandas as pd

from aristobot.core.backtest.types import BacktestParams
from aristobot.errors import AristobotError, JobCancelled
from aristobot.optimize import messages as msg
from aristobot.optimize.run import RunSummary, evaluate

log = logging.getLogger(__name__)

Outcome = tuple[str, Any]
ISOLATIONS = ("sandbox", "process")
_CHECK_EVERY_S = 0.5


def _stop_checker(cancel_key: str | None) -> Callable[[], bool]:
    """Return a cheap ``should_stop``: asks the scheduler's Event at most every 0.5 s."""
    if cancel_key is None:
        return lambda: False
    state = {"next": time.monotonic() + _CHECK_EVERY_S, "stopped": False}

    def should_stop() -> bool:
        if state["stopped"]:
            return True
        now = time.monotonic()
        if now < state["next"]:
            return False
        from distributed import Event

        state["stopped"] = bool(Event(cancel_key).is_set())
        state["next"] = time.monotonic() + _CHECK_EVERY_S
        return bool(state["stopped"])

    return should_stop


def _load(strategy: str | type) -> type:
    from aristobot.core.strategy_loader import load_strategy
    from aristobot.optimize.job import _cached_class

    return strategy if isinstance(strategy, type) else _cached_class(strategy, load_strategy)


#: Outcomes of the runs this worker process finished, by status (for status pages and tests).
RUN_COUNTS: Counter[str] = Counter()


def run_counts() -> dict[str, int]:
    """Return this process's ``RUN_COUNTS`` (call it on the workers with ``client.run``)."""
    return dict(RUN_COUNTS)


def run_task(candles: pd.DataFrame, start: int, stop: int, strategy: str | type,
             point: dict[str, Any], backtest: BacktestParams, samples: int, isolation: str,
             owner: int | None, cancel_key: str | None, memory_mb: int,
             timeout_s: float) -> Outcome:
    """Backtest ``point`` on ``candles.iloc[start:stop]`` (see the module docstring)."""
    outcome = _run(candles.iloc[start:stop], strategy, point, backtest, samples, isolation,
                   owner, cancel_key, memory_mb, timeout_s)
    RUN_COUNTS[outcome[0]] += 1
    return outcome


def _run(window: pd.DataFrame, strategy: str | type, point: dict[str, Any],
         backtest: BacktestParams, samples: int, isolation: str, owner: int | None,
         cancel_key: str | None, memory_mb: int, timeout_s: float) -> Outcome:
    should_stop = _stop_checker(cancel_key)
    if should_stop():
        return ("cancelled", None)
    try:
        if isolation == "process":
            summary = evaluate(_load(strategy), window, point, backtest, samples, should_stop)
        else:
            summary = _sandboxed(window, strategy, point, backtest, samples, owner, memory_mb,
                                 timeout_s, should_stop)
    except JobCancelled:
        return ("cancelled", None)
    except AristobotError as e:
        return ("error", e.user_message())
    except MemoryError:
        return ("error", msg.OUT_OF_MEMORY)
    except Exception as e:  # noqa: BLE001 - the user's code raised (trusted, in-process mode)
        from aristobot.core.strategy_loader import describe_user_error

        return ("error", describe_user_error(e))
    if summary.cancelled:
        return ("cancelled", None)
    return ("ok", summary)


def _sandboxed(window: pd.DataFrame, strategy: str | type, point: dict[str, Any],
               backtest: BacktestParams, samples: int, owner: int | None, memory_mb: int,
               timeout_s: float, should_stop: Callable[[], bool]) -> RunSummary:
    from dataclasses import asdict

    from aristobot.optimize.sandboxed import host

    if not isinstance(strategy, str):
        raise TypeError("sandboxed runs take the strategy's source code")
    kwargs = {"code": strategy, "candles": window, "strategy_params": dict(point),
              "params": asdict(backtest), "samples": int(samples)}
    return host(_slots(), memory_mb).run(kwargs, owner=owner, timeout_s=timeout_s,
                                          should_stop=should_stop)


def _slots() -> int:
    try:
        from distributed import get_worker

        return max(1, int(get_worker().state.nthreads))
    except ValueError:  # not inside a Dask worker (direct call)
        return 1
