"""The header's status bar: a pure HTML view of ``Status`` for one user."""

from __future__ import annotations

from html import escape

from aristobot.status import Status


def render_status(status: Status, user_id: int) -> str:
    """Return the status bar HTML (French labels, neon dots)."""
    dot = "on" if status.heartbeat_active else "off"
    if status.heartbeat_coherent is None:  # never connected, or nothing verified yet
        coherence = "<span class='ab-muted'>Inconnu</span>"
    elif status.heartbeat_coherent:
        coherence = "Cohérent"
    else:
        coherence = "<b class='ab-danger'>Non cohérent</b>"
    items = [
        f"<span class='item' id='st-heartbeat'><span class='ab-dot {dot}'></span>"
        f"Heartbeat {'actif' if status.heartbeat_active else 'inactif'}</span>",
        f"<span class='item' id='st-coherence'>"
        f"{coherence}</span>",
    ]
    if status.loading is not None:
        exchange, pct = status.loading
        markets = f"Chargement '{escape(exchange)}' {pct:.0f}%"
    else:
        n = status.exchanges_loaded
        markets = f"{n} exchange{'s' if n > 1 else ''} chargé{'s' if n > 1 else ''}"
        if status.loading_error:
            markets += " <span class='ab-danger'>(échec du dernier chargement)</span>"
    items.append(f"<span class='item' id='st-markets'>{markets}</span>")
    engine = {"up": ("on", "Moteur actif"),
              "silent": ("off", "<b class='ab-danger'>Moteur silencieux</b>"),
              "down": ("off", "<b class='ab-danger'>Moteur arrêté</b>")}[status.engine]
    items.append(f"<span class='item' id='st-engine'><span class='ab-dot {engine[0]}'></span>"
                 f"{engine[1]}</span>")
    n = status.live_by_user.get(user_id, 0)
    items.append(f"<span class='item' id='st-live'>{n} stratégie{'s' if n > 1 else ''} live</span>")
    if user_id in status.testnet_users:
        items.append("<span class='item ab-testnet' id='st-testnet'>⚠ Mode Testnet</span>")
    if status.debug_active:
        items.append("<span class='item ab-debug' id='st-debug'>Debug actif</span>")
    return "<div class='ab-status'>" + "".join(items) + "</div>"
