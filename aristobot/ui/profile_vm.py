"""View-model of « Mon Compte » → profile: password, theme, display timezone."""

from __future__ import annotations

from typing import Any

import param

from aristobot.accounts.users import change_password, get_user, set_preferences
from aristobot.errors import AristobotError
from aristobot.runtime import SessionFactory
from aristobot.ui import messages as msg
from aristobot.ui import page_messages as lbl

THEME_LABELS = lbl.THEME_LABELS
COMMON_ZONES = [
    "UTC",
    "local",
    "Europe/Paris",
    "Europe/London",
    "Europe/Zurich",
    "America/New_York",
    "Asia/Tokyo",
    "Asia/Singapore",
]
TZ_LABELS = lbl.TZ_LABELS


class ProfileVM(param.Parameterized):
    current_password = param.String(default="")
    new_password = param.String(default="")
    confirm_password = param.String(default="")
    change = param.Event(label=lbl.CHANGE_PASSWORD)
    theme: Any = param.Selector(default="dark", objects=["dark", "light"])
    timezone: Any = param.Selector(default="UTC", objects=COMMON_ZONES)
    save = param.Event(label=lbl.SAVE_PREFERENCES)
    message = param.String(default="")
    error = param.String(default="")
    saved_version = param.Integer(default=0)  # increments after a successful save

    def __init__(
        self,
        sessions: SessionFactory,
        user_id: int,
        web_session_id: int | None = None,
        **params: Any,
    ) -> None:
        super().__init__(**params)
        self._sessions = sessions
        self._user_id = user_id
        self._web_session_id = web_session_id
        with sessions() as s:
            user = get_user(s, user_id)
        zones = list(COMMON_ZONES)
        if user.display_timezone not in zones:
            zones.append(user.display_timezone)
        self.param.timezone.objects = zones
        self.theme = user.theme
        self.timezone = user.display_timezone

    @param.depends("change", watch=True)
    def _on_change(self) -> None:
        self.message, self.error = "", ""
        if self.new_password != self.confirm_password:
            self.error = msg.NEW_PASSWORDS_DIFFER
            return
        try:
            with self._sessions.begin() as s:
                change_password(
                    s,
                    self._user_id,
                    self.current_password,
                    self.new_password,
                    keep_session_id=self._web_session_id,
                )
        except AristobotError as e:
            self.error = e.user_message()
            return
        self.current_password = self.new_password = self.confirm_password = ""
        self.message = msg.PASSWORD_CHANGED

    @param.depends("save", watch=True)
    def _on_save(self) -> None:
        self.message, self.error = "", ""
        try:
            with self._sessions.begin() as s:
                set_preferences(s, self._user_id, theme=self.theme, display_timezone=self.timezone)
        except AristobotError as e:
            self.error = e.user_message()
            return
        self.message = msg.PREFERENCES_SAVED
        self.saved_version += 1
