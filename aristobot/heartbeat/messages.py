"""What the Heartbeat tells users (French): status-bar errors and alerts.

The package's text catalog (see :mod:`aristobot.core.messages` for the convention).
"""

from __future__ import annotations

#: shown in the status bar while publishing fails (signals are still stored in the database)
BUS_DOWN = "Bus de messages injoignable"
NEEDS_REDIS = ("un service lancé comme processus séparé a besoin de Redis pour parler au "
               "tableau de bord ; sans Redis, le Heartbeat tourne déjà dans `panel serve apps/` "
               "(mode embarqué)")

# reasons a candle is suspected and verified again against Binance
STREAM_STALLED = "flux figé"
STREAM_SILENT = "flux silencieux"
LATE_TRADES = "transactions arrivées après la clôture"
ROUTINE_CHECK = "vérification de routine"


def connection_error(reason: str) -> str:
    return f"Erreur de connexion à Binance : {reason}"


def trades_missing(missing: int, symbol: str, first: object, last: object) -> str:
    return (f"Heartbeat non cohérent : {missing} transactions {symbol} manquantes "
            f"(ids {first}–{last}) ; rattrapage par l'API REST.")


def link_was_down(duration: str, reason: str) -> str:
    return (f"Heartbeat : connexion à Binance perdue pendant {duration} ({reason}) ; "
            "les bougies concernées sont reprises de l'API REST.")


def stream_stalled(duration: str) -> str:
    return (f"Heartbeat : flux Binance figé pendant {duration} (transactions "
            "reçues en retard) ; bougies concernées revérifiées auprès de Binance.")


def candle_corrected(symbol: str, when: str, reason: str, changes: str, rebuilt: str) -> str:
    return (f"Heartbeat : bougie {symbol} 1m du {when} corrigée d'après "
            f"Binance ({reason}) : {changes} ; bougies {rebuilt} reconstruites.")


def candle_unverifiable(symbol: str, when: str) -> str:
    return (f"Heartbeat : bougie {symbol} 1m du {when} non vérifiée "
            "(Binance ne fournit pas sa kline) ; elle reste telle que reçue du flux.")


def candle_unrecoverable(symbol: str, timeframe: str, when: str) -> str:
    return (f"Heartbeat : bougie irrécupérable {symbol} {timeframe} du "
            f"{when} (Binance ne la fournit pas) ; elle restera absente.")
