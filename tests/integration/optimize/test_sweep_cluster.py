"""Sweeps on other clusters: a worker killed mid-sweep, and an existing scheduler + worker
started as separate processes (the ARISTOBOT_DASK_SCHEDULER path)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aristobot.backtest.synthetic import synthetic_candles
from aristobot.config import Settings
from aristobot.core.backtest import BacktestParams, run_backtest
from aristobot.core.strategy_loader import load_strategy
from aristobot.optimize import IntRange, ParamSpace, client_for, close_clients, grid, run_sweep
from aristobot.optimize.cluster import LOCAL_SCHEDULER_OPTIONS
from aristobot.strategies.examples import EMA_CROSS_PARAMS_EXAMPLE as EMA

CANDLES = synthetic_candles(2_000, seed=9)
BACKTEST = BacktestParams(window=300, check_samples=20)
DASK = str(Path(sys.executable).with_name("dask"))


def test_worker_killed_mid_sweep_loses_nothing() -> None:
    from distributed import Client, LocalCluster

    points = grid(ParamSpace(fast=IntRange(5, 12), slow=IntRange(30, 30)))
    killed: list[int] = []
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None,
                      scheduler_kwargs=dict(LOCAL_SCHEDULER_OPTIONS)) as cluster, \
            Client(cluster, set_as_default=False) as client:

        def kill_a_busy_worker(done: int, total: int, row: Any) -> None:
            if killed:
                return
            busy = [w for w, keys in client.processing().items() if keys]
            if busy:
                pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
                os.kill(pid, signal.SIGKILL)  # a worker process this test started
                killed.append(pid)

        result = run_sweep(EMA, CANDLES, points, client=client, backtest=BACKTEST,
                           isolation="process", on_progress=kill_a_busy_worker)
    assert killed, "no worker was busy when the first result came back"
    assert not result.cancelled and not result.missing
    assert sorted(r.index for r in result.rows) == list(range(len(points)))
    for row in result.rows:  # rescheduled on a live worker, or reported: never dropped
        if row.error is None:
            single = run_backtest(CANDLES, load_strategy(EMA), BACKTEST,
                                  strategy_params=row.params)
            assert row.stats == single.stats
        else:
            assert "point non calculé" in row.error


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def existing_cluster(tmp_path: Path) -> Iterator[str]:
    """``dask scheduler`` and ``dask worker`` as separate processes on free ports."""
    address = f"tcp://127.0.0.1:{_free_port()}"
    port = address.rsplit(":", 1)[1]
    logs = [open(tmp_path / name, "wb") for name in ("scheduler.log", "worker.log")]  # noqa: SIM115
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs.append(subprocess.Popen(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"],
            stdout=logs[0], stderr=subprocess.STDOUT))
        procs.append(subprocess.Popen(
            [DASK, "worker", address, "--nthreads", "1", "--nworkers", "1", "--memory-limit",
             "1GiB", "--no-dashboard", "--host", "127.0.0.1"],
            stdout=logs[1], stderr=subprocess.STDOUT))
        yield address
    finally:  # even when the test failed or timed out: no process outlives it
        close_clients()
        for proc in reversed(procs):  # the worker (and its sandboxed children) first
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for f in logs:
            f.close()


def test_sweep_on_an_existing_scheduler(existing_cluster: str, tmp_path: Path) -> None:
    settings = Settings.from_env({"ARISTOBOT_DASK_SCHEDULER": existing_cluster,
                                  "ARISTOBOT_VAR_DIR": str(tmp_path / "var")}, root=tmp_path)
    assert settings.dask_scheduler == existing_cluster
    client = client_for(settings)  # connects (retrying until the scheduler listens)
    client.wait_for_workers(1, timeout=120)
    assert client.scheduler.address == existing_cluster
    points = grid(ParamSpace(fast=IntRange(5, 10, 5), slow=IntRange(20, 20)))
    result = run_sweep(EMA, CANDLES, points, settings=settings, backtest=BACKTEST,
                       isolation="sandbox", owner=3)
    assert client_for(settings) is client
    assert len(result.rows) == len(points)
    for row in result.rows:
        single = run_backtest(CANDLES, load_strategy(EMA), BACKTEST, strategy_params=row.params)
        assert row.error is None and row.stats == single.stats
    worker_hosts = client.run(os.getpid)
    assert len(worker_hosts) == 1 and os.getpid() not in worker_hosts.values()


def test_bad_scheduler_address_is_a_config_error(tmp_path: Path) -> None:
    from aristobot.errors import ConfigError

    with pytest.raises(ConfigError):
        Settings.from_env({"ARISTOBOT_DASK_SCHEDULER": "host:8786"}, root=tmp_path)
