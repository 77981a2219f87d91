"""Server lifecycle of `panel serve apps/`: build the runtime once, start/stop background work."""

import asyncio

from aristobot.lifecycle import server_loaded, server_unloaded, session_destroyed
from aristobot.ui.auth.session_auth import bokeh_payload
from aristobot.ui.closed_tabs import ignore_closed_tab_writes


def on_server_loaded(server_context):
    ignore_closed_tab_writes(asyncio.get_event_loop())
    server_loaded()


def on_server_unloaded(server_context):
    server_unloaded()


def on_session_destroyed(session_context):
    session_destroyed()


def process_request(request):
    # What the page's signed Bokeh token carries: the login session (no cookie).
    return bokeh_payload(request)
