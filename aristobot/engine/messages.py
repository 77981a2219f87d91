"""What the trading engine tells users (French): alerts, refusals, the replay report.

The package's text catalog (convention: :mod:`aristobot.messages`).
"""

from __future__ import annotations

from datetime import datetime

# --- controls and execution -------------------------------------------------------------------
CONFIRM_STOP_WITH_POSITION = "Une position est ouverte : confirmez l'arrêt."
NO_POSITION_TO_SELL = "Aucune position ouverte à vendre."
POSITION_ALREADY_CLOSED = "Position déjà fermée."
DECISION_ALREADY_TAKEN = "décision déjà prise pour cette bougie"
NO_STORED_CANDLE = "aucune bougie stockée"
INTERRUPTED_DECISION = ("Décision interrompue par un arrêt du moteur ; la bougie n'est pas "
                        "rejouée (voir les trades « en attente » réconciliés).")


def insufficient_balance(free_quote: object) -> str:
    return f"Solde insuffisant pour entrer ({free_quote} libres)."


def nothing_to_close(base: str) -> str:
    return f"Aucun {base} disponible pour fermer la position."


def late_signal(delay_s: float, timeframe: object) -> str:
    return (f"Signal publié en retard de {delay_s:.0f} s (plus d'une bougie {timeframe}) : "
            "décision sautée, jamais sur des prix dépassés.")


def stale_candle(symbol: str, timeframe: str, boundary: datetime, deadline_s: float,
                 last: datetime | None, error: str) -> str:
    """Why a decision was skipped: its candle did not arrive in time (``last`` stored one)."""
    have = (f"dernière bougie {last:%Y-%m-%d %H:%M} UTC" if last is not None
            else NO_STORED_CANDLE)
    text = (f"Bougie {symbol} {timeframe} de {boundary:%Y-%m-%d %H:%M} UTC absente après "
            f"{deadline_s:g} s ({have}) : décision sautée, jamais sur des bougies périmées.")
    return f"{text} Dernière erreur : {error}" if error else text


# --- protection and reconciliation ------------------------------------------------------------
def protection_impossible(symbol: str, reason: str) -> str:
    return f"Surveillance SL/TP de la position {symbol} impossible : {reason}"


def no_price_from(exchange: str) -> str:
    return f"aucun prix de {exchange}"


def stop_loss_replaced(symbol: str, status: object, order_id: object) -> str:
    return (f"Stop loss de {symbol} absent sur l'exchange ({status}) : replacé "
            f"(ordre {order_id}).")


def protection_lost(symbol: str, order_id: object) -> str:
    return (f"Ordre de protection absent sur l'exchange pour {symbol} ({order_id}) et "
            "impossible à replacer : le moteur surveille désormais SL/TP lui-même.")


def reconcile_impossible(symbol: str, reason: str) -> str:
    return f"Réconciliation impossible pour la position {symbol} : {reason}"


def restart_mismatch(symbol: str, quantity: object, base: str, held: object) -> str:
    return (f"Écart au redémarrage : la position {symbol} compte {quantity} {base}, "
            f"l'exchange n'en détient que {held}. Rien n'a été modifié : vérifiez "
            "(vente manuelle, retrait ?) puis fermez la position avec « Vendre » ou "
            "« Stop ».")


# --- choosing what runs (engine/selection) ----------------------------------------------------
ACTIVE_STRATEGY = "Stratégie active"
DATES_IN_UTC = "Les dates doivent être en UTC (fuseau explicite)."
END_BEFORE_START = "La date de fin doit être après la date de début."
END_IN_THE_PAST = "La date de fin est déjà passée : rien ne serait exécuté."
PERIOD_OVER = "Période terminée : cette stratégie ne peut pas reprendre."


def invalid_symbol(symbol: str) -> str:
    return f"Symbole invalide « {symbol} » (ex. BTC/USDT)."


def broker_disabled(name: str) -> str:
    return f"Le broker « {name} » est désactivé."


# --- replaying the live decisions (engine/replay_report) --------------------------------------
REPORT_COLUMNS = ("Bougie (UTC)", "Live", "Rejeu", "Prix live", "Prix rejeu", "Frais live",
                  "Frais rejeu", "Délai (ms)", "Verdict")
SAME = "identique"
MISSED_LIVE = "décision manquée (live)"
EXTRA_LIVE = "décision en trop (live)"
NOT_FILLED_LIVE = "ordre non exécuté (live)"
OTHER_PRICE = "prix d'exécution différent"
OTHER_FEES = "frais différents"
PERIOD_END_BEFORE_START = "La fin de la période doit être après son début."
PERIOD_OUTSIDE_ACTIVE = "La période choisie est hors de la période de la stratégie active."
NO_CANDLES_IN_PERIOD = "Aucune bougie stockée pour cette période."


def other_action(live: str, replay: str) -> str:
    return f"action différente ({live} / {replay})"


def candles_changed(when: str) -> str:
    return (f"Bougies modifiées depuis la décision de {when} : le rejeu ne voit pas exactement "
            "ce que le live a vu.")
