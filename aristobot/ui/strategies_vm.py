"""View-model of « Stratégies »: list, CRUD, editor state, syntax test, save, AI assistant.

Tests drive it directly (no browser). Everything slow (test run in a worker, AI requests) is a
coroutine, so the page never freezes; every failure lands in ``error`` in French.
"""

from __future__ import annotations

from typing import Any

import param

from aristobot.core.strategy_validator import ValidationReport
from aristobot.domain.timeframe import Timeframe
from aristobot.errors import AristobotError, StrategyInvalid
from aristobot.runtime import Runtime
from aristobot.strategies import repository as repo
from aristobot.strategies import service
from aristobot.strategies.ai import generate_strategy, get_ai_config, make_client
from aristobot.strategies.pool import get_pool
from aristobot.strategies.template import TEMPLATE
from aristobot.ui import messages as msg
from aristobot.ui import page_messages as lbl

PROVIDER_LABELS = {"openrouter": "OpenRouter", "ollama": "Ollama"}


def editor_annotations(report: ValidationReport) -> list[dict[str, Any]]:
    """Return the editor's gutter annotations for ``report`` (0-based rows)."""
    return [
        {"row": max(i.line - 1, 0), "column": max(i.column - 1, 0), "text": i.message,
         "type": "error"}
        for i in report.issues
    ]


class StrategiesVM(param.Parameterized):
    options = param.Dict(default={})  # name -> id, for the list
    selected_id = param.Integer(default=None, allow_None=True)
    strategy_name = param.String(default="")  # the name box (create / rename)
    code = param.String(default="")
    saved_code = param.String(default="")
    timeframe: Any = param.Selector(default="1h", objects=[t.value for t in Timeframe])
    window_size = param.Integer(default=500)  # N candles given to the strategy
    saved_settings = param.Tuple(default=("1h", 500), length=2)
    dirty = param.Boolean(default=False)
    issues = param.List(default=[])  # editor annotations
    report = param.String(default="")  # the issues / notes beside the code
    message = param.String(default="")
    error = param.String(default="")
    pending_delete = param.Boolean(default=False)
    pending_switch = param.Integer(default=None, allow_None=True)
    busy = param.Boolean(default=False)
    ai_enabled = param.Boolean(default=False)
    ai_label = param.String(default="")
    ai_description = param.String(default="")
    ai_suggestion = param.String(default="")
    ai_busy = param.Boolean(default=False)
    ai_error = param.String(default="")

    def __init__(self, runtime: Runtime, user_id: int, **params: Any) -> None:
        super().__init__(**params)
        self._runtime = runtime
        self._user_id = user_id
        self.refresh()
        if self.options:
            self._load(next(iter(self.options.values())))
        with runtime.sessions() as s:
            cfg = get_ai_config(s, user_id)
        self.ai_enabled = cfg.enabled
        self.ai_label = (msg.AI_PROVIDER_STATE.format(provider=PROVIDER_LABELS[cfg.provider],
                                                      model=cfg.model or msg.AI_MODEL_TO_CHOOSE)
                         if cfg.provider else msg.AI_DISABLED)

    # --- list and CRUD --------------------------------------------------------------------
    def refresh(self) -> None:
        with self._runtime.sessions() as s:
            self.options = {r.name: r.id for r in repo.list_strategies(s, self._user_id)}

    def _load(self, strategy_id: int) -> None:
        with self._runtime.sessions() as s:
            rec = repo.get_strategy(s, self._user_id, strategy_id)
        self.selected_id, self.strategy_name = rec.id, rec.name
        self.saved_code = self.code = rec.code
        self.timeframe, self.window_size = rec.timeframe, rec.window_size
        self.saved_settings = (rec.timeframe, rec.window_size)
        self.issues, self.report, self.pending_switch = [], "", None

    @param.depends("code", "saved_code", "timeframe", "window_size", "saved_settings",
                   watch=True)
    def _track_dirty(self) -> None:
        self.dirty = (self.code != self.saved_code
                      or (self.timeframe, self.window_size) != self.saved_settings)

    def _run(self, action: Any, success: str) -> bool:
        self.message, self.error = "", ""
        try:
            action()
        except AristobotError as e:
            self.error = e.user_message()
            return False
        self.message = success
        return True

    def select(self, strategy_id: int | None, *, force: bool = False) -> bool:
        """Open another strategy; refused once (with a warning) if the code is unsaved."""
        if strategy_id is None or strategy_id == self.selected_id:
            return True
        if self.dirty and not force and self.pending_switch != strategy_id:
            self.pending_switch = strategy_id
            self.error = msg.UNSAVED_CHANGES
            return False
        return self._run(lambda: self._load(strategy_id), "")

    async def create(self) -> bool:
        """Create a strategy from the template (validated by the library like any save)."""
        self.message, self.error, self.busy = "", "", True
        try:
            rec = await service.create(self._runtime.sessions, get_pool(self._runtime),
                                       self._user_id, self.strategy_name or lbl.NEW_STRATEGY_NAME,
                                       TEMPLATE)
        except AristobotError as e:
            self.error = e.user_message()
            return False
        finally:
            self.busy = False
        self.refresh()
        self._load(rec.id)
        self.message = msg.STRATEGY_CREATED
        return True

    def rename(self) -> bool:
        if self.selected_id is None:
            self.error = msg.SELECT_STRATEGY
            return False
        sid = self.selected_id

        def act() -> None:
            with self._runtime.sessions.begin() as s:
                repo.rename_strategy(s, self._user_id, sid, self.strategy_name)
            self.refresh()

        return self._run(act, msg.STRATEGY_RENAMED)

    def duplicate(self) -> bool:
        if self.selected_id is None:
            self.error = msg.SELECT_STRATEGY
            return False
        sid = self.selected_id

        def act() -> None:
            with self._runtime.sessions.begin() as s:
                rec = repo.duplicate_strategy(s, self._user_id, sid)
            self.refresh()
            self._load(rec.id)

        return self._run(act, msg.STRATEGY_DUPLICATED)

    def request_delete(self) -> None:
        self.pending_delete = self.selected_id is not None

    def cancel_delete(self) -> None:
        self.pending_delete = False

    def confirm_delete(self) -> bool:
        sid, self.pending_delete = self.selected_id, False
        if sid is None:
            return False

        def act() -> None:
            with self._runtime.sessions.begin() as s:
                repo.delete_strategy(s, self._user_id, sid)
            self.refresh()
            self.selected_id, self.strategy_name, self.code, self.saved_code = None, "", "", ""
            if self.options:
                self._load(next(iter(self.options.values())))

        return self._run(act, msg.STRATEGY_DELETED)

    # --- validation and save -----------------------------------------------------------------
    def _show(self, report: ValidationReport) -> None:
        self.issues = editor_annotations(report)
        self.report = report.summary() if not report.ok else "\n".join(
            (msg.CODE_VALID, *report.notes))

    async def test_syntax(self) -> ValidationReport:
        """« Tester la syntaxe »: static checks then a test run in an isolated worker."""
        self.message, self.error, self.busy = "", "", True
        try:
            report = await service.test_code(get_pool(self._runtime), self.code,
                                             owner=self._user_id)
        except AristobotError as e:
            self.error = e.user_message()
            return ValidationReport()
        finally:
            self.busy = False
        self._show(report)
        if report.ok:
            self.message = msg.CODE_OK
        else:
            self.error = msg.CODE_HAS_ERRORS
        return report

    async def save(self) -> bool:
        """Store code and settings through the library's save path (it runs the full
        validation itself); never stores refused code or settings."""
        if self.selected_id is None:
            self.error = msg.CREATE_OR_SELECT_STRATEGY
            return False
        code, sid, settings = self.code, self.selected_id, (self.timeframe, self.window_size)
        self.message, self.error, self.busy = "", "", True
        try:
            rec, report = await service.save(
                self._runtime.sessions, get_pool(self._runtime), self._user_id, sid,
                code=code, timeframe=settings[0], window_size=settings[1])
        except StrategyInvalid as e:
            refused = e.context.get("report")
            if isinstance(refused, ValidationReport):
                self._show(refused)
            self.error = msg.NOT_SAVED_ERRORS
            return False
        except AristobotError as e:
            self.error = msg.NOT_SAVED.format(reason=e.user_message())
            return False
        finally:
            self.busy = False
        self._show(report)
        self.saved_code = rec.code
        self.saved_settings = (rec.timeframe, rec.window_size)
        self.message = msg.STRATEGY_SAVED
        return True

    # --- AI assistant ------------------------------------------------------------------------
    async def generate(self) -> bool:
        """Ask the configured provider for code; offer it only when it validates."""
        self.ai_error, self.ai_suggestion, self.ai_busy = "", "", True
        try:
            with self._runtime.sessions() as s:
                client = make_client(s, self._runtime.vault, self._user_id,
                                     extra=self._runtime.settings.extra,
                                     allowed_hosts=self._runtime.settings.ai_allowed_hosts)
            suggestion = await generate_strategy(client, self.ai_description,
                                                 current_code=self.code,
                                                 pool=get_pool(self._runtime),
                                                 owner=self._user_id)
        except AristobotError as e:
            self.ai_error = e.user_message()
            return False
        finally:
            self.ai_busy = False
        if not suggestion.ok:
            self.ai_error = msg.AI_CODE_INVALID.format(reason=suggestion.report.summary())
            return False
        self.ai_suggestion = suggestion.code
        return True

    def insert_suggestion(self) -> None:
        if self.ai_suggestion:
            self.code = self.ai_suggestion
            self.message = msg.AI_CODE_INSERTED
