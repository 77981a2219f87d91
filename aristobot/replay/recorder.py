"""Record a live (or replayed) stream into a tape: ``<receive epoch ms> <frame>`` per line."""

from __future__ import annotations

import asyncio
import gzip
import logging
import time
from pathlib import Path

from websockets.asyncio.client import connect

from aristobot.market.frames import combined_url

log = logging.getLogger(__name__)


async def record(
    base_url: str, symbols: tuple[str, ...], path: Path, *, seconds: float | None = None,
    max_frames: int | None = None,
) -> int:
    """Write every frame of the symbols' trade streams to ``path`` (gzip if ``.gz``).

    Stops after ``seconds`` or ``max_frames`` (whichever first); returns the frame count.
    """
    opener = gzip.open if path.suffix == ".gz" else open
    count = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with opener(path, "wt", encoding="utf-8") as out:

        async def pump() -> None:
            nonlocal count
            async with connect(combined_url(base_url, symbols), compression=None,
                               close_timeout=1) as ws:
                async for frame in ws:
                    text = frame if isinstance(frame, str) else frame.decode()
                    out.write(f"{int(time.time() * 1000)} {text}\n")
                    count += 1
                    if max_frames is not None and count >= max_frames:
                        return

        try:
            await asyncio.wait_for(pump(), seconds)
        except TimeoutError:
            pass
    log.info("recorded %d frames into %s", count, path)
    return count
