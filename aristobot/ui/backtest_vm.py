"""View-model of « Backtest »: selectors, run/cancel, progress, results, past results.

Tests drive it directly (no browser): ``await vm.start()`` then ``await vm.wait()``. The run
itself goes through ``BacktestService`` (candles → strategy worker → stored result); progress
arrives over the bus on the job's topic. Every failure lands in ``error`` in French.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pandas as pd
import param

from aristobot.backtest import candle_store, results_store
from aristobot.backtest.diagnostics import errors_text, lookahead_view
from aristobot.backtest.service import (
    BacktestOutcome,
    BacktestRequest,
    get_backtest_service,
    market_exchange,
)
from aristobot.brokers.markets import active_symbols
from aristobot.brokers.repository import list_brokers
from aristobot.core.backtest.types import BacktestResult
from aristobot.core.timefmt import format_dt, to_display, zone
from aristobot.domain.timeframe import Timeframe
from aristobot.errors import AristobotError, ValidationError
from aristobot.runtime import Runtime
from aristobot.strategies import repository as strategies
from aristobot.ui import messages as msg
from aristobot.ui import page_messages as lbl
from aristobot.ui.numbers import format_number

log = logging.getLogger(__name__)

#: Timeframes offered (ccxt's Binance has no 10m candles).
TIMEFRAMES = ["1m", "3m", "5m", "15m", "1h", "2h", "4h", "1d"]
DEFAULT_SYMBOLS = ["BTC/USDT", "ETH/USDT", "BNB/USDT", "SOL/USDT"]
PHASES = lbl.BACKTEST_PHASES
STAT_LABELS = lbl.BACKTEST_STATS
TRADE_COLUMNS = lbl.BACKTEST_TRADE_COLUMNS
REASONS = {"signal": "signal", "stop_loss": "SL", "take_profit": "TP", "end": "fin"}
RESULT_COLUMNS = lbl.BACKTEST_RESULT_COLUMNS


def format_stat(key: str, value: Any) -> str:
    """Return a stat for display (durations in d/h/min, numbers with 2 decimals)."""
    if value is None:
        return "—"
    if key.endswith("_duration_s"):
        return _duration(float(value))
    if isinstance(value, float | int) and not isinstance(value, bool):
        return format_number(value)
    return str(value)


def _duration(seconds: float) -> str:
    minutes = int(round(seconds / 60))
    d, rest = divmod(minutes, 1440)
    h, m = divmod(rest, 60)
    return " ".join(p for p in (f"{d} j" if d else "", f"{h} h" if h else "",
                                f"{m} min" if m or not (d or h) else "") if p)


class BacktestVM(param.Parameterized):
    strategies = param.Dict(default={})  # name -> id
    strategy_id = param.Integer(default=None, allow_None=True)
    brokers = param.Dict(default={})  # label -> id
    broker_id = param.Integer(default=None, allow_None=True)
    symbols = param.List(default=list(DEFAULT_SYMBOLS))
    symbol = param.String(default="BTC/USDT")
    timeframe: Any = param.Selector(default="1h", objects=TIMEFRAMES)
    start_date = param.Date(default=None, allow_None=True)
    end_date = param.Date(default=None, allow_None=True)
    initial_amount = param.Number(default=10_000.0, bounds=(0, None))
    fee_pct = param.Number(default=0.1, bounds=(0, 10))
    mode: Any = param.Selector(default="fast", objects=["fast", "exact"])

    running = param.Boolean(default=False)
    loading_candles = param.Boolean(default=False)
    phase = param.String(default="")
    candles_pct = param.Number(default=0.0)
    sim_pct = param.Number(default=0.0)
    #: Place in the backtest queue while the simulation waits for a slot (1 = next), else None.
    queue_position = param.Integer(default=None, allow_None=True)
    message = param.String(default="")
    error = param.String(default="")

    result_id = param.Integer(default=None, allow_None=True)
    stats = param.DataFrame(default=pd.DataFrame(columns=["Statistique", "Valeur"]))
    trades = param.DataFrame(default=pd.DataFrame(columns=list(TRADE_COLUMNS.values())))
    chart = param.Parameter(default=None)  # a Bokeh layout, or None
    lookahead_ok = param.Boolean(default=None, allow_None=True)
    lookahead_text = param.String(default="")
    #: Failed strategy decisions of the shown result (count and first error), "" when none.
    decision_errors = param.String(default="")
    past = param.DataFrame(default=pd.DataFrame(columns=RESULT_COLUMNS))
    #: Result ids waiting for « Oui, supprimer » (nothing is deleted without it).
    pending_delete = param.List(default=[])
    comparison = param.DataFrame(default=pd.DataFrame())

    def __init__(self, runtime: Runtime, user_id: int, *, timezone: str = "UTC",
                 theme: str = "dark", today: date | None = None, **params: Any) -> None:
        super().__init__(**params)
        self._runtime = runtime
        self._user_id = user_id
        self._tz = timezone
        self._theme = theme
        today = today or datetime.now(UTC).date()
        self.end_date = self.end_date or today
        self.start_date = self.start_date or today - timedelta(days=30)
        self._cancel_candles = asyncio.Event()
        self._cancel_run = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._full_check = False
        self.refresh()

    # --- lists --------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload the user's strategies, brokers, symbols and past results."""
        with self._runtime.sessions() as s:
            self.strategies = {r.name: r.id for r in strategies.list_strategies(s, self._user_id)}
            brokers = list_brokers(s, self._user_id)
            self._exchanges = {b.id: market_exchange(b) for b in brokers}
            self.brokers = {f"{b.name} ({b.exchange})": b.id for b in brokers}
            self.past = self._past_frame(results_store.list_results(s, self._user_id))
        if self.strategy_id not in self.strategies.values():
            self.strategy_id = next(iter(self.strategies.values()), None)
        if self.broker_id not in self.brokers.values():
            default = [b.id for b in brokers if b.is_default]
            candidates: list[int | None] = [*default, *self.brokers.values()]
            self.broker_id = candidates[0] if candidates else None
        self._load_symbols()

    @param.depends("broker_id", watch=True)
    def _load_symbols(self) -> None:
        exchange = self._exchanges.get(self.broker_id or -1) if self.broker_id else None
        if exchange is None:
            return
        with self._runtime.sessions() as s:
            names = active_symbols(s, exchange)
        self.symbols = names or list(DEFAULT_SYMBOLS)

    def _past_frame(self, rows: list[results_store.ResultSummary]) -> pd.DataFrame:
        data = [[r.id, r.strategy_name, r.symbol, r.timeframe,
                 self._period(r),
                 None if r.total_return_pct is None else round(r.total_return_pct, 2),
                 r.total_trades, None if r.win_rate_pct is None else round(r.win_rate_pct, 1),
                 round(r.max_drawdown, 2),
                 {True: "OK", False: "⚠", None: "—"}[r.lookahead_ok]] for r in rows]
        return pd.DataFrame(data, columns=RESULT_COLUMNS)

    def _period(self, r: results_store.ResultSummary) -> str:
        """« 2026-11-02 → 2026-12-02 »: the days the user picked, the end included (the stored
        end is the next midnight, exclusive)."""
        def day(dt: datetime | None) -> str:
            return "—" if dt is None else to_display(dt, self._tz).strftime("%Y-%m-%d")

        end = None if r.end is None else r.end - timedelta(microseconds=1)
        return f"{day(r.start)} → {day(end)}"

    def _when(self, dt: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        """A date as the user wants it (their display zone, with its abbreviation)."""
        return format_dt(dt, self._tz, fmt)

    # --- run ----------------------------------------------------------------------------------
    def request(self) -> BacktestRequest:
        """Return the request for the current selections (French errors when incomplete)."""
        if self.strategy_id is None:
            raise ValidationError(reason=msg.BT_CHOOSE_STRATEGY)
        if self.broker_id is None:
            raise ValidationError(reason=msg.BT_CHOOSE_BROKER)
        if self.start_date is None or self.end_date is None:
            raise ValidationError(reason=msg.BT_CHOOSE_DATES)
        # The picked days are days of the user's display zone: from the start day's midnight
        # to the midnight after the end day, there (then UTC for the candles).
        tz = zone(self._tz)
        start = datetime.combine(self.start_date, time(), tzinfo=tz).astimezone(UTC)
        end = datetime.combine(self.end_date + timedelta(days=1), time(), tzinfo=tz) \
            .astimezone(UTC)
        return BacktestRequest(
            user_id=self._user_id, strategy_id=self.strategy_id, broker_id=self.broker_id,
            symbol=self.symbol.strip().upper(), timeframe=Timeframe.parse(self.timeframe),
            start=start, end=end, initial_amount=float(self.initial_amount),
            fee_rate=float(self.fee_pct) / 100.0, mode=self.mode, timezone=self._tz,
            full_check=self._full_check)

    async def start(self) -> bool:
        """Start a backtest in the background; False (and ``error``) when refused."""
        if self.running:
            return False
        try:
            req = self.request()
            from aristobot.backtest.service import validate_request

            validate_request(req)
        except AristobotError as e:
            self.error, self.message = e.user_message(), ""
            return False
        self._cancel_candles, self._cancel_run = asyncio.Event(), asyncio.Event()
        self.error, self.message, self.candles_pct, self.sim_pct = "", "", 0.0, 0.0
        self.decision_errors, self.queue_position = "", None
        self.running, self.loading_candles = True, True
        self.phase = PHASES["candles"]
        self._task = asyncio.get_running_loop().create_task(self._job(req))
        return True

    async def wait(self) -> None:
        """Wait for the running backtest to finish (tests, notebooks)."""
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def cancel_candles(self) -> None:
        """Interrupt candle loading (candles already fetched are kept)."""
        self._cancel_candles.set()

    def cancel_run(self) -> None:
        """Interrupt the simulation (the worker is stopped) or leave the queue."""
        self._cancel_run.set()

    def close(self) -> None:
        """Stop everything this session started (browser closed)."""
        self._cancel_candles.set()
        self._cancel_run.set()
        if self._task is not None and not self._task.done():
            self._task.cancel()

    async def rerun_exact(self) -> bool:
        """« Relancer en mode exact »: same selections, every bar evaluated exactly."""
        self.mode = "exact"
        return await self.start()

    async def verify_full(self) -> bool:
        """« Vérification complète »: the same fast run, then every bar re-evaluated exactly,
        spread over every core of the strategy worker."""
        self.mode = "fast"
        self._full_check = True
        try:
            return await self.start()
        finally:
            self._full_check = False

    async def _job(self, req: BacktestRequest) -> None:
        service = get_backtest_service(self._runtime)
        job_id = service.new_job_id()
        sub = await self._runtime.bus.subscribe(service.topic(job_id), maxsize=200)
        listener = asyncio.ensure_future(self._listen(sub))
        try:
            outcome = await service.run(req, job_id=job_id, cancel_candles=self._cancel_candles,
                                        cancel_run=self._cancel_run)
            self.phase = PHASES.get(outcome.status, outcome.status)
            if outcome.status == "done":
                self.candles_pct = self.sim_pct = 100.0
            self._show_outcome(outcome)
        finally:
            listener.cancel()
            await sub.close()
            self.running = self.loading_candles = False
            self.queue_position = None

    async def _listen(self, sub: Any) -> None:
        async for event in sub:
            p = event.payload
            if p["phase"] == "candles":
                self.candles_pct = float(p["pct"])
            elif p["phase"] in ("queued", "simulation", "saving", "done"):
                self.loading_candles = False
                self.candles_pct = 100.0
                self.sim_pct = float(p["pct"])
            if p["phase"] == "queued":
                self.queue_position = int(p["position"])
                self.phase = msg.backtest_queued(self.queue_position,
                                                 bool(p.get("waiting_for_own")))
                continue
            self.queue_position = None
            self.phase = PHASES.get(p["phase"], p["phase"])

    def _show_outcome(self, outcome: BacktestOutcome) -> None:
        if outcome.status == "error":
            self.error = outcome.error or msg.BT_UNKNOWN_ERROR
            return
        if outcome.status == "cancelled":
            if outcome.phase == "queued":
                self.message = msg.BT_DEQUEUED
                return
            self.message = msg.backtest_interrupted(
                outcome.phase == "candles", outcome.load.fetched if outcome.load else None)
            return
        if outcome.result is None or outcome.candles is None:
            self.error = msg.BT_RESULT_MISSING
            return
        self.message = msg.BT_DONE.format(result_id=outcome.result_id)
        self.result_id = outcome.result_id
        self._show_result(outcome.result.stats, results_store.trades_frame(outcome.result.trades),
                          outcome.result.equity, outcome.candles, outcome.result,
                          meta=outcome.result.meta)
        self.refresh()

    # --- results ------------------------------------------------------------------------------
    def _show_result(self, stats: dict[str, Any], trades: pd.DataFrame, equity: pd.Series,
                     candles: pd.DataFrame, result: BacktestResult | None = None,
                     lookahead: dict[str, Any] | None = None,
                     meta: dict[str, Any] | None = None) -> None:
        from aristobot.charts.backtest_chart import backtest_chart

        self.decision_errors = errors_text(meta, candles.index if len(candles) else None,
                                           self._tz)
        self.stats = pd.DataFrame(
            [(label, format_stat(k, stats.get(k))) for k, label in STAT_LABELS.items()],
            columns=["Statistique", "Valeur"])
        self.trades = self._trades_view(trades)
        report = lookahead
        if result is not None and result.lookahead is not None:
            report = asdict(result.lookahead)
        self._show_lookahead(report, candles, meta, stats)
        self.chart = backtest_chart(candles, trades, equity, theme=self._theme,
                                    timezone=self._tz) if len(candles) else None

    def _trades_view(self, trades: pd.DataFrame) -> pd.DataFrame:
        view = trades[list(TRADE_COLUMNS)].copy()
        for col in ("entry_time", "exit_time"):
            view[col] = [self._when(None if pd.isna(t) else t.to_pydatetime(),
                                    "%Y-%m-%d %H:%M:%S") for t in trades[col]]
        view["exit_reason"] = view["exit_reason"].map(REASONS).fillna(view["exit_reason"])
        view["pnl_pct"] = (view["pnl_pct"] * 100).round(3)
        return view.rename(columns=TRADE_COLUMNS)

    def _show_lookahead(self, report: dict[str, Any] | None, candles: pd.DataFrame,
                        meta: dict[str, Any] | None = None, stats: dict[str, Any] | None = None,
                        ) -> None:
        self.lookahead_ok, self.lookahead_text = lookahead_view(
            report, candles.index, self._tz, meta, stats)
        if self.lookahead_ok is False:  # never the biased figures without the warning
            warning = pd.DataFrame([lbl.LOOKAHEAD_FLAG],
                                   columns=["Statistique", "Valeur"])
            self.stats = pd.concat([warning, self.stats], ignore_index=True)

    def reopen(self, result_id: int) -> None:
        """Show a stored result again (chart redrawn from the shared candles)."""
        try:
            with self._runtime.sessions() as s:
                stored = results_store.load_result(s, self._user_id, int(result_id))
                info = stored.info
                candles = candle_store.read_candles(s, info.exchange, info.symbol, info.timeframe,
                                                    info.start, info.end)
        except AristobotError as e:
            self.error = e.user_message()
            return
        self.error, self.result_id = "", int(result_id)
        r = stored.summary
        self.message = msg.BT_REOPENED.format(result_id=result_id, strategy=r.strategy_name,
                                              symbol=r.symbol, timeframe=r.timeframe,
                                              period=self._period(r))
        self._show_result(stored.stats, stored.trades, stored.equity, candles,
                          lookahead=stored.lookahead, meta=stored.params.get("meta"))

    def compare(self, result_ids: list[int]) -> None:
        """Fill ``comparison`` with the chosen results side by side."""
        try:
            with self._runtime.sessions() as s:
                table = results_store.compare_results(s, self._user_id,
                                                       [int(i) for i in result_ids])
        except AristobotError as e:
            self.error = e.user_message()
            return
        keep = [k for k in STAT_LABELS if k in table.index]
        table = table.loc[keep].map(lambda v: format_stat("", v))
        table.index = [STAT_LABELS[k] for k in keep]
        self.comparison = table.reset_index(names="Statistique").astype(str)
        self.error = ""

    def request_delete(self, result_ids: list[int]) -> None:
        """« Supprimer »: only asks; ``confirm_delete`` deletes, ``cancel_delete`` forgets."""
        ids = [int(i) for i in result_ids]
        if not ids:
            self.error, self.message = msg.BT_TICK_TO_DELETE, ""
            return
        self.error = ""
        self.pending_delete = ids

    def cancel_delete(self) -> None:
        self.pending_delete = []

    def confirm_delete(self) -> None:
        """« Oui, supprimer »: delete the results asked for (the user's own only)."""
        ids, self.pending_delete = list(self.pending_delete), []
        for rid in ids:
            self.delete(rid)

    def delete_prompt(self) -> str:
        """The French question asked before deleting ``pending_delete``."""
        return msg.confirm_results_delete(self.pending_delete) if self.pending_delete else ""

    def delete(self, result_id: int) -> None:
        """Delete one result at once (after the confirmation; tests and notebooks)."""
        try:
            with self._runtime.sessions.begin() as s:
                results_store.delete_result(s, self._user_id, int(result_id))
        except AristobotError as e:
            self.error = e.user_message()
            return
        self.message = msg.BT_DELETED.format(result_id=result_id)
        self.refresh()
