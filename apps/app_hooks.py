"""Server lifecycle of `panel serve apps/`: build the runtime once, start/stop background work."""

from aristobot.lifecycle import server_loaded, server_unloaded
from aristobot.ui.auth.session_auth import bokeh_payload


def on_server_loaded(server_context):
    server_loaded()


def on_server_unloaded(server_context):
    server_unloaded()


def process_request(request):
    # What the page's signed Bokeh token carries: the login session (no cookie).
    return bokeh_payload(request)
