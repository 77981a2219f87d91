"""Logging configuration for entry points (never at import)."""

from __future__ import annotations

import logging


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # basicConfig does nothing when a server (Bokeh) configured logging first: our own
    # loggers get the level themselves, so « Aristobot ready » and friends reach its log.
    logging.getLogger("aristobot").setLevel(getattr(logging, level, logging.INFO))
    logging.getLogger("bokeh").setLevel(logging.WARNING)
    logging.getLogger("tornado.access").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
