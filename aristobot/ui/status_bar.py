"""The header's status bar: a pure HTML view of ``Status`` for one user."""

from __future__ import annotations

from html import escape

from aristobot.status import Status
from aristobot.ui import page_messages as lbl


def render_status(status: Status, user_id: int) -> str:
    """Return the status bar HTML (French labels, neon dots)."""
    dot = "on" if status.heartbeat_active else "off"
    if status.heartbeat_coherent is None:  # never connected, or nothing verified yet
        coherence = lbl.STATUS_UNKNOWN
    elif status.heartbeat_coherent:
        coherence = lbl.STATUS_COHERENT
    else:
        coherence = lbl.STATUS_INCOHERENT
    items = [
        f"<span class='item' id='st-heartbeat'><span class='ab-dot {dot}'></span>"
        f"{lbl.HEARTBEAT_ON if status.heartbeat_active else lbl.HEARTBEAT_OFF}</span>",
        f"<span class='item' id='st-coherence'>"
        f"{coherence}</span>",
    ]
    if status.loading is not None:
        exchange, pct = status.loading
        markets = lbl.MARKETS_LOADING.format(exchange=escape(exchange), pct=pct)
    else:
        markets = lbl.exchanges_loaded(status.exchanges_loaded)
        if status.loading_error:
            markets += lbl.LAST_LOAD_FAILED
    items.append(f"<span class='item' id='st-markets'>{markets}</span>")
    engine = lbl.ENGINE_STATES[status.engine]
    items.append(f"<span class='item' id='st-engine'><span class='ab-dot {engine[0]}'></span>"
                 f"{engine[1]}</span>")
    items.append(lbl.live_strategies(status.live_by_user.get(user_id, 0)))
    if user_id in status.testnet_users:
        items.append(lbl.TESTNET_MODE)
    if status.debug_active:
        items.append(lbl.DEBUG_ON)
    return "<div class='ab-status'>" + "".join(items) + "</div>"
