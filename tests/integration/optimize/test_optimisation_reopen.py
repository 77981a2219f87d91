"""Reopening a stored sweep or walk-forward in the « Optimisation » view-model (no browser, no
Dask): the form comes back to what was run, the count says what it counts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest_asyncio

from aristobot.optimize import walk_forward_verdict
from aristobot.optimize.results import SweepRow, WalkForwardResult, Window, WindowResult
from aristobot.runtime import Runtime, build_runtime
from aristobot.sweeps import records
from aristobot.sweeps import store as sweeps_store
from aristobot.ui import optimisation_messages as text
from aristobot.ui.optimisation_vm import OptimisationVM
from tests.support.factories import make_settings, make_user

T0 = pd.Timestamp("2024-01-01", tz="UTC")


@pytest_asyncio.fixture
async def runtime(tmp_path: Path, sqlite_url: str) -> AsyncIterator[Runtime]:
    rt = build_runtime(make_settings(tmp_path / "var", sqlite_url, strategy_workers=1))
    yield rt
    await rt.aclose()


def _info(settings: dict[str, object], method: str = "grid") -> sweeps_store.SweepInfo:
    return sweeps_store.SweepInfo(
        "EMA réglable", "code", "binance", "BTC/USDT", "1h", datetime(2024, 1, 1, tzinfo=UTC),
        datetime(2024, 2, 1, tzinfo=UTC), method, "sharpe", {"fast": [5, 10, 5]},
        ["fast < 20"], {"initial_amount": 2500.0, "fee_rate": 0.0007, "cap": 40,
                        "random_runs": 12, "window": 200, **settings})


def _walk_outcome(n_windows: int) -> sweeps_store.SweepOutcome:
    row = SweepRow(0, {"fast": 5}, 1.0, {"total_return_pct": 4.0}, 3, True)
    windows = [WindowResult(Window(0, 100 + 50 * k, 150 + 50 * k), T0, T0, T0, {"fast": 5},
                            row, row, 2) for k in range(n_windows)]
    result = WalkForwardResult("sharpe", True, "anchored", windows)
    verdict = walk_forward_verdict(result)
    judged = [w.out_of_sample for w in windows if w.out_of_sample is not None]
    return sweeps_store.SweepOutcome("done", records.run_records(judged), n_windows, None,
                                     {"text": verdict}, records.walk_forward_record(result,
                                                                                    verdict))


def _save(runtime: Runtime, user_id: int, info: sweeps_store.SweepInfo,
          outcome: sweeps_store.SweepOutcome) -> int:
    with runtime.sessions.begin() as s:
        return sweeps_store.save_sweep(s, user_id, info, outcome)


async def test_reopened_walk_forward_restores_its_form_and_counts_windows(
        runtime: Runtime) -> None:
    user = make_user(runtime.sessions)
    walk_id = _save(runtime, user.id, _info({"analysis": "walk_forward", "windows": "anchored",
                                             "n_splits": 3, "in_sample_fraction": 0.6}),
                    _walk_outcome(3))
    runs = [{"params": {"fast": f}, "stats": {"sharpe": 1.0}} for f in (5, 10)]
    sweep_id = _save(runtime, user.id, _info({}, method="random"),  # stored before walk-forward
                     sweeps_store.SweepOutcome("done", runs, 2, {"fast": 5}, {"text": "ok"}))
    vm = OptimisationVM(runtime, user.id)
    assert (vm.analysis, vm.wf_windows, vm.wf_splits) == ("sweep", "rolling", 4)

    vm.reopen(walk_id)
    assert vm.error == "" and "rouverte" in vm.message
    assert (vm.analysis, vm.wf_windows, vm.wf_splits, vm.wf_in_sample_pct) == (
        "walk_forward", "anchored", 3, 60.0)
    assert (vm.method, vm.constraints, vm.cap, vm.random_runs) == ("grid", "fast < 20", 40, 12)
    assert (vm.initial_amount, vm.fee_pct) == (2500.0, 0.07)
    assert (vm.done_runs, vm.total_runs, vm.count_unit) == (3, 3, text.UNIT_WINDOWS)
    assert len(vm.walk) == 3

    vm.reopen(sweep_id)
    assert (vm.analysis, vm.method) == ("sweep", "random")
    assert (vm.done_runs, vm.total_runs, vm.count_unit) == (2, 2, text.UNIT_RUNS)
