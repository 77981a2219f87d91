"""The workbench's process-wide status (heartbeat, markets, engine, live strategies)."""

from aristobot.status.hub import ENGINE_SILENT_AFTER_S, StatusHub, get_hub
from aristobot.status.queries import STALE_AFTER, Status, read_status

__all__ = ["ENGINE_SILENT_AFTER_S", "STALE_AFTER", "Status", "StatusHub", "get_hub",
           "read_status"]
