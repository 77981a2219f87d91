"""What the offline Binance tells users (French).

The package's text catalog (convention: :mod:`aristobot.messages`).
"""

from __future__ import annotations


def not_served(path: str, served: str) -> str:
    """The refusal of an endpoint the offline Binance does not serve (signed calls, orders)."""
    return (f"Binance hors ligne (services.replay) : {path} n'est pas servi. Seules les "
            f"données publiques de marché le sont ({served}) ; pour passer des ordres, "
            "utilisez le broker Paper.")
