"""``panel serve --plugins aristobot.webhooks.plugin``: the receiver inside the dashboard.

``aristobot serve`` passes this flag. The runtime exists only once the server has loaded
(``apps/app_hooks.py``), so the intake is looked up at the first request.
"""

from __future__ import annotations

from aristobot import runtime as runtime_mod
from aristobot.webhooks.http import Intake, build_intake, routes


def _intake() -> Intake:
    return build_intake(runtime_mod.current())


ROUTES = routes(_intake)
