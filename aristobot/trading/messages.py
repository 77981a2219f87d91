"""What manual trading tells users (French): order checks.

The package's text catalog (convention: :mod:`aristobot.messages`).
"""

from __future__ import annotations

QUANTITY_OR_AMOUNT_NOT_BOTH = "Indiquez une quantité ou un montant en USD, pas les deux."
QUANTITY_OR_AMOUNT = "Indiquez une quantité ou un montant en USD."


def unknown_symbol(exchange: str, symbol: str) -> str:
    return f"Symbole inconnu sur {exchange} : « {symbol} »."


def no_price(symbol: str, exchange: str) -> str:
    return f"Aucun prix pour {symbol} sur {exchange}."


def unknown_side(side: object) -> str:
    return f"Sens d'ordre inconnu « {side} » (achat/vente)."


def unknown_order_type(order_type: object) -> str:
    return f"Type d'ordre inconnu « {order_type} »."
