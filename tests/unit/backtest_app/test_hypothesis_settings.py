"""Property tests of the backtest area never time out on a loaded CI machine (no deadline)."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import tests.unit.backtest
import tests.unit.backtest_app

PACKAGES = (tests.unit.backtest, tests.unit.backtest_app)


def _modules() -> list[ModuleType]:
    return [importlib.import_module(f"{pkg.__name__}.{info.name}") for pkg in PACKAGES
            for info in pkgutil.iter_modules(pkg.__path__) if info.name.startswith("test_")]


def test_every_property_test_has_no_deadline() -> None:
    found, offenders = 0, []
    for module in _modules():
        for name, fn in vars(module).items():
            settings = getattr(fn, "_hypothesis_internal_use_settings", None)
            if settings is None:
                continue
            found += 1
            if settings.deadline is not None:
                offenders.append(f"{module.__name__}.{name}")
    assert found >= 3 and offenders == []
