"""The heartbeat's live feed as pages follow it: raw frames, signals, status changes.

Pages subscribe through here rather than to the bus: this module owns which channels make the
heartbeat's feed. The raw stream has its own bounded subscription, so a burst of frames can
only drop older frames, never a signal or a status change.
"""

from __future__ import annotations

from aristobot.bus import Channels, Message, Subscription
from aristobot.runtime import Runtime

FRAMES = Channels.STREAM_BRUT
SIGNALS = Channels.HEARTBEAT
STATUS = Channels.HEARTBEAT_STATUS

#: What a live subscription yields and is (the bus's types, named for the pages).
LiveMessage = Message
LiveSubscription = Subscription


async def subscribe_frames(runtime: Runtime, maxsize: int) -> LiveSubscription:
    """Follow the raw frames (``StreamBrut``); the oldest are dropped beyond ``maxsize``."""
    return await runtime.bus.subscribe(FRAMES, maxsize=maxsize)


async def subscribe_events(runtime: Runtime, maxsize: int) -> LiveSubscription:
    """Follow the signals (``Heartbeat``) and the status changes (``heartbeat.status``)."""
    return await runtime.bus.subscribe(SIGNALS, STATUS, maxsize=maxsize)
