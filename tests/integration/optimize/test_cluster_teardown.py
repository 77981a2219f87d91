"""A sweep's processes never outlive their cluster: the sandboxed strategy workers a Dask
worker started die with it, whether the cluster is closed or the worker is killed."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from typing import Any

import pytest

from aristobot.backtest.synthetic import synthetic_candles
from aristobot.core.backtest import BacktestParams
from aristobot.optimize import run_sweep
from aristobot.optimize.cluster import close_cluster, local_cluster, worker_pids
from aristobot.strategies.examples import EMA_CROSS_PARAMS_EXAMPLE as EMA
from tests.support import processes

CANDLES = synthetic_candles(400, seed=3)
BACKTEST = BacktestParams(window=100, check_samples=5)
EXIT_S = 60.0


def _children() -> list[int]:
    from tests.support.processes import descendants

    return sorted(descendants())


@pytest.fixture
def cluster() -> Iterator[Any]:
    from distributed import Client

    cluster = local_cluster(1, 1024)
    try:
        with Client(cluster, set_as_default=False) as client:
            yield cluster, client
    finally:
        close_cluster(cluster)


def _sandboxed_children(client: Any) -> tuple[int, set[int]]:
    """Run a sandboxed sweep; return the worker's pid and the processes it started."""
    result = run_sweep(EMA, CANDLES, [{"fast": 5, "slow": 20}], client=client,
                       backtest=BACKTEST, isolation="sandbox", owner=1)
    assert result.rows[0].error is None
    [(worker, pid)] = client.run(os.getpid).items()
    children = set(client.run(_children, workers=[worker])[worker])
    assert children, "the sandboxed strategy workers were not started by the Dask worker"
    return pid, children


def test_sandboxed_children_die_when_the_cluster_closes(cluster: Any) -> None:
    local, client = cluster
    pid, children = _sandboxed_children(client)
    assert worker_pids(local) == [pid]
    client.close()
    close_cluster(local)
    assert processes.wait_gone(children | {pid}, EXIT_S) == set()


def test_sandboxed_children_die_with_a_killed_worker(cluster: Any) -> None:
    local, client = cluster
    pid, children = _sandboxed_children(client)
    os.kill(pid, signal.SIGKILL)  # a worker process this test started
    assert processes.wait_gone(children, EXIT_S) == set()


def test_close_cluster_kills_workers_that_do_not_close() -> None:
    local = local_cluster(1, 1024)
    [pid] = worker_pids(local)
    os.kill(pid, signal.SIGSTOP)  # a wedged worker: cannot answer the close request
    try:
        close_cluster(local, timeout_s=5)
    finally:
        if processes.alive({pid}):
            os.kill(pid, signal.SIGCONT)
    assert processes.wait_gone({pid}, EXIT_S) == set()
