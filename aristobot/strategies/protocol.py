"""Framing between the pool (trusted) and its workers (untrusted), and the request encoding.

Every message is a frame: a 4-byte big-endian length, then the body.

* Pool → worker: the body is a pickle (``dumps``). The pool is trusted; the worker unpickles.
* Worker → pool: the body is a ``reply_codec`` frame (a versioned JSON header plus raw numpy
  buffers of declared dtype and shape) decoded against the schema of the request
  (``replies``). The pool never unpickles anything a worker sends: user code controls the
  worker, so its reply is attacker data. ``read_frame`` refuses a length above the request's
  cap from the 4 bytes of the prefix, before reading or allocating the body.
"""

from __future__ import annotations

import asyncio
import io
import pickle
import struct
from collections.abc import Sequence
from typing import Any

from aristobot.strategies.reply_codec import ReplyRejected

_HEADER = struct.Struct(">I")


def dumps(obj: Any) -> bytes:
    """Serialise a request (highest protocol, no compression; pool → worker only)."""
    return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)


def frame(payload: bytes) -> bytes:
    """Prefix ``payload`` with its length."""
    return _HEADER.pack(len(payload)) + payload


def frame_chunks(body: Sequence[bytes | memoryview]) -> list[bytes | memoryview]:
    """Prefix the chunks of a body with their total length (worker side, no copy)."""
    return [_HEADER.pack(sum(memoryview(c).nbytes for c in body)), *body]


async def read_frame(reader: asyncio.StreamReader, max_size: int) -> bytes:
    """Read one frame of at most ``max_size`` bytes (pool side).

    Raises ``ReplyRejected`` from the length prefix alone when it exceeds ``max_size``, and
    ``asyncio.IncompleteReadError`` when the worker is gone before the end of the frame.
    """
    (size,) = _HEADER.unpack(await reader.readexactly(_HEADER.size))
    if size > max_size:
        raise ReplyRejected(f"frame of {size} bytes announced, cap {max_size}")
    return await reader.readexactly(size)


def read_frame_blocking(stream: io.BufferedReader) -> bytes | None:
    """Read one frame from a blocking pipe (worker side); None at end of input."""
    head = stream.read(_HEADER.size)
    if len(head) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        return None
    return data


_FAST_TZ = frozenset({"None", "UTC"})


def pack_candles(candles: Any) -> tuple[Any, ...]:
    """Return ``candles`` as plain numpy arrays when it is the usual float OHLCV frame.

    A DataFrame pickles through pandas' reduce machinery (about 3x the caller's CPU of its raw
    arrays); a frame of another shape is sent as is.
    """
    import numpy as np
    import pandas as pd

    idx = candles.index
    if (isinstance(idx, pd.DatetimeIndex) and str(idx.tz) in _FAST_TZ
            and all(isinstance(c, str) for c in candles.columns) and candles.columns.is_unique
            and all(dt == np.float64 for dt in candles.dtypes)):
        values = candles.to_numpy(np.float64, copy=False)
        return ("ohlcv", tuple(candles.columns), idx.asi8, idx.unit, str(idx.tz), idx.name,
                values)
    return ("frame", candles)


def unpack_candles(packed: tuple[Any, ...]) -> Any:
    """Rebuild the DataFrame sent by ``pack_candles`` (worker side; the caller is trusted)."""
    import pandas as pd

    if packed[0] == "frame":
        return packed[1]
    _, columns, asi8, unit, tz, name, values = packed
    dtype = pd.DatetimeTZDtype(unit, tz) if tz != "None" else f"M8[{unit}]"
    index = pd.DatetimeIndex(asi8.view(f"M8[{unit}]"), name=name, dtype=dtype)
    return pd.DataFrame(values, index=index, columns=list(columns), copy=True)
