"""The heartbeat service: the market's clock (see :mod:`aristobot.heartbeat.service`)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aristobot.errors import ConfigError
from aristobot.heartbeat import messages

if TYPE_CHECKING:
    from aristobot.runtime import Runtime

log = logging.getLogger(__name__)


async def serve(runtime: Runtime) -> None:
    """Run the heartbeat inside ``runtime`` until cancelled (embedded mode or its process)."""
    from aristobot.heartbeat.service import serve as serve_service

    await serve_service(runtime)


def require_shared_bus(redis_url: str | None) -> None:
    """Refuse to run as a separate process without Redis (nobody would hear the signals)."""
    if not redis_url:
        raise ConfigError(
            key="ARISTOBOT_REDIS_URL",
            reason=messages.NEEDS_REDIS,
        )
