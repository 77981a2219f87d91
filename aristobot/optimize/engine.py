"""Submitting runs to Dask and streaming them back: shared by sweeps and walk-forward.

``Runner`` scatters the candles once to every worker (``client.scatter(broadcast=True)``),
submits one task per (point, slice) referring to that single copy, and yields outcomes as they
complete (``distributed.as_completed``). Setting ``cancel`` (anything with ``is_set()``) stops
the stream: pending tasks are cancelled, running ones are told through a ``distributed.Event``
(their sandboxed worker is killed, an in-process run stops at its next checkpoint), and what
finished is kept. A task lost with its Dask worker is re-run by the scheduler; if it cannot be
(``KilledWorker`` after repeated losses, lost data), its point comes back as an error with a
French reason: nothing is silently dropped.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from aristobot.core.backtest.types import BacktestParams
from aristobot.errors import ValidationError
from aristobot.optimize import messages as msg
from aristobot.optimize.tasks import ISOLATIONS, Outcome, run_task

if TYPE_CHECKING:
    from distributed import Client, Future

log = logging.getLogger(__name__)

COLUMNS = ("open", "high", "low", "close", "volume")
_IDLE_WAIT_S = 0.05


class CancelFlag(Protocol):
    def is_set(self) -> bool: ...


def ohlcv_frame(candles: pd.DataFrame) -> pd.DataFrame:
    """Return the float64 OHLCV columns of ``candles``; raise ``ValidationError`` (French)."""
    from aristobot.backtest.job import check_candles

    if not isinstance(candles, pd.DataFrame):
        raise ValidationError(reason=msg.CANDLES_NOT_FRAME)
    check_candles(candles)
    return candles[list(COLUMNS)].astype(np.float64)


def lost_run_message(exc: BaseException) -> str:
    """French reason for a run whose Dask task failed (not the strategy's fault)."""
    name = type(exc).__name__
    if name == "KilledWorker":
        return msg.RUN_WORKER_DIED
    if name == "CancelledError":
        return msg.RUN_LOST
    return msg.RUN_FAILED.format(name=name)


class Runner:
    """One sweep's (or walk-forward's) use of the cluster (see the module docstring)."""

    def __init__(self, client: Client, strategy: str | type, candles: pd.DataFrame, *,
                 backtest: BacktestParams, isolation: str, owner: int | None, samples: int,
                 memory_mb: int, timeout_s: float, cancel: CancelFlag | None) -> None:
        if isolation not in ISOLATIONS:
            raise ValidationError(reason=msg.ISOLATION_UNKNOWN.format(isolation=isolation))
        if isolation == "sandbox" and not isinstance(strategy, str):
            raise ValidationError(reason=msg.SANDBOX_NEEDS_CODE)
        self.client = client
        self.frame = ohlcv_frame(candles)
        self.strategy = strategy
        self.backtest = backtest
        self.isolation = isolation
        self.owner = owner
        self.samples = samples
        self.memory_mb = memory_mb
        self.timeout_s = timeout_s
        self.cancel = cancel
        self.cancelled = False
        self.cancel_key = f"aristobot-cancel-{uuid.uuid4().hex}"
        self._idle = threading.Event()
        self._futures: dict[Any, Future[Any]] = {}
        [self.data] = client.scatter([self.frame], broadcast=True, hash=False)
        from distributed import as_completed

        self._done = as_completed(loop=client.loop)

    def submit(self, point: dict[str, Any], start: int = 0, stop: int | None = None) -> Future[Any]:
        """Queue one run of ``point`` on candles ``[start, stop)`` (positions)."""
        stop = len(self.frame) if stop is None else stop
        future = self.client.submit(
            run_task, self.data, start, stop, self.strategy, dict(point), self.backtest,
            self.samples, self.isolation, self.owner, self.cancel_key, self.memory_mb,
            self.timeout_s, pure=False, retries=1,
            key=f"aristobot-run-{uuid.uuid4().hex}")
        self._futures[future.key] = future
        self._done.add(future)
        return future

    def outcomes(self) -> Iterator[tuple[Future[Any], Outcome]]:
        """Yield (future, outcome) as runs complete, until none is pending or cancelled.

        Runs submitted while iterating are yielded too."""
        while not self._done.is_empty() or self._done.has_ready():
            if self.cancel is not None and self.cancel.is_set():
                self._cancel()
                return
            batch = self._done.next_batch(block=False) if self._done.has_ready() else []
            if not batch:
                self._idle.wait(_IDLE_WAIT_S)
                continue
            for future in batch:
                self._futures.pop(future.key, None)
                yield future, self._outcome(future)

    def _outcome(self, future: Future[Any]) -> Outcome:
        if future.status == "finished":
            outcome: Outcome = future.result()
            return outcome
        if future.status == "cancelled":
            return ("error", msg.RUN_CANCELLED)
        exc = future.exception()
        log.warning("sweep task %s failed: %r", future.key, exc)
        return ("error", lost_run_message(exc))

    def _cancel(self) -> None:
        self.cancelled = True
        from distributed import Event

        try:
            Event(self.cancel_key, client=self.client).set()
        except (OSError, TimeoutError) as e:  # scheduler gone: pending tasks die with it
            log.warning("could not signal the running tasks to stop: %s", e)
        pending = list(self._futures.values())
        if pending:
            self.client.cancel(pending)
        self._done.clear()
        self._futures.clear()

    def close(self) -> None:
        """Release the scattered candles and the cancel event."""
        try:
            self.client.cancel([self.data])
        except (OSError, TimeoutError, RuntimeError) as e:  # the cluster may be gone already
            log.info("could not release the scattered candles: %s", e)
