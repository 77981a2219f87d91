"""What the broker configurations tell users (French).

The package's text catalog (convention: :mod:`aristobot.messages`).
"""

from __future__ import annotations

NAME_LENGTH = "Le nom du broker doit faire de 1 à 64 caractères."
PAPER_HAS_NO_TESTNET = "Le broker paper est déjà une simulation : pas de testnet."
CAPITAL_NOT_POSITIVE = "Le capital de départ doit être strictement positif."


def credentials_required(exchange: str, labels: str) -> str:
    return f"{exchange} exige : {labels}."


def no_testnet(exchange: str) -> str:
    return f"{exchange} ne propose pas de testnet (sandbox)."


def name_taken(name: str) -> str:
    return f"Un broker nommé « {name} » existe déjà."
