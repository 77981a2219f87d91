"""« Mon Compte » → Profil: password change, theme and display timezone."""

from __future__ import annotations

from typing import Any

import panel as pn

from aristobot.core.timefmt import format_dt
from aristobot.ui import page_messages as lbl
from aristobot.ui.feedback import feedback_html
from aristobot.ui.pages import PageContext
from aristobot.ui.profile_vm import THEME_LABELS, TZ_LABELS, ProfileVM


def _feedback(message: str, error: str) -> str:
    return feedback_html(message, error, "profile")


def build(ctx: PageContext) -> Any:
    vm = ProfileVM(ctx.runtime.sessions, ctx.user.id, ctx.web_session_id)
    pw = dict(sizing_mode="stretch_width")
    password = pn.Column(
        pn.pane.Markdown(lbl.PASSWORD_TITLE),
        pn.widgets.PasswordInput.from_param(
            vm.param.current_password, name=lbl.CURRENT_PASSWORD, css_classes=["pw-current"], **pw
        ),
        pn.widgets.PasswordInput.from_param(
            vm.param.new_password, name=lbl.NEW_PASSWORD, css_classes=["pw-new"], **pw
        ),
        pn.widgets.PasswordInput.from_param(
            vm.param.confirm_password, name="Confirmer", css_classes=["pw-confirm"], **pw
        ),
        pn.widgets.Button.from_param(
            vm.param.change, button_type="primary", css_classes=["pw-change"]
        ),
        width=360,
    )
    theme = pn.widgets.Select(label="Thème", options=THEME_LABELS, css_classes=["pref-theme"])
    theme.link(vm, value="theme", bidirectional=True)
    theme.value = vm.theme
    tz_options = {TZ_LABELS.get(z, z): z for z in vm.param.timezone.objects}
    tz = pn.widgets.Select(
        name="Fuseau horaire d'affichage", options=tz_options, css_classes=["pref-tz"]
    )
    tz.link(vm, value="timezone", bidirectional=True)
    tz.value = vm.timezone
    prefs = pn.Column(
        pn.pane.Markdown("#### Affichage"),
        theme,
        tz,
        pn.pane.HTML(
            lbl.CURRENT_TIME.format(time=format_dt(_now(), ctx.timezone))
        ),
        pn.widgets.Button.from_param(
            vm.param.save, button_type="primary", css_classes=["pref-save"]
        ),
        width=360,
    )
    feedback = pn.pane.HTML(
        pn.bind(_feedback, vm.param.message, vm.param.error), sizing_mode="stretch_width"
    )

    def _reload(event: Any) -> None:
        # Theme and zone apply to the whole shell: reload the page, exactly once. The browser
        # applies the changes in order: the address first (only the history entry changes while
        # ``reload`` is off), then ``reload`` itself, which reloads that address. The other order
        # navigated twice (a reload, then a new address that aborted it).
        location = pn.state.location
        if location is not None:
            location.search = "?page=account"
            location.reload = True

    vm.param.watch(_reload, "saved_version")
    return pn.Column(
        pn.pane.HTML("<h3 class='ab-accent'>Profil</h3>"),
        pn.Row(password, pn.Spacer(width=40), prefs),
        feedback,
        css_classes=["ab-card"],
        sizing_mode="stretch_width",
    )


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)
