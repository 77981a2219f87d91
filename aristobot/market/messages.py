"""What the market-data adapters tell users (French): Binance and network failures.

The package's text catalog (see :mod:`aristobot.core.messages` for the convention). The raw
detail of a failure goes to the (English) log; the user reads these reasons.
"""

from __future__ import annotations

import errno
from typing import Any

# --- Binance error codes (websocket and REST) -------------------------------------------------

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


# --- REST klines (market/binance_rest) --------------------------------------------------------
KLINES_UNKNOWN_SYMBOL = " (symbole inconnu sur Binance)"
KLINES_REFUSED = " (demande refusée)"


def unexpected_klines(body: object) -> str:
    return f"réponse klines inattendue : {body!r:.200}"


def unreadable_kline(error: object) -> str:
    return f"kline illisible : {error}"


# --- websocket connection failures (market/binance_ws) ----------------------------------------
CLOSED_BY_SERVER = "connexion fermée par le serveur"
CONNECTION_LOST = "connexion perdue"
CONNECT_TIMEOUT = "délai de connexion dépassé"
HOST_NOT_FOUND = "erreur réseau (nom du serveur introuvable)"
CONNECTION_REFUSED = "connexion refusée par le serveur"
HANDSHAKE_REFUSED = "négociation websocket refusée par le serveur"

#: websocket close codes (RFC 6455) as shown to the user
_CLOSE_CODES_FR = {
    1000: "fermeture normale",
    1001: "serveur en cours d'arrêt",
    1006: "connexion interrompue sans fermeture",
    1008: "règle du serveur non respectée",
    1009: "message trop volumineux",
    1011: "erreur interne du serveur",
    1012: "serveur en cours de redémarrage",
    1013: "serveur surchargé, réessayer plus tard",
}

#: common network errno values as shown to the user
_ERRNO_FR = {
    errno.ECONNREFUSED: CONNECTION_REFUSED,
    errno.ECONNRESET: "connexion réinitialisée par le serveur",
    errno.ECONNABORTED: "connexion interrompue",
    errno.EPIPE: "connexion rompue",
    errno.ETIMEDOUT: CONNECT_TIMEOUT,
    errno.ENETUNREACH: "réseau injoignable",
    errno.ENETDOWN: "réseau indisponible",
    errno.EHOSTUNREACH: "serveur injoignable",
    errno.EHOSTDOWN: "serveur hors ligne",
    errno.EADDRNOTAVAIL: "adresse indisponible",
}


def closed_by_binance(code: int) -> str:
    meaning = _CLOSE_CODES_FR.get(code, "motif non précisé")
    return f"connexion fermée par Binance (code {code} : {meaning})"


def network_error(number: int | None) -> str:
    if number is None:
        return "erreur réseau"
    known = _ERRNO_FR.get(number)
    return f"erreur réseau ({known})" if known is not None else f"erreur réseau (code {number})"


def unexpected_error(kind: str) -> str:
    return f"erreur inattendue ({kind})"
