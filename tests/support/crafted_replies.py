"""Hostile worker replies for the reply-channel tests (issue 9, items 1-3).

``writer_strategy(chunks)`` is a strategy whose ``should_long`` writes raw bytes on the
worker's reply pipe, reaching ``os`` past the validator (``pandas.io.common.os``) as an
attacker would, then carries on (or exits). ``OLD_PICKLES`` are the payloads of the attack
review, which the pickle-based protocol decoded; ``body`` builds frames of the new format with
arbitrary (wrong) content.
"""

from __future__ import annotations

import struct
from typing import Any

import orjson

from aristobot.core.strategy_validator import REQUIRED_METHODS

_PREFIX = struct.Struct(">I")


def prefixed(body: bytes, announced: int | None = None) -> bytes:
    """Return ``body`` behind its 4-byte length prefix (or a false one, ``announced``)."""
    return _PREFIX.pack(len(body) if announced is None else announced) + body


def body(head: dict[str, Any] | bytes, arrays: bytes = b"", *, version: int = 1,
         header_len: int | None = None) -> bytes:
    """Return a reply body of the new format with any header (dict or raw JSON bytes)."""
    raw = head if isinstance(head, bytes) else orjson.dumps(head)
    size = len(raw) if header_len is None else header_len
    return b"AR" + bytes([version, 0]) + struct.pack(">I", size) + raw + arrays


def decision_head(**changes: Any) -> dict[str, Any]:
    """A valid ``ok`` reply to ``decide`` (an entry), with ``changes`` to its decision."""
    d = {"action": "enter_long", "size": 10.0, "stop_loss": 0.02, "take_profit": 0.04,
         "error": None, **changes}
    return {"k": "ok", "d": d, "a": []}


#: The attack review's pickles (each a whole frame body for the OLD protocol).
OLD_PICKLES: dict[str, bytes] = {
    # Importing this module runs f2py's command line: it exited the dashboard process.
    "f2py_main": b"cnumpy.f2py.__main__\nmain\n.",
    # BUILD with a slot state setattr()s on the class: Timeframe.ms = 60000 in the server.
    "timeframe_ms": (b"caristobot.domain.timeframe\nTimeframe\n"
                     b"N}X\x02\x00\x00\x00msJ\x60\xea\x00\x00s\x86b."),
    # 50 bytes that became a 2 GiB allocation.
    "bytearray_2g": b"cbuiltins\nbytearray\n\x8a\x05\x00\x00\x00\x80\x00\x85R.",
    # ("ok", range(10**9)): the check path turned it into a list of 10**9 strings (~23 GB).
    "range_check": (b"\x80\x02X\x02\x00\x00\x00okcbuiltins\nrange\nJ\x00\xca\x9a\x3b\x85R"
                    b"\x86."),
}


def nested_pickle_pieces(depth: int) -> list[tuple[bytes, int]]:
    """("ok", [[[...]]]) nested ``depth`` deep (a multiple of 1000), as writer pieces with its
    prefix: EMPTY_LIST pushed ``depth`` times, then APPENDed into each other. The old
    protocol decoded it, then RecursionError escaped from check()."""
    head, tail = b"\x80\x02X\x02\x00\x00\x00ok", b"\x86."
    size = len(head) + depth + (depth - 1) + len(tail)
    k = depth // 1000
    return [(prefixed(b"", size) + head, 1), (b"]" * 1000, k), (b"a" * 1000, k - 1),
            (b"a" * 999, 1), (tail, 1)]


def big_error_pickle_pieces(megabytes: int) -> list[tuple[bytes, int]]:
    """("err", "user", "x" * ``megabytes`` MiB, None) in the OLD protocol, as writer pieces
    (the worker writes it 1 MiB at a time: it never holds it whole)."""
    size = megabytes * 1024 * 1024
    start = b"\x80\x04(\x8c\x03err\x8c\x04user\x8d" + struct.pack("<Q", size)
    tail = b"Nt."
    return [(prefixed(b"", len(start) + size + len(tail)) + start, 1),
            (b"x" * (1024 * 1024), megabytes), (tail, 1)]


def writer_strategy(pieces: list[tuple[bytes, int]], then: str = "return False") -> str:
    """A strategy whose ``should_long`` writes each (chunk, times) of ``pieces`` on the reply
    pipe (found by scanning the fds: the pipe other than stderr that accepts a write), then
    runs ``then``."""
    others = [m for m in REQUIRED_METHODS if m != "should_long"]
    methods = "".join(f"    def {m}(self):\n        return 0\n" for m in others)
    body_lines = [
        "err = os.fstat(2).st_ino",
        "out = None",
        "for fd in range(3, 256):",
        "    try:",
        "        st = os.fstat(fd)",
        "        if st.st_mode & 0o170000 == 0o010000 and st.st_ino != err:",
        "            os.write(fd, b'')",
        "            out = fd",
        "            break",
        "    except OSError:",
        "        pass",
        "def put(data):",
        "    while data:",
        "        data = data[os.write(out, data):]",
        f"for chunk, times in {[(c.hex(), n) for c, n in pieces]!r}:",
        "    chunk = bytes.fromhex(chunk)",
        "    for _ in range(times):",
        "        put(chunk)",
        *then.splitlines(),
    ]
    lines = "".join(f"        {line}\n" for line in body_lines)
    return ("import pandas.io.common as c\nos = c.os\n\nclass Crafted(Strategy):\n" + methods
            + "    def should_long(self):\n" + lines)


def writer_of(frame: bytes, then: str = "return False") -> str:
    """A strategy that writes one whole ``frame`` (prefix included) then runs ``then``."""
    return writer_strategy([(frame, 1)], then=then)
