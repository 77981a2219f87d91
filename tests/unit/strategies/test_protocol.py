from __future__ import annotations

import asyncio
import pickle

import pandas as pd
import pytest

from aristobot.strategies import protocol
from aristobot.strategies.protocol import (
    dumps,
    frame,
    frame_chunks,
    pack_candles,
    read_frame,
    unpack_candles,
)
from aristobot.strategies.reply_codec import ReplyRejected
from aristobot.strategies.samples import sample_candles


def test_no_unpickler_left_in_the_protocol() -> None:
    # The parent decodes worker replies without pickle: the old SafeUnpickler is gone.
    assert not hasattr(protocol, "SafeUnpickler") and not hasattr(protocol, "safe_loads")


def test_only_the_worker_unpickles() -> None:
    # Requests (pool -> worker) are pickles; nothing else in the package may unpickle, so no
    # byte a worker writes can ever reach an unpickler in the dashboard or a service. The one
    # other reader is the backtest check's fork_map: it unpickles what its own forked children
    # (copies of the same sandboxed worker, same trust) send back, never a worker's reply.
    import re
    from pathlib import Path

    root = Path(protocol.__file__).resolve().parents[1]
    found = {str(p.relative_to(root)) for p in root.rglob("*.py")
             if re.search(r"pickle\.loads?\(|Unpickler|marshal\.loads?\(|shelve",
                          p.read_text())}
    assert found == {"strategies/worker.py", "core/backtest/forked.py"}


def test_candles_round_trip_as_arrays() -> None:
    candles = sample_candles(100)
    packed = pack_candles(candles)
    assert packed[0] == "ohlcv"
    back = unpack_candles(pickle.loads(dumps(packed)))
    pd.testing.assert_frame_equal(back, candles, check_freq=False)


async def _read(data: bytes, cap: int) -> bytes:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    return await read_frame(reader, cap)


async def test_frame_read_within_cap() -> None:
    chunks = frame_chunks([b"ab", memoryview(b"cde")])
    assert await _read(b"".join(chunks), 5) == b"abcde"


async def test_oversized_frame_refused_from_its_prefix() -> None:
    # 2 GiB announced, 3 bytes present: refused before reading (no wait, no allocation).
    with pytest.raises(ReplyRejected):
        await _read(b"\x80\x00\x00\x00abc", 1024)


async def test_truncated_frame_is_incomplete() -> None:
    with pytest.raises(asyncio.IncompleteReadError):
        await _read(frame(b"abcdef")[:-2], 1024)
