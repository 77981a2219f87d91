"""View-model of « Trading BOT »: activation form, the user's active strategies, actions,
and « Rejouer ». Only the logged-in user's strategies, brokers and trades are ever read."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
import param

from aristobot.brokers import list_brokers
from aristobot.brokers.connections import get_manager
from aristobot.core.timefmt import format_dt
from aristobot.domain.timeframe import Timeframe
from aristobot.engine import overview
from aristobot.engine.controls import BotControls
from aristobot.engine.replay_report import replay
from aristobot.errors import AristobotError, ValidationError
from aristobot.runtime import Runtime
from aristobot.strategies.repository import list_strategies
from aristobot.ui import messages as msg
from aristobot.ui import page_messages as lbl
from aristobot.ui.numbers import EMPTY, Precision, PrecisionBook, format_quantity, format_usd

log = logging.getLogger(__name__)
LIST_COLUMNS = lbl.BOT_COLUMNS
TRADE_COLUMNS = lbl.BOT_TRADE_COLUMNS
SIDE_FR = lbl.SIDES
STATUS_FR = lbl.TRADE_STATUSES
ACTION_FR = lbl.BOT_ACTIONS
DATE_FMT = "%Y-%m-%d %H:%M"
SHORT_FMT = "%d/%m/%y %H:%M"


def _blank(text: str) -> str:
    """An absent number stays an empty cell (not « — »)."""
    return "" if text == EMPTY else text


def _quote(v: Decimal | None) -> str:
    """An amount in the quote currency (P&L), to the cent."""
    return _blank(format_usd(v))


def parse_utc(text: str, label: str) -> datetime:
    """« AAAA-MM-JJ HH:MM » (UTC) into an aware datetime, or a French error."""
    try:
        return datetime.strptime(text.strip(), DATE_FMT).replace(tzinfo=UTC)
    except ValueError:
        raise ValidationError(reason=msg.BAD_UTC_DATE.format(label=label, text=text)) from None


class BotsVM(param.Parameterized):
    strategy_id: Any = param.Selector(default=None, objects=[], allow_None=True)
    broker_id: Any = param.Selector(default=None, objects=[], allow_None=True)
    symbol = param.String(default="BTC/USDT")
    timeframe: Any = param.Selector(default="1m", objects=[t.value for t in Timeframe])
    start = param.String(default="")
    end = param.String(default="")
    selected: Any = param.Selector(default=None, objects=[], allow_None=True)
    bots = param.DataFrame(default=pd.DataFrame(columns=LIST_COLUMNS))
    trades = param.DataFrame(default=pd.DataFrame(columns=TRADE_COLUMNS))
    detail = param.String(default="")
    confirm_stop = param.String(default="")  # non-empty: the confirmation text to show
    replay_start = param.String(default="")
    replay_end = param.String(default="")
    replay_table = param.DataFrame(default=pd.DataFrame())
    replay_summary = param.String(default="")
    message = param.String(default="")
    error = param.String(default="")
    busy = param.Boolean(default=False)

    def __init__(self, runtime: Runtime, user_id: int, timezone: str = "UTC",
                 now: Any = None, **params: Any) -> None:
        super().__init__(**params)
        self._runtime = runtime
        self._user_id = user_id
        self._tz = timezone
        self._now = now or (lambda: datetime.now(UTC))
        self._controls = BotControls(runtime, now=self._now)
        self.strategy_names: dict[str, int] = {}
        self.broker_names: dict[str, int] = {}
        self.bot_names: dict[str, int] = {}
        self._rows: dict[int, overview.ActiveOverview] = {}
        self._books: dict[int, PrecisionBook] = {}
        t = self._now().replace(second=0, microsecond=0)
        self.start, self.end = t.strftime(DATE_FMT), (t + timedelta(days=30)).strftime(DATE_FMT)
        self.replay_start = (t - timedelta(days=1)).strftime(DATE_FMT)
        self.replay_end = (t + timedelta(minutes=1)).strftime(DATE_FMT)
        self.reload_choices()
        self.refresh()

    def reload_choices(self) -> None:
        with self._runtime.sessions() as s:
            strategies = list_strategies(s, self._user_id)
            brokers = [b for b in list_brokers(s, self._user_id) if b.is_active]
        self.strategy_names = {st.name: st.id for st in strategies}
        self.broker_names = {f"{b.name} ({b.exchange})": b.id for b in brokers}
        self._choose("strategy_id", list(self.strategy_names.values()))
        self._choose("broker_id", list(self.broker_names.values()))

    def _choose(self, name: str, ids: list[int]) -> None:
        self.param[name].objects = ids
        if getattr(self, name) not in ids:
            setattr(self, name, ids[0] if ids else None)

    def _fail(self, e: AristobotError) -> None:
        self.error, self.message = e.user_message(), ""

    def _ok(self, text: str) -> None:
        self.error, self.message = "", text

    # --- list and detail -----------------------------------------------------------------
    def refresh(self) -> None:
        """Reload the list of the user's active strategies and the selected one's detail."""
        with self._runtime.sessions() as s:
            rows = overview.user_overview(s, self._user_id, self._now())
        self._rows = {r.id: r for r in rows}
        self._books = {}  # markets may have loaded since
        self.bot_names = {f"#{r.id} {r.strategy_name} — {r.symbol} {r.timeframe} "
                          f"({r.state})": r.id for r in rows}
        self._choose("selected", list(self.bot_names.values()))
        self.bots = pd.DataFrame([self._line(r) for r in rows], columns=LIST_COLUMNS)
        self._refresh_detail()

    def _precision(self, r: overview.ActiveOverview) -> Precision:
        """The market precision of a bot's symbol on its broker (the readable default while the
        broker's markets are not loaded in this process: no request from here)."""
        if r.broker_id not in self._books:
            markets = get_manager(self._runtime).loaded_markets(self._user_id, r.broker_id)
            self._books[r.broker_id] = PrecisionBook({k: m.rules for k, m in markets.items()})
        return self._books[r.broker_id].of(r.symbol)

    def _selected_precision(self) -> Precision:
        r = self._rows.get(self.selected) if self.selected is not None else None
        return self._precision(r) if r is not None else Precision()

    def _line(self, r: overview.ActiveOverview) -> list[Any]:
        p, prec = r.position, self._precision(r)
        position = (f"{prec.quantity(p.quantity)} @ {prec.price(p.entry_price)}"
                    if p is not None else EMPTY)
        pnl = _quote(p.unrealized_pnl) if p is not None else ""
        last = ""
        if r.last_decision is not None:
            last = (f"{ACTION_FR.get(r.last_decision, r.last_decision)} "
                    f"({format_dt(r.last_decision_at, self._tz, '%d/%m %H:%M')})")
        return [r.id, r.strategy_name, r.broker_name, r.symbol, r.timeframe,
                format_dt(r.start_date, self._tz, SHORT_FMT),
                format_dt(r.end_date, self._tz, SHORT_FMT), r.state, position, pnl, last,
                r.last_error or ""]

    @param.depends("selected", watch=True)
    def _on_selected(self) -> None:
        self.confirm_stop = ""  # a pending « Stop » confirmation belonged to the previous one
        self._refresh_detail()

    def _refresh_detail(self) -> None:
        r = self._rows.get(self.selected) if self.selected is not None else None
        if r is None:
            self.detail, self.trades = "", pd.DataFrame(columns=TRADE_COLUMNS)
            return
        with self._runtime.sessions() as s:
            trades = overview.bot_trades(s, self._user_id, r.id)
        prec = self._precision(r)
        self.trades = pd.DataFrame(
            [[format_dt(t.created_at, self._tz), SIDE_FR.get(t.side, t.side),
              STATUS_FR.get(t.status, t.status), _blank(prec.quantity(t.quantity)),
              _blank(prec.price(t.average_price)), _blank(format_quantity(t.fee)),
              _quote(t.profit_loss), t.error or ""] for t in trades],
            columns=TRADE_COLUMNS)
        self.detail = self._detail_text(r)

    def _detail_text(self, r: overview.ActiveOverview) -> str:
        p, prec = r.position, self._precision(r)
        if p is None:
            pos_text = msg.NO_OPEN_POSITION
        else:
            pos_text = msg.OPEN_POSITION.format(
                quantity=prec.quantity(p.quantity), base=r.symbol.split("/")[0],
                price=prec.price(p.entry_price), stop_loss=prec.price(p.stop_loss),
                take_profit=prec.price(p.take_profit),
                pnl=_quote(p.unrealized_pnl) or "0,00", protection=p.protection or "moteur")
        return f"{r.state} — {pos_text}"

    # --- actions ---------------------------------------------------------------------------
    def activate(self) -> None:
        try:
            if self.strategy_id is None or self.broker_id is None:
                raise ValidationError(reason=msg.CHOOSE_STRATEGY_AND_BROKER)
            aid = self._controls.activate(
                self._user_id, strategy_id=self.strategy_id, broker_id=self.broker_id,
                symbol=self.symbol, timeframe=self.timeframe,
                start=parse_utc(self.start, "Début"), end=parse_utc(self.end, "Fin"))
        except AristobotError as e:
            self._fail(e)
            return
        self.refresh()
        self.selected = aid
        self._ok(msg.BOT_ACTIVATED.format(bot_id=aid))

    def _act(self, fn: Any, text: str) -> None:
        if self.selected is None:
            self._fail(ValidationError(reason=msg.CHOOSE_ACTIVE_STRATEGY))
            return
        try:
            fn(self._user_id, self.selected)
        except AristobotError as e:
            self._fail(e)
            return
        self.refresh()
        self._ok(text)

    def suspend(self) -> None:
        self._act(self._controls.suspend, msg.BOT_SUSPENDED)

    def resume(self) -> None:
        self._act(self._controls.resume, msg.BOT_RESUMED)

    def stop(self) -> None:
        """« Stop »: asks for a confirmation first when a position is open."""
        if self.selected is None:
            return self._fail(ValidationError(reason=msg.CHOOSE_ACTIVE_STRATEGY))
        p = self._controls.open_position(self._user_id, self.selected)
        if p is not None:
            self.confirm_stop = msg.CONFIRM_STOP_WITH_POSITION.format(
                quantity=self._selected_precision().quantity(p.quantity), symbol=p.symbol)
            return None
        self._act(self._controls.stop, msg.BOT_STOPPED)
        return None

    def confirm(self) -> None:
        self.confirm_stop = ""
        self._act(lambda u, a: self._controls.stop(u, a, confirmed=True), msg.BOT_STOPPED)

    def cancel_stop(self) -> None:
        self.confirm_stop = ""

    async def sell(self) -> None:
        if self.selected is None:
            return self._fail(ValidationError(reason=msg.CHOOSE_ACTIVE_STRATEGY))
        self.busy = True
        try:
            fill = await self._controls.sell(self._user_id, self.selected)
            prec = self._selected_precision()
            self._ok(msg.POSITION_SOLD.format(quantity=prec.quantity(fill.trade.filled_quantity),
                                              price=prec.price(fill.trade.average_price)))
        except AristobotError as e:
            self._fail(e)
        finally:
            self.busy = False
        self.refresh()
        return None

    async def run_replay(self) -> None:
        """« Rejouer » the selected strategy over the chosen period."""
        if self.selected is None:
            return self._fail(ValidationError(reason=msg.CHOOSE_ACTIVE_STRATEGY))
        from aristobot.strategies.pool import get_pool

        self.busy = True
        try:
            report = await replay(self._runtime.sessions, get_pool(self._runtime).run_job,
                                  self._user_id, self.selected,
                                  parse_utc(self.replay_start, lbl.REPLAY_START_FIELD),
                                  parse_utc(self.replay_end, lbl.REPLAY_END_FIELD))
            self.replay_table = report.frame()
            self.replay_summary = msg.replay_summary(len(report.rows), report.candles,
                                                     len(report.differences), report.notes)
            self._ok(msg.REPLAY_DONE)
        except AristobotError as e:
            self._fail(e)
        finally:
            self.busy = False
        return None
