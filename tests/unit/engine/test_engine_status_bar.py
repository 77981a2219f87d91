"""The status bar says when the engine is down or silent (from its ``engine.status``)."""

from __future__ import annotations

from dataclasses import replace

from aristobot.bus import Channels
from aristobot.status import ENGINE_SILENT_AFTER_S, StatusHub
from aristobot.ui.status_bar import render_status


def test_engine_down_up_silent_down() -> None:
    now = [1000.0]
    hub = StatusHub(clock=lambda: now[0])
    assert "Moteur arrêté" in render_status(hub.status, 1)  # never heard of
    hub._apply(Channels.ENGINE_STATUS, {"alive": True})
    assert "Moteur actif" in render_status(hub.status, 1)
    now[0] += ENGINE_SILENT_AFTER_S + 1
    assert hub.engine_state() == "silent"
    hub._apply(Channels.HEARTBEAT_STATUS, {"is_connected": True})  # any refresh
    hub.update(replace(hub.status, engine=hub.engine_state()))
    assert "Moteur silencieux" in render_status(hub.status, 1)
    hub._apply(Channels.ENGINE_STATUS, {"alive": False})  # a clean stop says so
    assert "Moteur arrêté" in render_status(hub.status, 1)
