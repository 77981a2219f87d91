"""What the exchange adapter tells users (French): credential labels, refusals, missing prices.

The package's text catalog (convention: :mod:`aristobot.messages`). What an exchange itself
answered is translated in :mod:`aristobot.exchanges.translation` (the ccxt boundary).
"""

from __future__ import annotations

# ccxt credential names -> French labels shown in the broker form.
CREDENTIAL_LABELS: dict[str, str] = {
    "apiKey": "Clé API",
    "secret": "Secret API",
    "password": "Mot de passe API (passphrase)",
    "uid": "UID",
    "accountId": "Identifiant de compte",
    "login": "Login",
    "twofa": "Code 2FA",
    "privateKey": "Clé privée",
    "walletAddress": "Adresse du portefeuille",
    "token": "Jeton",
}
PAPER_NAME = "Paper (simulation)"
NO_ANSWER = "aucune réponse"
NO_HEARTBEAT_CANDLE = "aucune bougie du heartbeat"
PRICE_NOT_SET = "prix non défini"


def unknown_exchange(exchange_id: str) -> str:
    return f"Exchange inconnu « {exchange_id} »."


def no_sandbox(exchange: str) -> str:
    return f"{exchange} ne propose pas de testnet (mode sandbox absent de ccxt)."


def last_candle_too_old(minutes: int, maximum: int) -> str:
    """Appended to why no ticker price was available."""
    return f" ; dernière bougie vieille de {minutes} min (maximum {maximum} min)"
