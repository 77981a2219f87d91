"""Load a user strategy from source: validate, ``exec`` in a fresh namespace, find the class.

As the seed says: the code is executed with ``exec`` in an isolated local namespace, then the
class deriving ``Strategy`` is found with ``issubclass``. The namespace gets ``Strategy``,
``Position``, ``Decision`` and ``Action`` predefined, a copy of the builtins without the
forbidden ones, and an ``__import__`` that only admits the validator's allowed modules and maps
``pandas_ta`` to ``pandas_ta_classic`` (so the seed's ``import pandas_ta as ta`` works).

Pure: this module runs wherever it is called; only the worker processes call it on user code.
"""

from __future__ import annotations

import builtins
import hashlib
import importlib
import traceback
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

from aristobot.core import messages
from aristobot.core.strategy_api import Action, Decision, Position, Strategy
from aristobot.core.strategy_validator import (
    _ALLOWED_ARISTOBOT,
    ALLOWED_MODULES,
    FORBIDDEN_NAMES,
    validate_source,
)
from aristobot.errors import StrategyInvalid, StrategyRuntimeError

#: The file name user code is compiled under; tracebacks are filtered on it.
USER_FILENAME = "<stratégie>"
_ALIASES = {"pandas_ta": "pandas_ta_classic"}


def code_hash(code: str) -> str:
    """Return the cache key of a strategy's source (sha256 hex)."""
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def _guarded_import(
    name: str,
    globals_: Mapping[str, Any] | None = None,
    locals_: Mapping[str, Any] | None = None,
    fromlist: Sequence[str] | None = (),
    level: int = 0,
) -> Any:
    top = name.split(".", 1)[0]
    allowed = top in ALLOWED_MODULES and (top != "aristobot" or name in _ALLOWED_ARISTOBOT)
    if level != 0 or not allowed:
        raise ImportError(messages.import_refused(name))
    real = _ALIASES.get(name, name)
    if real != name or fromlist:
        return importlib.import_module(real)
    return builtins.__import__(real, globals_, locals_, fromlist or (), 0)


def _plain_name(name: Any) -> str:
    if not isinstance(name, str) or name.startswith("__"):
        raise AttributeError(messages.attribute_forbidden(name))
    return name


def _guarded_getattr(obj: Any, name: str, *default: Any) -> Any:
    return getattr(obj, _plain_name(name), *default)


def _guarded_setattr(obj: Any, name: str, value: Any) -> None:
    setattr(obj, _plain_name(name), value)


def _guarded_delattr(obj: Any, name: str) -> None:
    delattr(obj, _plain_name(name))


def _guarded_hasattr(obj: Any, name: str) -> bool:
    return hasattr(obj, _plain_name(name))


def _safe_builtins() -> dict[str, Any]:
    allowed = {k: v for k, v in vars(builtins).items() if k not in FORBIDDEN_NAMES}
    allowed["__import__"] = _guarded_import
    # Second line behind the validator: reflection never reaches a dunder at run time either.
    allowed.update(getattr=_guarded_getattr, setattr=_guarded_setattr,
                   delattr=_guarded_delattr, hasattr=_guarded_hasattr)
    return allowed


def fresh_namespace() -> dict[str, Any]:
    """Return the namespace user code is executed in (a new dict on every call)."""
    return {
        "__builtins__": _safe_builtins(),
        "__name__": "strategie_utilisateur",
        "Strategy": Strategy,
        "Position": Position,
        "Decision": Decision,
        "Action": Action,
    }


def load_strategy(code: str) -> type[Strategy]:
    """Validate ``code``, execute it in a fresh namespace and return its Strategy subclass.

    Raises ``StrategyInvalid`` (static problems) or ``StrategyRuntimeError`` (the module-level
    code raised), both with the user's line numbers in French.
    """
    report = validate_source(code)
    if not report.ok:
        raise StrategyInvalid(reason=report.summary(), issues=report.issues)
    namespace = fresh_namespace()
    try:
        exec(compile(code, USER_FILENAME, "exec"), namespace)  # noqa: S102 - the whole point
    except Exception as e:
        raise StrategyRuntimeError(reason=describe_user_error(e), line=user_line(e)) from None
    found = [
        obj
        for obj in namespace.values()
        if isinstance(obj, type)
        and issubclass(obj, Strategy)
        and obj is not Strategy
        and obj.__module__ == "strategie_utilisateur"
    ]
    if len(found) != 1:
        raise StrategyInvalid(reason=messages.ONE_STRATEGY_CLASS_EXPECTED)
    return found[0]


def user_line(exc: BaseException) -> int | None:
    """Return the line of the user's code where ``exc`` was raised (deepest user frame)."""
    if isinstance(exc, SyntaxError) and exc.filename == USER_FILENAME:
        return exc.lineno
    tb: TracebackType | None = exc.__traceback__
    line = None
    for frame in traceback.extract_tb(tb):
        if frame.filename == USER_FILENAME:
            line = frame.lineno
    return line


def describe_user_error(exc: BaseException) -> str:
    """Return « Ligne N : Type : message » (French frame, the exception's own text)."""
    line = user_line(exc)
    text = f"{type(exc).__name__} : {exc}" if str(exc) else type(exc).__name__
    return f"Ligne {line} : {text}" if line else text
