"""Sweeps on a real LocalCluster: same results as single backtests, flags, cancel, errors."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from aristobot.backtest.synthetic import synthetic_candles
from aristobot.core.backtest import BacktestParams, run_backtest
from aristobot.core.strategy_loader import load_strategy
from aristobot.errors import ValidationError
from aristobot.optimize import IntRange, ParamSpace, grid, run_sweep, walk_forward
from aristobot.optimize.run import summarize
from aristobot.optimize.tasks import run_counts
from aristobot.strategies.examples import EMA_CROSS_PARAMS_EXAMPLE as EMA
from tests.support.hostile import hostile

CANDLES = synthetic_candles(3_000, seed=5)
BACKTEST = BacktestParams(window=300, check_samples=20)
POINTS = grid(ParamSpace(fast=IntRange(5, 15, 5), slow=IntRange(20, 40, 20)), "fast < slow")


def _single(point: dict[str, Any], candles: Any = CANDLES) -> Any:
    return run_backtest(candles, load_strategy(EMA), BACKTEST, strategy_params=point)


@pytest.mark.parametrize("isolation", ["process", "sandbox"])
def test_sweep_rows_equal_single_backtests(dask_client: Any, isolation: str) -> None:
    seen: list[tuple[int, int]] = []
    holders: list[list[Any]] = []

    def progress(done: int, total: int, row: Any) -> None:
        seen.append((done, total))
        frames = {k: v for k, v in dask_client.who_has().items() if str(k).startswith(
            "DataFrame-")}
        holders.append(sorted(len(v) for v in frames.values()))

    result = run_sweep(EMA, CANDLES, POINTS, "total_return_pct", client=dask_client,
                       backtest=BACKTEST, isolation=isolation, on_progress=progress)
    assert seen == [(i + 1, len(POINTS)) for i in range(len(POINTS))]
    # One scattered copy of the candles for the whole sweep, broadcast to both workers (Dask
    # may drop a replica once no queued task needs it there).
    assert all(len(h) == 1 for h in holders) and holders[0] == [2]
    assert not any(str(k).startswith("DataFrame-") for k in dask_client.who_has())
    assert [r.params for r in result.rows] == POINTS and not result.missing
    for row in result.rows:
        single = _single(row.params)
        assert row.error is None and row.trades == len(single.trades) > 0
        assert row.stats == single.stats
        assert row.objective == single.stats["total_return_pct"]
        assert row.lookahead_ok is single.lookahead.ok
        assert (row.returns == summarize(single, 500, len(CANDLES)).returns).all()
    best = max(result.rows, key=lambda r: r.objective or -1e9)
    assert result.best == best
    assert result.verdict and (result.dsr is None or 0.0 <= result.dsr <= 1.0)
    frame = result.to_frame()
    assert list(frame.columns[:3]) == ["fast", "slow", "objective"] and len(frame) == len(POINTS)
    assert result.heatmap("fast", "slow").loc[best.params["slow"], best.params["fast"]] == \
        best.objective


def test_a_flagged_strategy_flags_the_sweep(dask_client: Any) -> None:
    # Reads the next close (shift(-1)) computed over the whole frame: look-ahead.
    peeking = EMA.replace(
        '        self.candles["ema_slow"] = ',
        '        self.candles["next"] = self.candles["close"].shift(-1)\n'
        '        self.candles["ema_slow"] = ').replace(
        "        return fast_prev < slow_prev and fast_now > slow_now",
        '        return self.candles["next"].iloc[-1] > self.candles["close"].iloc[-1] * 1.001')
    assert peeking != EMA
    single = _single(POINTS[0], CANDLES)
    flagged_single = run_backtest(CANDLES, load_strategy(peeking), BACKTEST,
                                  strategy_params=POINTS[0])
    result = run_sweep(peeking, CANDLES, POINTS[:2], client=dask_client, backtest=BACKTEST,
                       isolation="process")
    assert [r.lookahead_ok for r in result.rows] == [False, False]
    assert flagged_single.lookahead is not None and not flagged_single.lookahead.ok
    assert single.lookahead is not None and single.lookahead.ok
    assert result.flagged and "anticipation" in result.verdict


def test_a_failing_point_is_a_row_with_its_error(dask_client: Any) -> None:
    code = EMA.replace('        fast = self.params["fast"]\n',
                       '        fast = self.params["fast"]\n'
                       '        if fast == 10:\n'
                       '            raise ValueError("dix refusé")\n')
    result = run_sweep(code, CANDLES, POINTS, client=dask_client, backtest=BACKTEST,
                       isolation="sandbox")
    assert len(result.rows) == len(POINTS)
    failed = [r for r in result.rows if r.error]
    assert {r.params["fast"] for r in failed} == {10}
    assert all("dix refusé" in (r.error or "") for r in failed)
    assert result.best is not None and result.best.params["fast"] != 10


def test_cancel_keeps_what_finished(dask_client: Any) -> None:
    points = grid(ParamSpace(fast=IntRange(5, 16), slow=IntRange(30, 30)))
    cancel = threading.Event()

    def progress(done: int, total: int, row: Any) -> None:
        cancel.set()

    result = run_sweep(EMA, CANDLES, points, client=dask_client, backtest=BACKTEST,
                       isolation="sandbox", on_progress=progress, cancel=cancel)
    assert result.cancelled and 1 <= len(result.rows) < len(points)
    assert len(result.rows) + len(result.missing) == len(points)
    assert all(r.error is None and r.trades > 0 for r in result.rows)
    done = {tuple(r.params.items()) for r in result.rows}
    assert not done & {tuple(p.items()) for p in result.missing}


def _jobs_in_flight() -> int:
    from aristobot.optimize import sandboxed

    host = sandboxed._HOST
    return 0 if host is None else int(host.pool._jobs)


def test_cancel_kills_the_runs_in_flight(dask_client: Any) -> None:
    # Every run sleeps for 10 minutes inside its sandboxed worker.
    code = hostile('if self.params["nap"]:\n    time.sleep(600)\nreturn False').replace(
        "class Hostile(Strategy):\n", 'class Hostile(Strategy):\n    params = {"nap": 0}\n')

    def cancelled_runs() -> int:
        return sum(c.get("cancelled", 0) for c in dask_client.run(run_counts).values())

    before = cancelled_runs()
    cancel = threading.Event()
    out: list[Any] = []
    sweep = threading.Thread(target=lambda: out.append(run_sweep(
        code, CANDLES.iloc[:300], [{"nap": 1}, {"nap": 2}], client=dask_client,
        backtest=BacktestParams(window=50, check_samples=5), isolation="sandbox",
        cancel=cancel)))
    sweep.start()
    deadline = time.monotonic() + 120
    while sum(dask_client.run(_jobs_in_flight).values()) == 0:  # a sandboxed run is going
        assert time.monotonic() < deadline and sweep.is_alive(), out
        threading.Event().wait(0.2)
    cancel.set()
    sweep.join(120)
    assert not sweep.is_alive() and out[0].cancelled and out[0].rows == []
    # The sleeping runs are killed (their sandboxed workers with them), not left for 600 s.
    deadline = time.monotonic() + 120
    while cancelled_runs() == before:
        assert time.monotonic() < deadline, "the run in flight was not stopped"
        threading.Event().wait(0.2)
    assert cancelled_runs() > before


@pytest.mark.parametrize("points, fragment", [
    ([{"speed": 3}], "non déclaré"), ([{"fast": 2.5}], "entier"), ([], "Aucune"),
])
def test_bad_points_refused_before_anything_runs(dask_client: Any, points: Any,
                                                 fragment: str) -> None:
    with pytest.raises(ValidationError) as e:
        run_sweep(EMA, CANDLES, points, client=dask_client)
    assert fragment in e.value.user_message()


def test_bad_objective_and_candles_refused(dask_client: Any) -> None:
    with pytest.raises(ValidationError, match="Objectif"):
        run_sweep(EMA, CANDLES, POINTS, "luck", client=dask_client)
    with pytest.raises(ValidationError):
        run_sweep(EMA, CANDLES.iloc[::-1], POINTS, client=dask_client)


def test_walk_forward_judges_in_sample_best_out_of_sample(dask_client: Any) -> None:
    candles = CANDLES.iloc[:2_000]
    wf = walk_forward(EMA, candles, POINTS, "total_return_pct", windows="anchored",
                      n_splits=2, in_sample_fraction=0.5, client=dask_client,
                      backtest=BACKTEST, isolation="process")
    # N = 2000, f = 0.5, 2 splits: oos = floor(1000 / 1.5) = 666, first in-sample 668.
    assert [(w.window.is_start, w.window.is_stop, w.window.oos_stop) for w in wf.windows] == [
        (0, 668, 1334), (0, 1334, 2000)]
    for w in wf.windows:
        ins = [_single(p, candles.iloc[w.window.is_start:w.window.is_stop]) for p in POINTS]
        returns = [r.stats["total_return_pct"] for r in ins]
        best = POINTS[returns.index(max(returns))]
        assert w.best_params == best and w.in_sample_runs == len(POINTS)
        oos = _single(best, candles.iloc[w.window.oos_start:w.window.oos_stop])
        assert w.out_of_sample is not None and w.out_of_sample.stats == oos.stats
        assert w.split == candles.index[w.window.oos_start]
    frame = wf.to_frame()
    assert list(frame["window"]) == [1, 2] and "oos_objective" in frame
