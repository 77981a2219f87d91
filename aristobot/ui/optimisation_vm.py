"""View-model of the « Optimisation » mode of « Backtest »: sweep, heatmap, verdict, stored sweeps.

A sweep runs on Dask through ``aristobot.optimize.run_sweep`` with ``isolation="sandbox"``:
every run happens in a sandboxed strategy worker owned by this user, never in the dashboard
process. Candles are loaded like a backtest's (shared table, missing ones fetched), the sweep
runs in a thread (it blocks on Dask), progress comes back to the server loop, « Annuler » stops
it and keeps what finished. Finished and cancelled sweeps are stored per user and reopenable.
Opening a run backtests its parameters again in the strategy worker pool and shows its chart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pandas as pd
import param

from aristobot.backtest.service import PAPER_MARKET_EXCHANGE, market_exchange
from aristobot.brokers.repository import list_brokers
from aristobot.core.timefmt import format_dt, zone
from aristobot.domain.timeframe import Timeframe
from aristobot.errors import AristobotError, ValidationError
from aristobot.runtime import Runtime
from aristobot.strategies import repository as strategies
from aristobot.sweeps import records
from aristobot.sweeps import service as sweeps_service
from aristobot.sweeps import store as sweeps_store
from aristobot.ui import optimisation_messages as text

log = logging.getLogger(__name__)

TIMEFRAMES = ["1m", "3m", "5m", "15m", "1h", "2h", "4h", "1d"]
PAST_COLUMNS = text.PAST_COLUMNS
ANALYSES = text.ANALYSES
WALK_WINDOWS = text.WALK_WINDOWS
UNEXPECTED = text.UNEXPECTED


class OptimisationVM(param.Parameterized):
    strategies = param.Dict(default={})  # name -> id
    strategy_id = param.Integer(default=None, allow_None=True)
    brokers = param.Dict(default={})  # label -> id
    broker_id = param.Integer(default=None, allow_None=True)
    symbol = param.String(default="BTC/USDT")
    timeframe: Any = param.Selector(default="1h", objects=TIMEFRAMES)
    start_date = param.Date(default=None, allow_None=True)
    end_date = param.Date(default=None, allow_None=True)
    initial_amount = param.Number(default=10_000.0, bounds=(0, None))
    fee_pct = param.Number(default=0.1, bounds=(0, 10))
    ranges = param.DataFrame(default=pd.DataFrame(columns=records.RANGE_COLUMNS))
    constraints = param.String(default="")
    objective: Any = param.Selector(default="sharpe", objects=["sharpe"])
    method: Any = param.Selector(default="grid", objects=["grid", "random"])
    random_runs = param.Integer(default=50, bounds=(1, None))
    cap = param.Integer(default=200, bounds=(1, 2000))
    analysis: Any = param.Selector(default="sweep", objects=list(ANALYSES.values()))
    wf_windows: Any = param.Selector(default="rolling", objects=list(WALK_WINDOWS.values()))
    wf_splits = param.Integer(default=4, bounds=(1, 20))
    wf_in_sample_pct = param.Number(default=75.0, bounds=(10.0, 95.0))

    running = param.Boolean(default=False)
    done_runs = param.Integer(default=0)
    total_runs = param.Integer(default=0)
    count_unit = param.String(default=text.UNIT_RUNS)  # what done/total count, in French
    message = param.String(default="")
    error = param.String(default="")
    verdict = param.String(default="")
    flagged = param.Boolean(default=False)
    runs = param.DataFrame(default=pd.DataFrame())  # records.runs_frame
    walk = param.DataFrame(default=pd.DataFrame(columns=records.WALK_COLUMNS))  # walk_frame
    axes = param.List(default=[])  # the swept parameter names (heatmap: the first two)
    sweep_id = param.Integer(default=None, allow_None=True)
    past = param.DataFrame(default=pd.DataFrame(columns=PAST_COLUMNS))
    opened = param.String(default="")  # which run the chart shows
    chart = param.Parameter(default=None)  # Bokeh layout of the opened run

    def __init__(self, runtime: Runtime, user_id: int, *, timezone: str = "UTC",
                 theme: str = "dark", today: date | None = None, **params: Any) -> None:
        super().__init__(**params)
        from aristobot.optimize import OBJECTIVES

        self._runtime, self._user_id, self._tz, self._theme = runtime, user_id, timezone, theme
        self.param.objective.objects = list(OBJECTIVES)
        self.objective_labels = {label: key for key, (label, _) in OBJECTIVES.items()}
        today = today or datetime.now(UTC).date()
        self.end_date = self.end_date or today
        self.start_date = self.start_date or today - timedelta(days=30)
        self._declared: dict[str, Any] = {}
        self._code, self._window = "", 500
        self._exchanges: dict[int, str] = {}
        self._records: list[dict[str, Any]] = []
        self._candles: pd.DataFrame | None = None
        self._info: sweeps_store.SweepInfo | None = None
        self._cancel = threading.Event()
        self._task: asyncio.Task[None] | None = None
        self._open_task: asyncio.Task[None] | None = None
        self.refresh()

    # --- lists --------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload the user's strategies, brokers and stored sweeps."""
        with self._runtime.sessions() as s:
            self.strategies = {r.name: r.id for r in strategies.list_strategies(s, self._user_id)}
            brokers = list_brokers(s, self._user_id)
            self.past = self._past_frame(sweeps_store.list_sweeps(s, self._user_id))
        self._exchanges = {b.id: market_exchange(b) for b in brokers}
        self.brokers = {f"{b.name} ({b.exchange})": b.id for b in brokers}
        if self.broker_id not in self.brokers.values():
            default = [b.id for b in brokers if b.is_default]
            self.broker_id = next(iter([*default, *self.brokers.values()]), None)
        if self.strategy_id not in self.strategies.values():
            self.strategy_id = next(iter(self.strategies.values()), None)
        self._load_declaration()

    @param.depends("strategy_id", watch=True)
    def _load_declaration(self) -> None:
        """Read the chosen strategy's declared ``params`` (from its source, not running it)."""
        from aristobot.optimize import strategy_declaration

        self._declared, self._code = {}, ""
        if self.strategy_id is None:
            self.ranges = records.ranges_frame({})
            return
        try:
            with self._runtime.sessions() as s:
                record = strategies.get_strategy(s, self._user_id, self.strategy_id)
            self._code, self._window = record.code, record.window_size
            self._declared = strategy_declaration(record.code)
        except AristobotError as e:
            self.error = e.user_message()
        self.ranges = records.ranges_frame(self._declared)
        if self.strategy_id is not None and not self._declared and not self.error:
            self.message = text.NO_PARAMS_HINT

    def _past_frame(self, rows: list[sweeps_store.SweepSummary]) -> pd.DataFrame:
        status, kind = text.STATUSES, text.ANALYSIS_NAMES
        data = [[r.id, kind[r.walk_forward], r.strategy_name, r.symbol, r.timeframe,
                 f"{self._when(r.start)} → {self._when(r.end)}",
                 f"{r.finished_runs}/{r.planned_runs}", status.get(r.status, r.status),
                 ", ".join(f"{k}={v}" for k, v in (r.best_params or {}).items())]
                for r in rows]
        return pd.DataFrame(data, columns=PAST_COLUMNS)

    def _when(self, dt: datetime | None, fmt: str = "%Y-%m-%d") -> str:
        return format_dt(dt, self._tz, fmt)

    def _when_text(self, iso: str | None) -> str:
        return self._when(None if iso is None else datetime.fromisoformat(iso),
                          "%Y-%m-%d %H:%M")

    # --- run ----------------------------------------------------------------------------------
    def plan(self) -> tuple[sweeps_store.SweepInfo, list[dict[str, Any]]]:
        """Return what the current form asks for and its points (French errors when unusable)."""

        if self.strategy_id is None or not self._code:
            raise ValidationError(reason=text.PICK_STRATEGY)
        if not self._declared:
            raise ValidationError(reason=text.NO_PARAMS)
        if self.start_date is None or self.end_date is None:
            raise ValidationError(reason=text.PICK_DATES)
        tz = zone(self._tz)
        start = datetime.combine(self.start_date, time(), tzinfo=tz).astimezone(UTC)
        end = datetime.combine(self.end_date + timedelta(days=1), time(), tzinfo=tz) \
            .astimezone(UTC)
        if end <= start:
            raise ValidationError(reason=text.DATES_ORDER)
        space = records.space_from_ranges(self.ranges, self._declared)
        constraints = records.split_constraints(self.constraints)
        pts = records.points(space, constraints, method=self.method, n=int(self.random_runs),
                     cap=int(self.cap))
        name = next((n for n, i in self.strategies.items() if i == self.strategy_id), "?")
        settings = {"initial_amount": float(self.initial_amount),
                    "fee_rate": float(self.fee_pct) / 100.0, "cap": int(self.cap),
                    "random_runs": int(self.random_runs), "window": int(self._window),
                    "analysis": self.analysis}
        if self.analysis == "walk_forward":
            settings.update({"windows": self.wf_windows, "n_splits": int(self.wf_splits),
                             "in_sample_fraction": float(self.wf_in_sample_pct) / 100.0})
        exchange = self._exchanges.get(self.broker_id or -1, PAPER_MARKET_EXCHANGE)
        info = sweeps_store.SweepInfo(
            name, self._code, exchange, self.symbol.strip().upper(),
            Timeframe.parse(self.timeframe).value, start, end, self.method, self.objective,
            {k: list(v) if isinstance(v, tuple) else v for k, v in space.items()},
            constraints, settings, self.strategy_id)
        return info, pts

    async def start(self) -> bool:
        """Start a sweep in the background; False (and ``error``) when refused."""
        if self.running:
            return False
        try:
            info, pts = self.plan()
        except AristobotError as e:
            self.error, self.message = e.user_message(), ""
            return False
        self._cancel = threading.Event()
        self.error, self.verdict, self.flagged, self.chart, self.opened = "", "", False, None, ""
        planned = planned_runs(info.settings, len(pts))
        self.done_runs, self.total_runs, self.running = 0, planned, True
        self.count_unit = text.UNIT_RUNS
        self.sweep_id, self._records, self.axes = None, [], list(info.space)
        self.runs = records.runs_frame([], self.axes)
        self.walk = records.walk_frame(None)
        self.message = text.LOADING.format(runs=planned)
        self._task = asyncio.get_running_loop().create_task(self._job(info, pts))
        return True

    def cancel(self) -> None:
        """« Annuler »: stop the sweep; finished runs are kept and stored."""
        self._cancel.set()

    async def wait(self) -> None:
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def close(self) -> None:
        self._cancel.set()
        if self._task is not None and not self._task.done():
            self._task.cancel()

    async def _job(self, info: sweeps_store.SweepInfo, pts: list[dict[str, Any]]) -> None:
        try:
            candles = await sweeps_service.load_candles(self._runtime, info)
            if self._cancel.is_set():
                self.message = text.CANCELLED_LOADING
                return
            self._candles, self._info = candles, info
            self.message = text.RUNNING.format(runs=planned_runs(info.settings, len(pts)),
                                               candles=len(candles))
            walk = info.settings.get("analysis") == "walk_forward"
            result = await asyncio.to_thread(self._walk if walk else self._sweep, info,
                                             candles, pts, asyncio.get_running_loop())
            await asyncio.to_thread(self._store_walk if walk else self._store, info, result)
        except AristobotError as e:
            self.error, self.message = e.user_message(), ""
        except Exception:  # a bug: details in the log, a fixed French message shown
            log.exception("sweep of user %d crashed", self._user_id)
            self.error, self.message = UNEXPECTED, ""
        finally:
            self.running = False

    def _sweep(self, info: sweeps_store.SweepInfo, candles: pd.DataFrame,
               pts: list[dict[str, Any]], loop: asyncio.AbstractEventLoop) -> Any:
        from aristobot.optimize import run_sweep

        def progress(done: int, total: int, row: Any) -> None:
            rec = records.run_records([row])[0]
            loop.call_soon_threadsafe(self._progress, done, total, rec)

        return run_sweep(info.strategy_code, candles, pts, info.objective,
                         backtest=sweeps_service.backtest_params(info),
                         settings=self._runtime.settings,
                         isolation="sandbox", owner=self._user_id, on_progress=progress,
                         cancel=self._cancel, cap=max(len(pts), 1))

    def _walk(self, info: sweeps_store.SweepInfo, candles: pd.DataFrame,
              pts: list[dict[str, Any]], loop: asyncio.AbstractEventLoop) -> Any:
        from aristobot.optimize import walk_forward

        def progress(done: int, total: int, row: Any) -> None:
            loop.call_soon_threadsafe(self._count, done, total)

        st = info.settings
        return walk_forward(info.strategy_code, candles, pts, info.objective,
                            windows=st["windows"], n_splits=int(st["n_splits"]),
                            in_sample_fraction=float(st["in_sample_fraction"]),
                            backtest=sweeps_service.backtest_params(info),
                            settings=self._runtime.settings, isolation="sandbox",
                            owner=self._user_id, on_progress=progress, cancel=self._cancel,
                            cap=max(len(pts), 1))

    def _count(self, done: int, total: int) -> None:
        # The progress bar refuses a value above its maximum: widen first.
        self.total_runs = max(total, done)
        self.done_runs = done

    def _progress(self, done: int, total: int, rec: dict[str, Any]) -> None:
        self._records.append(rec)
        self.done_runs, self.total_runs = done, total
        if done % max(1, total // 20) == 0 or done == total:
            self.runs = records.runs_frame(self._records, self.axes, self._maximize())

    def _maximize(self) -> bool:
        from aristobot.optimize import OBJECTIVES

        return OBJECTIVES.get(self.objective, ("", True))[1]

    def _store(self, info: sweeps_store.SweepInfo, result: Any) -> None:
        runs = records.run_records(result.rows)
        best = result.best
        outcome = sweeps_store.SweepOutcome(
            "cancelled" if result.cancelled else "done", runs, result.total,
            None if best is None else dict(best.params),
            {"text": result.verdict, "dsr": result.dsr, "pbo": result.pbo},
            None, bool(result.flagged))
        with self._runtime.sessions.begin() as s:
            sweep_id = sweeps_store.save_sweep(s, self._user_id, info, outcome)
        self._show(sweep_id, info, outcome)
        template = text.SWEEP_CANCELLED if result.cancelled else text.SWEEP_DONE
        self.message = template.format(done=len(runs), total=result.total, id=sweep_id)
        self.past = self._refresh_past()

    def _store_walk(self, info: sweeps_store.SweepInfo, result: Any) -> None:
        from aristobot.optimize import walk_forward_verdict

        verdict = walk_forward_verdict(result)
        judged = [w.out_of_sample for w in result.windows if w.out_of_sample is not None]
        outcome = sweeps_store.SweepOutcome(
            "cancelled" if result.cancelled else "done", records.run_records(judged),
            len(result.windows), None, {"text": verdict},
            records.walk_forward_record(result, verdict), bool(result.flagged))
        with self._runtime.sessions.begin() as s:
            sweep_id = sweeps_store.save_sweep(s, self._user_id, info, outcome)
        self._show(sweep_id, info, outcome)
        template = text.WALK_CANCELLED if result.cancelled else text.WALK_DONE
        self.message = template.format(judged=len(judged), windows=len(result.windows),
                                       id=sweep_id)
        self.past = self._refresh_past()

    def _refresh_past(self) -> pd.DataFrame:
        with self._runtime.sessions() as s:
            return self._past_frame(sweeps_store.list_sweeps(s, self._user_id))

    def _show(self, sweep_id: int, info: sweeps_store.SweepInfo,
              outcome: sweeps_store.SweepOutcome) -> None:
        self.walk = records.walk_frame(outcome.walk_forward, self._when_text)
        self._records, self._info, self.sweep_id = list(outcome.runs), info, sweep_id
        self.axes = list(info.space)
        self.objective = info.objective
        self.runs = records.runs_frame(self._records, self.axes, self._maximize())
        # The progress bar refuses a value above its maximum: lower, widen, then fill.
        # A walk-forward's outcome counts windows (its runs are the judged out-of-sample ones).
        self.done_runs = 0
        self.count_unit = text.UNIT_RUNS if outcome.walk_forward is None else text.UNIT_WINDOWS
        self.total_runs = outcome.planned_runs
        self.done_runs = len(outcome.runs)
        self.flagged = outcome.lookahead_flagged
        verdict = str((outcome.verdict or {}).get("text", ""))
        self.verdict = (text.FLAGGED + verdict) if outcome.lookahead_flagged else verdict

    # --- stored sweeps and runs ---------------------------------------------------------------
    def reopen(self, sweep_id: int) -> None:
        """Show a stored sweep again (its runs, heatmap and verdict)."""
        try:
            with self._runtime.sessions() as s:
                stored = sweeps_store.load_sweep(s, self._user_id, int(sweep_id))
        except AristobotError as e:
            self.error = e.user_message()
            return
        self.error, self.chart, self.opened, self._candles = "", None, "", None
        self._restore_form(stored.info)
        self._show(int(sweep_id), stored.info, stored.outcome)
        self.message = text.REOPENED.format(id=sweep_id, label=stored.summary.label)

    def _restore_form(self, info: sweeps_store.SweepInfo) -> None:
        """Put back in the form how a stored sweep was run (not its strategy, market, dates
        or ranges)."""
        st = info.settings
        self.method = info.method if info.method in self.param.method.objects else "grid"
        self.constraints = " ; ".join(info.constraints)
        self.initial_amount = float(st.get("initial_amount", self.initial_amount))
        self.fee_pct = round(float(st.get("fee_rate", self.fee_pct / 100.0)) * 100.0, 9)
        self.cap = int(st.get("cap", self.cap))
        self.random_runs = int(st.get("random_runs", self.random_runs))
        walk = st.get("analysis") == "walk_forward"  # sweeps stored before walk-forward: no key
        if walk:
            self.wf_windows = st.get("windows", "rolling")
            self.wf_splits = int(st.get("n_splits", self.wf_splits))
            self.wf_in_sample_pct = round(float(st.get("in_sample_fraction", 0.75)) * 100.0, 9)
        self.analysis = "walk_forward" if walk else "sweep"

    def delete(self, sweep_id: int) -> None:
        try:
            with self._runtime.sessions.begin() as s:
                sweeps_store.delete_sweep(s, self._user_id, int(sweep_id))
        except AristobotError as e:
            self.error = e.user_message()
            return
        self.message = text.DELETED.format(id=sweep_id)
        self.past = self._refresh_past()

    def request_open(self, run: int) -> None:
        """Open run ``run`` in the background (a heatmap cell or a table row was clicked)."""
        self._open_task = asyncio.get_running_loop().create_task(self.open_run(run))

    async def open_run(self, run: int) -> None:
        """Backtest run ``run`` again (its parameters, in a sandboxed worker) and chart it."""
        from aristobot.charts.backtest_chart import backtest_chart

        info = self._info
        if info is None or not 0 <= run < len(self._records):
            self.error = text.RUN_MISSING
            return
        params = dict(self._records[run]["params"])
        label = ", ".join(f"{k}={v}" for k, v in params.items())
        self.opened, self.error = text.OPENING.format(label=label), ""
        try:
            candles = self._candles
            if candles is None:
                candles = await asyncio.to_thread(sweeps_service.read_candles, self._runtime,
                                                  info)
                self._candles = candles
            result = await sweeps_service.run_point(self._runtime, self._user_id, info, params,
                                                    candles)
        except AristobotError as e:
            self.error, self.opened = e.user_message(), ""
            return
        stats = result.stats
        self.opened = text.OPENED.format(label=label, ret=stats.get("total_return_pct") or 0,
                                         trades=len(result.trades),
                                         sharpe=stats.get("sharpe") or 0)
        self.chart = stacked(backtest_chart(candles, result.trades, result.equity,
                                            theme=self._theme, timezone=self._tz,
                                            title=f"{info.strategy_name} ({label})"))


def planned_runs(settings: dict[str, Any], n_points: int) -> int:
    """How many backtests a run of the form makes (what the progress bar counts)."""
    from aristobot.optimize import walk_forward_runs

    if settings.get("analysis") != "walk_forward":
        return n_points
    return walk_forward_runs(int(settings["n_splits"]), n_points)


def stacked(layout: Any) -> Any:
    """The chart's panels in a plain column (same figures, linked ranges kept).

    BokehJS draws a ``GridPlot`` added to a document that already shows another plot (the
    heatmap) as an empty frame; a column of the same figures draws correctly.
    """
    from bokeh.layouts import column
    from bokeh.models import GridPlot

    if not isinstance(layout, GridPlot):
        return layout
    return column([child[0] for child in layout.children], sizing_mode="stretch_width")
