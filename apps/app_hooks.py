"""Server lifecycle of `panel serve apps/`: build the runtime once, start/stop background work."""

from aristobot.lifecycle import server_loaded, server_unloaded


def on_server_loaded(server_context):
    server_loaded()


def on_server_unloaded(server_context):
    server_unloaded()
