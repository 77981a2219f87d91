"""Every French text the backtest service gives the user (requests, candles, verdicts).

One place owns each message: ``job``, ``service``, ``candle_store``, ``candle_loader`` and
``diagnostics`` build their texts through these constants and functions, never inline (the
engine's own texts live in ``aristobot.core.backtest.messages``).
"""

from __future__ import annotations

# -- requests and parameters (service.validate_request, job.make_params) -----------------

PICK_A_SYMBOL = "choisissez un symbole (ex. BTC/USDT)"
END_BEFORE_START = "la date de fin doit être après la date de début"
BAD_INITIAL_AMOUNT = "le montant de départ doit être positif"
BAD_FEES = "les frais doivent être entre 0 et 10 %"
BAD_SLIPPAGE = "le slippage doit être entre 0 et 10 %"
BAD_WINDOW = "la fenêtre de bougies doit être d'au moins 1"
BAD_CHECK_SAMPLES = "le nombre de barres vérifiées doit être ≥ 0"
#: Shown for an unexpected failure (a bug): the details go to the log, never to the page.
UNEXPECTED_ERROR = ("Erreur inattendue pendant le backtest. Les détails sont dans le journal "
                    "du serveur ; réessayez ou signalez le problème.")
UNREADABLE_RESULT = "le processus isolé a renvoyé un résultat illisible"


def unknown_params(names: list[str]) -> str:
    return f"paramètres inconnus : {', '.join(sorted(names))}"


def unknown_mode(mode: str) -> str:
    return f"mode inconnu « {mode} » (fast ou exact)"


def period_too_long(timeframe: str, most: int) -> str:
    return f"période trop longue pour {timeframe} (au plus {most:,} bougies)".replace(",", " ")


def strategy_named(strategy_id: int) -> str:
    return f"Stratégie n° {strategy_id}"


# -- stored results (results_store) -------------------------------------------------------
CANCELLED_NOT_SAVED = "un backtest interrompu n'est pas enregistré"
PICK_A_RESULT = "choisissez au moins un résultat à comparer"


def result_named(result_id: int) -> str:
    return f"Résultat de backtest n° {result_id}"


# -- candles (job.check_candles, candle_store, service) ------------------------------------

NO_CANDLES = "aucune bougie sur la période choisie"
NOT_UTC_INDEXED = "les bougies doivent être indexées par date UTC"
NOT_SORTED = "les bougies doivent être triées, sans doublon"
NOT_FINITE = "bougies avec des valeurs manquantes ou infinies"
UNREADABLE_CANDLES = "bougies illisibles (nombres attendus)"
INCOMPLETE_CANDLES = "bougies incomplètes : [heure, o, h, l, c, v] attendu"


def missing_columns(names: list[str]) -> str:
    return f"colonnes de bougies manquantes : {', '.join(names)}"


def invalid_candle(timeframe: str, when: object, values: object) -> str:
    return f"bougie invalide ({timeframe}) à {when} : {values}"


def no_candles_for(symbol: str, timeframe: str, exchange: str) -> str:
    return f"aucune bougie {symbol} {timeframe} disponible sur {exchange} pour cette période"


# -- decision errors and the look-ahead verdict (diagnostics) ------------------------------

NO_CHECK = "Non vérifié : aucune vérification du look-ahead pour ce résultat."
NO_BAR_COMPARED = "Non vérifié : aucune barre n'a été comparée au chemin exact."
BIASED_RERUN = ("Le résultat affiché est celui du chemin rapide, biaisé : relancez en mode "
                "exact pour le résultat honnête.")
BIASED = "Le résultat affiché est celui du chemin rapide, biaisé."


def all_decisions_failed(count: int) -> str:
    plural = "s" if count > 1 else ""
    return (f"La stratégie n'a pris aucune décision valable : {count} décision{plural} "
            f"en erreur, aucun ordre simulé. Corrigez-la puis relancez le backtest.")


def some_decisions_failed(count: int) -> str:
    plural = "s" if count > 1 else ""
    return (f"Attention : {count} décision{plural} de la stratégie en erreur (aucun ordre "
            f"pour celle{plural}-ci) : le résultat ne reflète pas toute la stratégie.")


def first_error(head: str, when: str, message: str) -> str:
    return f"{head} Première erreur{' ' + when if when else ''} : {message}"


def on_date(when: str) -> str:
    return f"le {when}"


def at_bar(bar: int) -> str:
    return f"à la barre {bar}"


def bar_label(bar: int) -> str:
    return f"barre {bar}"


def fast_figures(trades: str, return_pct: float) -> str:
    return f" ; chemin rapide (biaisé) : {trades}{return_pct:+.2f} %"


def trade_count(trades: float) -> str:
    return f"{trades:.0f} trades, "


def exact_beside(trades: float, return_pct: float, fast: str) -> str:
    return (f"Résultat honnête (mode exact) : {trades:.0f} trades, {return_pct:+.2f} %{fast}. "
            "Les chiffres affichés sont ceux du chemin rapide.")


def verified(text: str) -> str:
    return f"Chemin rapide vérifié : {text}"


def same_on(checked: int) -> str:
    return f"identique au chemin exact sur {checked} barres."


def lookahead_found(when: str, details: str, beside: str) -> str:
    return (f"Look-ahead ou dépendance à la fenêtre détecté : le chemin rapide diffère "
            f"du chemin exact aux barres {when}. {details} {beside}").strip()
