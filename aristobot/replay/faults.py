"""Fault injection for the replay server, from the command line or a localhost endpoint.

A fault is ``KIND[:ARG]@WHEN``:

* ``pause:S``     hold every frame for S seconds, then deliver them late in one burst
                  (a stalled link or CPU; the exchange keeps trading meanwhile);
* ``drop``        abort every client connection (no close handshake);
* ``garbage:N``   send N malformed frames to every client;
* ``shutdown``    announce Binance's ``serverShutdown`` event;
* ``lose:N``      never stream the next N trades (a trade-id gap; REST klines keep them).

``WHEN`` is ``+S`` (S wall seconds after the market starts) or a market time: epoch ms or
ISO 8601 UTC (``2024-01-01T00:05:30Z``). Example: ``--fault pause:15@+30 --fault drop@+90``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

KINDS = {"pause": 15.0, "drop": 0.0, "garbage": 3.0, "shutdown": 0.0, "lose": 10.0}


@dataclass(frozen=True, slots=True)
class Fault:
    """One fault to inject: ``kind`` with ``arg``, after ``after_s`` or at ``at_ms``."""

    kind: str
    arg: float = 0.0
    after_s: float | None = None  # wall seconds after the market starts
    at_ms: int | None = None  # market time (epoch ms)


def parse_fault(spec: str) -> Fault:
    """Parse ``KIND[:ARG]@WHEN``; raise ``ValueError`` with a readable reason."""
    what, sep, when = spec.strip().partition("@")
    kind, _, raw_arg = what.partition(":")
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise ValueError(f"unknown fault {kind!r} (one of {', '.join(KINDS)})")
    try:
        arg = float(raw_arg) if raw_arg else KINDS[kind]
    except ValueError:
        raise ValueError(f"bad argument {raw_arg!r} in fault {spec!r}") from None
    if arg < 0:
        raise ValueError(f"negative argument in fault {spec!r}")
    if not sep or not when.strip():
        raise ValueError(f"fault {spec!r} needs @WHEN (e.g. @+30 or @2024-01-01T00:05:30Z)")
    when = when.strip()
    if when.startswith("+"):
        try:
            return Fault(kind, arg, after_s=float(when[1:]))
        except ValueError:
            raise ValueError(f"bad delay {when!r} in fault {spec!r}") from None
    if when.isdigit():
        return Fault(kind, arg, at_ms=int(when))
    try:
        at = datetime.fromisoformat(when.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"bad time {when!r} in fault {spec!r}") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return Fault(kind, arg, at_ms=int(at.timestamp() * 1000))
