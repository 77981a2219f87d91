"""Worker → pool replies as plain data: a fixed, versioned frame decoded without pickle.

User code controls its worker completely (the strategy validator is a guide, not a boundary),
so every byte a worker sends is attacker data. A reply body (what follows ``protocol``'s 4-byte
big-endian length, itself capped per request before a byte of the body is read) is::

    offset 0    b"AR"     magic
           2    u8        schema version (``VERSION``)
           3    u8        0 (reserved)
           4    u32 BE    H, the length of the header
           8    H bytes   the header: ONE JSON object (UTF-8), decoded by orjson
                          {"k": <kind>, <fields of that kind>, "a": [[<dtype>, [<dims>]], ...]}
           8+H  the raw little-endian buffers of the arrays listed in "a", back to back; the
                frame must end exactly after the last one.

An array field holds the index of its buffer in "a"; dtypes come from a closed list
(``DTYPES``) and each field names the one it accepts and how long it may be (a bound derived
from the request). Floats that JSON cannot carry travel as the strings "nan", "inf", "-inf" in
typed number fields and as ``{"$f": "nan"}`` in free-form values (statistics).

Decoding is bounded: the frame and header sizes are capped by the caller; orjson refuses
nesting deeper than 1024 (checked in Rust, no Python recursion) and 64-bit overflowing
integers; the readers below never recurse deeper than ``MAX_DEPTH``; texts and lists have
per-field caps; array buffers are sliced from the frame (``np.frombuffer``), never expanded.
Any deviation raises ``ReplyRejected``: the pool kills the worker and reports a strategy error.
Nothing here imports a name chosen by the worker.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

MAGIC = b"AR"
VERSION = 1
_PREFIX = struct.Struct(">2sBBI")  # magic, version, reserved, header length
#: The only array element types a reply may declare (little-endian, fixed size).
DTYPES: dict[str, np.dtype[Any]] = {
    "f8": np.dtype("<f8"),
    "i8": np.dtype("<i8"),
    "u1": np.dtype("u1"),
    "b1": np.dtype("u1"),  # sent as bytes 0/1, checked, then viewed as bool
}
MAX_ARRAYS = 64
MAX_DIMS = 2
MAX_DEPTH = 4  # free-form values: dict/list levels
MAX_KEY_CHARS = 100
_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class ReplyRejected(Exception):
    """A worker's reply is not valid data of the expected schema (English detail, for logs)."""


# --- parent side: decoding --------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Frame:
    kind: str
    fields: Fields


def decode_frame(body: bytes, *, max_header: int) -> Frame:
    """Split and check a reply body; return its kind and typed access to its fields."""
    if len(body) < _PREFIX.size:
        raise ReplyRejected(f"frame of {len(body)} bytes is shorter than its prefix")
    magic, version, reserved, size = _PREFIX.unpack_from(body)
    if magic != MAGIC or reserved != 0:
        raise ReplyRejected("not a reply frame (bad magic)")
    if version != VERSION:
        raise ReplyRejected(f"reply schema version {version}, expected {VERSION}")
    end = _PREFIX.size + size
    if size > max_header or end > len(body):
        raise ReplyRejected(f"header of {size} bytes (cap {max_header}, frame {len(body)})")
    try:
        head = orjson.loads(memoryview(body)[_PREFIX.size:end])
    except orjson.JSONDecodeError as e:
        raise ReplyRejected(f"header is not JSON: {e}") from None
    if type(head) is not dict:
        raise ReplyRejected("header is not a JSON object")
    arrays = _arrays(body, end, head.pop("a", []))
    kind = head.pop("k", None)
    if type(kind) is not str or len(kind) > 16:
        raise ReplyRejected("reply kind missing")
    return Frame(kind, Fields(head, kind, arrays))


def _arrays(body: bytes, offset: int, specs: object) -> list[np.ndarray]:
    if type(specs) is not list or len(specs) > MAX_ARRAYS:
        raise ReplyRejected("array list malformed or too long")
    out = []
    for spec in specs:
        if type(spec) is not list or len(spec) != 2 or type(spec[1]) is not list:
            raise ReplyRejected("array descriptor malformed")
        code, dims = spec
        dtype = DTYPES.get(code) if type(code) is str else None
        if dtype is None:
            raise ReplyRejected(f"array dtype refused: {str(code)[:20]!r}")
        if not 1 <= len(dims) <= MAX_DIMS or any(
                type(d) is not int or not 0 <= d <= len(body) for d in dims):
            raise ReplyRejected("array shape malformed")
        count = math.prod(dims)
        nbytes = count * dtype.itemsize
        if nbytes > len(body) - offset:  # checked BEFORE any allocation
            raise ReplyRejected(f"array of {nbytes} bytes overruns the frame")
        arr = np.frombuffer(body, dtype, count, offset).reshape(dims).copy()
        if code == "b1":
            if count and int(arr.max()) > 1:
                raise ReplyRejected("boolean array holds a byte other than 0/1")
            arr = arr.view(np.bool_)
        out.append(arr)
        offset += nbytes
    if offset != len(body):
        raise ReplyRejected(f"{len(body) - offset} bytes after the last array")
    return out


class Fields:
    """Typed, capped reads of one JSON object of a reply; ``done`` refuses unknown keys."""

    __slots__ = ("_arrays", "_obj", "_seen", "_where")

    def __init__(self, obj: object, where: str, arrays: Sequence[np.ndarray]) -> None:
        if type(obj) is not dict:
            raise ReplyRejected(f"{where}: object expected")
        self._obj: dict[str, Any] = obj
        self._where = where
        self._arrays = arrays
        self._seen: set[str] = set()

    def _fail(self, name: str, what: str) -> ReplyRejected:
        return ReplyRejected(f"{self._where}.{name}: {what}")

    def _get(self, name: str) -> Any:
        self._seen.add(name)
        if name not in self._obj:
            raise self._fail(name, "missing")
        return self._obj[name]

    def names(self) -> frozenset[str]:
        """Return the keys present (for schemas with optional keys)."""
        return frozenset(self._obj)

    def done(self) -> None:
        """Refuse keys the schema does not name."""
        extra = set(self._obj) - self._seen
        if extra:
            raise ReplyRejected(f"{self._where}: unexpected keys {sorted(extra)[:5]!r:.200}")

    def text(self, name: str, max_chars: int) -> str:
        v = self._get(name)
        if type(v) is not str or len(v) > max_chars:
            raise self._fail(name, f"text of at most {max_chars} characters expected")
        return v

    def opt_text(self, name: str, max_chars: int) -> str | None:
        return None if self._get(name) is None else self.text(name, max_chars)

    def number(self, name: str) -> float:
        v = self._get(name)
        if type(v) is float or type(v) is int:
            return float(v)
        if type(v) is str and v in _NONFINITE:
            return _NONFINITE[v]
        raise self._fail(name, "number expected")

    def integer(self, name: str, lo: int, hi: int) -> int:
        v = self._get(name)
        if type(v) is not int or not lo <= v <= hi:
            raise self._fail(name, f"integer in [{lo}, {hi}] expected")
        return v

    def opt_integer(self, name: str, lo: int, hi: int) -> int | None:
        return None if self._get(name) is None else self.integer(name, lo, hi)

    def flag(self, name: str) -> bool:
        v = self._get(name)
        if type(v) is not bool:
            raise self._fail(name, "boolean expected")
        return v

    def choice(self, name: str, allowed: Collection[str]) -> str:
        v = self._get(name)
        if type(v) is not str or v not in allowed:
            raise self._fail(name, "value outside its list")
        return v

    def record(self, name: str) -> Fields:
        return Fields(self._get(name), f"{self._where}.{name}", self._arrays)

    def opt_record(self, name: str) -> Fields | None:
        return None if self._get(name) is None else self.record(name)

    def _list(self, name: str, max_items: int) -> list[Any]:
        v = self._get(name)
        if type(v) is not list or len(v) > max_items:
            raise self._fail(name, f"list of at most {max_items} items expected")
        return v

    def records(self, name: str, max_items: int) -> list[Fields]:
        where = f"{self._where}.{name}"
        return [Fields(v, where, self._arrays) for v in self._list(name, max_items)]

    def texts(self, name: str, max_items: int, max_chars: int) -> list[str]:
        items = self._list(name, max_items)
        if not all(type(v) is str and len(v) <= max_chars for v in items):
            raise self._fail(name, f"texts of at most {max_chars} characters expected")
        return items

    def integers(self, name: str, max_items: int, lo: int, hi: int) -> list[int]:
        items = self._list(name, max_items)
        if not all(type(v) is int and lo <= v <= hi for v in items):
            raise self._fail(name, f"integers in [{lo}, {hi}] expected")
        return items

    def array(self, name: str, dtype: str, max_len: int, *, length: int | None = None,
              ndim: int = 1) -> np.ndarray:
        """Return the array the field points to, checking its dtype, rank and length."""
        i = self._get(name)
        if type(i) is not int or not 0 <= i < len(self._arrays):
            raise self._fail(name, "array index expected")
        arr = self._arrays[i]
        expected = np.dtype(np.bool_) if dtype == "b1" else DTYPES[dtype]
        if arr.dtype != expected or arr.ndim != ndim:
            raise self._fail(name, f"{ndim}-d array of {dtype} expected")
        if len(arr) > max_len or (length is not None and len(arr) != length):
            raise self._fail(name, f"array of {len(arr)} rows (expected "
                                   f"{length if length is not None else f'≤ {max_len}'})")
        return arr

    def value(self, name: str, max_chars: int) -> Any:
        """Return a free-form value: null, bool, int, float, text, or lists/objects of them
        at most ``MAX_DEPTH`` deep (the header cap bounds how many)."""
        return _free(self._get(name), 0, max_chars, f"{self._where}.{name}")


def _free(v: Any, depth: int, max_chars: int, where: str) -> Any:
    t = type(v)
    if v is None or t is bool or t is int or t is float:
        return v
    if t is str:
        if len(v) > max_chars:
            raise ReplyRejected(f"{where}: text longer than {max_chars}")
        return v
    if depth >= MAX_DEPTH:  # checked before recursing: never near Python's recursion limit
        raise ReplyRejected(f"{where}: nested deeper than {MAX_DEPTH}")
    if t is list:
        return [_free(x, depth + 1, max_chars, where) for x in v]
    if t is not dict:
        raise ReplyRejected(f"{where}: unexpected value")
    if len(v) == 1 and "$f" in v:
        f = v["$f"]
        if type(f) is str and f in _NONFINITE:
            return _NONFINITE[f]
        raise ReplyRejected(f"{where}: bad float tag")
    if any(len(k) > MAX_KEY_CHARS for k in v):
        raise ReplyRejected(f"{where}: key longer than {MAX_KEY_CHARS}")
    return {k: _free(x, depth + 1, max_chars, where) for k, x in v.items()}


# --- worker side: encoding --------------------------------------------------------------------
class Out:
    """Collects the arrays of one reply being built (worker side)."""

    def __init__(self) -> None:
        self._arrays: list[np.ndarray] = []
        self._specs: list[list[Any]] = []

    def array(self, values: Any, dtype: str) -> int:
        """Add ``values`` as an array of ``dtype`` (a ``DTYPES`` key); return its field value."""
        target = np.bool_ if dtype == "b1" else DTYPES[dtype]
        arr = np.ascontiguousarray(np.asarray(values, dtype=target))
        self._arrays.append(arr)
        self._specs.append([dtype, list(arr.shape)])
        return len(self._arrays) - 1

    def body(self, kind: str, fields: dict[str, Any]) -> list[bytes | memoryview]:
        """Return the reply body as chunks (the header, then each array's bytes)."""
        head = orjson.dumps({"k": kind, **fields, "a": self._specs})
        prefix = _PREFIX.pack(MAGIC, VERSION, 0, len(head))
        return [prefix, head, *(a.data.cast("B") for a in self._arrays if a.size)]


def body(kind: str, fields: dict[str, Any] | None = None) -> list[bytes | memoryview]:
    """Return the body of a reply without arrays."""
    return Out().body(kind, fields or {})


def number(x: float) -> float | str:
    """Encode a float for a typed number field (JSON has no NaN or infinity)."""
    f = float(x)
    if math.isfinite(f):
        return f
    return "nan" if math.isnan(f) else ("inf" if f > 0 else "-inf")


def cut(text: str, max_chars: int) -> str:
    """Return ``text`` shortened to ``max_chars`` characters (marked with « … »)."""
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def free(value: Any, max_chars: int, depth: int = 0) -> Any:
    """Encode a free-form value (see ``Fields.value``): tuples become lists, numpy scalars
    Python ones, texts are cut; anything else raises ``TypeError``."""
    if value is None or isinstance(value, bool | str | int | np.bool_ | np.integer):
        if isinstance(value, str):
            return cut(value, max_chars)
        return value.item() if isinstance(value, np.generic) else value
    if isinstance(value, float | np.floating):
        f = float(value)
        return f if math.isfinite(f) else {"$f": number(f)}
    if depth >= MAX_DEPTH:
        raise TypeError(f"value nested deeper than {MAX_DEPTH}")
    if isinstance(value, list | tuple):
        return [free(v, max_chars, depth + 1) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        if "$f" in value:
            raise TypeError("the key '$f' is reserved")
        return {cut(k, MAX_KEY_CHARS): free(v, max_chars, depth + 1) for k, v in value.items()}
    raise TypeError(f"{type(value).__name__} is not a free-form value")
