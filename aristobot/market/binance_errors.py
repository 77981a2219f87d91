"""Binance error codes (websocket and REST) as French text for the user."""

from __future__ import annotations

from typing import Any

_CODES_FR: dict[int, str] = {
    0: "propriété inconnue",
    1: "type de valeur invalide",
    2: "requête invalide",
    3: "JSON invalide",
    -1000: "erreur inconnue côté Binance",
    -1001: "Binance momentanément déconnecté",
    -1003: "trop de requêtes, limite atteinte",
    -1013: "requête refusée par Binance",
    -1021: "horodatage hors de la fenêtre acceptée",
    -1022: "signature invalide",
    -1100: "paramètre contenant des caractères invalides",
    -1102: "paramètre obligatoire manquant",
    -1121: "symbole invalide",
    -2014: "format de clé API invalide",
    -2015: "clé API, adresse IP ou permissions invalides",
}


def binance_error_fr(code: Any) -> str:
    """Return the French meaning of a Binance error ``code`` (with the code, when known)."""
    try:
        number = int(code)
    except (TypeError, ValueError):
        return "erreur non répertoriée"
    meaning = _CODES_FR.get(number, "erreur non répertoriée")
    return f"{meaning} (code {number})"
