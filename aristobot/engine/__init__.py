"""The live trading engine (see :mod:`aristobot.engine.service`)."""

from __future__ import annotations
