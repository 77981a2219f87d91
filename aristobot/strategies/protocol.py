"""Messages between the pool (trusted) and its workers (untrusted): framing and safe decoding.

Frames are a 4-byte big-endian length then a pickle. The parent decodes what a worker sends
with ``SafeUnpickler``: user code controls the worker, so a crafted pickle must not be able to
run code in the parent. Only data classes are admitted (builtin containers and scalars,
numpy/pandas data types, aristobot's pure core and domain types, datetime/decimal/zoneinfo) plus
the few reconstruction functions numpy and pandas pickles use; never ``os``, ``subprocess``,
``eval`` or a dotted path that walks out of an allowed module.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import io
import pickle
import struct
from typing import Any

MAX_FRAME = 512 * 1024 * 1024  # a backtest result of a year of 1m candles fits easily
_HEADER = struct.Struct(">I")

_SAFE_BUILTINS = frozenset(
    {
        "dict", "list", "tuple", "set", "frozenset", "str", "bytes", "bytearray", "int",
        "float", "complex", "bool", "slice", "range", "object", "NoneType", "type",
    }
)
_SAFE_MODULE_TOPS = frozenset(
    {"numpy", "pandas", "aristobot", "datetime", "decimal", "zoneinfo", "collections"}
)
_SAFE_VALUES = frozenset({("pandas._libs.missing", "NA"), ("pandas", "NA"), ("pandas", "NaT")})


@functools.cache
def _safe_bases() -> tuple[type, ...]:
    """Classes whose subclasses are plain data (imported lazily: pandas is heavy)."""
    import collections
    import datetime
    import decimal

    import numpy as np
    import pandas as pd
    from pandas._libs.internals import Block, BlockPlacement
    from pandas._libs.tslibs.offsets import BaseOffset
    from pandas.core.generic import NDFrame
    from pandas.core.internals.managers import BaseBlockManager

    return (
        NDFrame, pd.Index, pd.api.extensions.ExtensionArray, pd.api.extensions.ExtensionDtype,
        BaseBlockManager, Block, BlockPlacement, BaseOffset, pd.Timestamp, pd.Timedelta,
        pd.Period, pd.Interval, np.ndarray, np.dtype, np.generic, datetime.date, datetime.time,
        datetime.timedelta, datetime.tzinfo, decimal.Decimal, collections.OrderedDict,
        collections.defaultdict, collections.deque, collections.Counter,
    )


_ALLOWED_FUNCTIONS = frozenset(
    {
        ("copyreg", "_reconstructor"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy._core.numeric", "_frombuffer"),
        ("numpy.core.numeric", "_frombuffer"),
        ("pandas._libs.internals", "_unpickle_block"),
        ("pandas.core.internals.blocks", "new_block"),
        ("pandas.core.indexes.base", "_new_Index"),
        ("pandas.core.arrays.datetimes", "_new_DatetimeIndex"),
        ("pandas.core.indexes.datetimes", "_new_DatetimeIndex"),
        ("pandas.core.indexes.period", "_new_PeriodIndex"),
        ("pandas._libs.tslibs.timestamps", "_unpickle_timestamp"),
        ("pandas._libs.tslibs.timedeltas", "_timedelta_unpickle"),
        ("pandas._libs.tslibs.nattype", "_nat_unpickle"),
        ("pandas._libs.arrays", "__pyx_unpickle_NDArrayBacked"),
        ("pandas._libs.tslibs.offsets", "_unpickle"),
        ("pandas._libs.sparse", "_unpickle"),
        ("pandas.core.arrays.categorical", "_unpickle"),
        ("_codecs", "encode"),
    }
)


class UnsafePickle(pickle.UnpicklingError):
    """A worker sent something that is not plain data."""


class SafeUnpickler(pickle.Unpickler):
    """An unpickler that only builds data (see the module docstring)."""

    def find_class(self, module: str, name: str) -> Any:
        if "." in name:
            raise UnsafePickle(f"dotted global refused: {module}.{name}")
        if module == "builtins":
            if name in _SAFE_BUILTINS:
                return super().find_class(module, name)
            raise UnsafePickle(f"builtin refused: {name}")
        if (module, name) in _ALLOWED_FUNCTIONS:
            return super().find_class(module, name)
        if module.split(".", 1)[0] not in _SAFE_MODULE_TOPS:
            raise UnsafePickle(f"module refused: {module}")
        obj = getattr(importlib.import_module(module), name, None)
        if (module, name) in _SAFE_VALUES:
            return obj
        if isinstance(obj, type) and _is_data_class(obj):
            return obj
        raise UnsafePickle(f"global refused: {module}.{name}")


def _is_data_class(cls: type) -> bool:
    if cls.__module__.startswith(("aristobot.core.", "aristobot.domain.")):
        return True
    if cls.__module__.startswith("numpy") and cls.__name__ in {"memmap", "recarray"}:
        return False
    return issubclass(cls, _safe_bases())


def dumps(obj: Any) -> bytes:
    """Serialise a message (highest protocol, no compression)."""
    return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)


def safe_loads(data: bytes) -> Any:
    """Decode bytes that came from a worker (raises ``UnsafePickle`` on anything but data)."""
    return SafeUnpickler(io.BytesIO(data)).load()


def frame(payload: bytes) -> bytes:
    """Prefix ``payload`` with its length."""
    return _HEADER.pack(len(payload)) + payload


async def read_frame(reader: asyncio.StreamReader) -> bytes:
    """Read one frame (raises ``asyncio.IncompleteReadError`` when the worker is gone)."""
    (size,) = _HEADER.unpack(await reader.readexactly(_HEADER.size))
    if size > MAX_FRAME:
        raise UnsafePickle(f"frame too large: {size} bytes")
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
