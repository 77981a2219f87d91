"""The declared result of each worker job: a codec registered next to the job function.

A job (``"package.module:function"``, run by ``StrategyPool.run_job`` in a worker) declares
what it returns with ``@job_result(codec)``. The worker encodes the return value with that
codec; the pool decodes the reply with the same codec and the request's keyword arguments,
from which the codec derives its size caps (a backtest over N candles cannot send back more
than a bound of N). A function without a declared codec cannot run as a job: nothing a worker
returns is ever decoded by a generic (pickle-like) mechanism.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from aristobot.strategies.reply_codec import Fields, Out, free

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

_REGISTRY: dict[str, JobResult[Any]] = {}


class JobResult(ABC, Generic[T]):
    """Encoder (worker side) and decoder (pool side) of one job's result."""

    @abstractmethod
    def encode(self, value: T, out: Out) -> dict[str, Any]:
        """Return the JSON fields of ``value`` (its arrays added to ``out``); raise
        ``TypeError``/``ValueError`` when ``value`` does not fit the schema."""

    @abstractmethod
    def decode(self, fields: Fields, request: Mapping[str, Any]) -> T:
        """Rebuild the result from validated fields (raise ``ReplyRejected`` otherwise)."""

    @abstractmethod
    def max_bytes(self, request: Mapping[str, Any]) -> int:
        """Return the largest reply body a valid result of ``request`` can need."""

    def max_header(self, request: Mapping[str, Any]) -> int:
        """Return the largest JSON header a valid result can need (default: the whole)."""
        return self.max_bytes(request)


def job_result(codec: JobResult[Any]) -> Callable[[F], F]:
    """Declare ``codec`` as the result schema of the decorated job function."""

    def register(fn: F) -> F:
        _REGISTRY[f"{fn.__module__}:{fn.__name__}"] = codec
        return fn

    return register


def resolve(func: str, prefixes: tuple[str, ...]) -> tuple[Callable[..., Any], JobResult[Any]]:
    """Import job ``func`` ("module:function" under one of ``prefixes``) and return it with
    its result codec; raise ``ValueError`` (English) for anything else."""
    module_name, _, attr = func.partition(":")
    if not module_name.startswith(tuple(prefixes)) or not attr or "." in attr:
        raise ValueError(f"job function must be '<{'|'.join(prefixes)}>module:function', "
                         f"got {func!r}")
    fn = getattr(importlib.import_module(module_name), attr, None)
    codec = _REGISTRY.get(func)
    if not callable(fn) or codec is None or f"{fn.__module__}:{fn.__name__}" != func:
        raise ValueError(f"{func} is not a job with a declared result (@job_result)")
    return fn, codec


class FreeForm(JobResult[Any]):
    """A small free-form result: null, bool, numbers, texts, lists and dicts of them."""

    def __init__(self, max_bytes: int = 64 * 1024, max_chars: int = 4000) -> None:
        self._max_bytes = max_bytes
        self._max_chars = max_chars

    def encode(self, value: Any, out: Out) -> dict[str, Any]:
        return {"v": free(value, self._max_chars)}

    def decode(self, fields: Fields, request: Mapping[str, Any]) -> Any:
        return fields.value("v", self._max_chars)

    def max_bytes(self, request: Mapping[str, Any]) -> int:
        return self._max_bytes


class Floats(JobResult[list[float]]):
    """A list of floats no longer than the request's ``length_arg`` (sent as one array)."""

    def __init__(self, length_arg: str, default: int) -> None:
        self._arg = length_arg
        self._default = default

    def _length(self, request: Mapping[str, Any]) -> int:
        return max(0, int(request.get(self._arg, self._default)))

    def encode(self, value: list[float], out: Out) -> dict[str, Any]:
        return {"v": out.array(value, "f8")}

    def decode(self, fields: Fields, request: Mapping[str, Any]) -> list[float]:
        values: list[float] = fields.array("v", "f8", self._length(request)).tolist()
        return values

    def max_bytes(self, request: Mapping[str, Any]) -> int:
        return 4096 + 8 * self._length(request)
