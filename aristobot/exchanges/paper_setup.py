"""Init-time setup of the paper broker (``aristobot init`` gives ``dev`` a default one)."""

from aristobot.brokers.repository import ensure_default_paper_broker

__all__ = ["ensure_default_paper_broker"]
