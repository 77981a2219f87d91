"""Research at scale: parameter sweeps and walk-forward on Dask, with an overfitting guard.

Public API (stable; ``aristobot.research`` and the « Optimisation » page build on it)::

    from aristobot import optimize as opt

    space = opt.ParamSpace(fast=opt.IntRange(5, 50, 5), slow=opt.IntRange(10, 200, 10))
    # or opt.ParamSpace.of({"fast": (5, 50, 5), "slow": range(10, 201, 10), "on": [True]})
    points = opt.grid(space, ["fast < slow"], cap=2000)        # or opt.random_points(
                                                                #  space, "fast < slow", n, seed)
    result = opt.run_sweep(code, candles, points, "sharpe",
                           backtest=BacktestParams(...),      # fees, window, mode… (defaults)
                           settings=settings,                  # or client=<distributed.Client>
                           isolation="sandbox", owner=user_id, # the dashboard (default)
                           on_progress=lambda done, total, row: ...,
                           cancel=threading.Event())           # anything with is_set()
    result.best, result.rows, result.flagged, result.dsr, result.pbo, result.verdict
    result.to_frame(); result.heatmap("fast", "slow")
    wf = opt.walk_forward(code, candles, points, "sharpe", windows="rolling",  # or "anchored"
                          n_splits=4, in_sample_fraction=0.75, ...same keywords...)
    wf.windows[k].best_params / .in_sample / .out_of_sample; wf.to_frame()

Parameters. A strategy declares ``params = {"fast": 10, "slow": 20}`` (literal dict, names →
int/float/bool) and reads ``self.params["fast"]``; ``core.strategy_validator.parse_params``
reads the declaration from the source without running it. Points must name declared
parameters with values of the declared type (an int parameter takes ints), else
``ValidationError`` (French, ``user_message()``).

Spaces (``space``): ``IntRange(start, stop, step)`` and ``FloatRange`` include ``stop``;
``Choice(values)``. Constraints are texts over the parameter names (``"fast < slow"``,
``"slow - fast >= 10 and fast % 5 == 0"``), parsed by ``constraints.parse_constraint`` into a
closed arithmetic/comparison/boolean grammar, never ``eval``. ``grid`` refuses more than
``cap`` valid points, ``random_points`` more than ``cap`` draws (French ``ValidationError``).

``run_sweep(strategy, candles, points, objective="sharpe", *, backtest=None, client=None,
settings=None, isolation="sandbox", owner=None, on_progress=None, cancel=None, samples=500,
cap=2000) -> SweepResult``:

* ``strategy``: source code (str); a ``Strategy`` subclass only with ``isolation="process"``.
* ``candles``: OHLCV DataFrame indexed by UTC open time (``backtest.job.check_candles``).
* ``objective``: a key of ``OBJECTIVES`` (statistics of ``core.backtest.metrics``);
  ``max_drawdown_pct`` is minimised, the others maximised; runs where it is undefined rank last.
* Cluster: ``client`` if given, else ``cluster.client_for(settings)`` (a process-wide
  LocalCluster, or ``settings.dask_scheduler`` = ``ARISTOBOT_DASK_SCHEDULER``).
* Each point is one ``run_backtest`` (same semantics, fast path + its look-ahead check);
  ``SweepRow.lookahead_ok is False`` marks a run whose check failed and ``result.flagged``
  the whole sweep. The candles are scattered once to every worker; tasks slice that copy.
* ``isolation="sandbox"``: every run happens in a sandboxed strategy worker of ``owner`` that
  the Dask worker starts (scrubbed env, Landlock, seccomp, limits; reply decoded by
  ``job.RunSummaryCodec``): the calling process and the Dask worker never execute user code.
  ``"process"``: the strategy runs inside the Dask worker processes (notebooks only: a
  researcher's own, trusted code; faster, no sandbox).
* ``on_progress(done, total, row)`` is called in the caller's thread after each finished run
  (``row.error`` set for a failed point). ``cancel.is_set()`` stops the sweep: pending runs are
  dropped, running ones killed; finished rows are kept, ``result.cancelled`` is True and
  ``result.missing`` lists the points that did not run.
* A failing point (strategy exception, time limit, memory, a Dask worker lost more often than
  the scheduler retries) is a row with ``error`` (French); it is never silently dropped.
* ``SweepResult.dsr``: Deflated Sharpe Ratio of the best row over all finished trials;
  ``pbo``: probability of backtest overfitting by CSCV (16 partitions of the sampled equity
  returns, ``samples`` per run); ``verdict``: French text (``overfitting.verdict``).

``walk_forward`` takes the same keywords plus ``windows``, ``n_splits`` and
``in_sample_fraction`` (``walkforward.walk_windows`` documents the exact windows); each
window's best in-sample point (by ``objective``) is backtested only on the window's
out-of-sample slice.

Errors a user can cause raise ``aristobot.errors.ValidationError`` with a French
``user_message()``; cluster connection problems raise ``ConfigError``.
"""

from __future__ import annotations

from aristobot.optimize.cluster import client_for, close_clients, local_cluster
from aristobot.optimize.constraints import Constraint, parse_constraint
from aristobot.optimize.overfitting import (
    PBOResult,
    deflated_sharpe_ratio,
    dsr_of_trials,
    expected_max_sharpe,
    probability_of_backtest_overfitting,
    sharpe_moments,
    verdict,
)
from aristobot.optimize.results import (
    OBJECTIVES,
    SweepResult,
    SweepRow,
    WalkForwardResult,
    Window,
    WindowResult,
)
from aristobot.optimize.run import RunSummary, evaluate, summarize
from aristobot.optimize.space import (
    DEFAULT_CAP,
    Choice,
    FloatRange,
    IntRange,
    ParamSpace,
    grid,
    random_points,
)
from aristobot.optimize.sweep import run_sweep, strategy_declaration
from aristobot.optimize.walkforward import (
    walk_forward,
    walk_forward_runs,
    walk_forward_verdict,
    walk_windows,
)

__all__ = [
    "DEFAULT_CAP",
    "OBJECTIVES",
    "Choice",
    "Constraint",
    "FloatRange",
    "IntRange",
    "PBOResult",
    "ParamSpace",
    "RunSummary",
    "SweepResult",
    "SweepRow",
    "WalkForwardResult",
    "Window",
    "WindowResult",
    "client_for",
    "close_clients",
    "deflated_sharpe_ratio",
    "dsr_of_trials",
    "evaluate",
    "expected_max_sharpe",
    "grid",
    "local_cluster",
    "parse_constraint",
    "probability_of_backtest_overfitting",
    "random_points",
    "run_sweep",
    "sharpe_moments",
    "strategy_declaration",
    "summarize",
    "verdict",
    "walk_forward",
    "walk_forward_runs",
    "walk_forward_verdict",
    "walk_windows",
]
