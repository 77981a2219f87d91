"""The French sentences the dashboard says to its user, one place each.

A message says what happened and, when something is needed, what to do. Errors raised by the
library carry their own text (:mod:`aristobot.errors`, ``user_message()``); this module owns what
the pages say themselves: confirmations, form checks, hints, placeholders and error pages.
Labels (buttons, column headers, field names, titles) live in :mod:`aristobot.ui.page_messages`.

A message with variable parts is a template with named fields, filled at the call site:
``msg.BROKER_SAVED.format(name=b.name, balance=text)``; a message that has to choose between
wordings (plurals, optional parts) is a function. Pages import the module as ``msg``; tests may
import it too, so a reworded message changes in one place.

Owned elsewhere: « Optimisation » (ui/optimisation_*) and « Webhooks » (ui/webhooks_*).
"""

from __future__ import annotations

# --- shell, error pages (ui/app.py, ui/shell.py) ----------------------------------------------
SESSION_ENDED = "Session terminée : <a href='/login'>reconnectez-vous</a>."
SESSION_INVALID = "Session invalide : <a href='/logout'>reconnectez-vous</a>."
SERVER_NOT_READY = ("Le serveur n'est pas initialisé : lancez Aristobot avec "
                    "<code>aristobot serve</code>.")
AUTH_NOT_CONFIGURED = ("Authentification non configurée : lancez Aristobot avec "
                       "<code>aristobot serve</code> (ou <code>./run.sh</code>).")
PAGE_FAILED = "La page « {page} » n'a pas pu s'afficher (voir le journal du serveur)."
RELOAD_MARKETS_CONFIRM = ("### Recharger les marchés\nRecharger la liste des paires de tous "
                          "les exchanges utilisés ? Le chargement se fait en arrière-plan.")

# --- login and signup (ui/auth) ---------------------------------------------------------------
PASSWORDS_DIFFER = "Les deux mots de passe ne correspondent pas."
UNKNOWN_ACTION = "Action inconnue : rechargez la page et réessayez."
STARTING = "Aristobot démarre… rechargez la page dans un instant."
LOGGED_OUT = "Vous êtes déconnecté."
DEV_MODE_OFF_SETTING = ("Le mode développement est désactivé (DEBUG_ARISTOBOT=False) : "
                        "connectez-vous avec un compte.")
DEV_MODE_INACTIVE = "Le mode développement n'est pas actif : activez-le d'abord."
DEV_MODE_ON = "Mode développement activé."
DEV_MODE_OFF = "Mode développement désactivé."
DEV_USER_MISSING = "L'utilisateur « dev » n'existe pas : lancez `aristobot init`."
# The forms' own checks, run in the browser (« Saisissez le mot de passe. »).
ENTER_FIELD = "Saisissez {field}."
LOGIN_FIELDS = {"username": "le nom d'utilisateur", "password": "le mot de passe",
                "password2": "la confirmation du mot de passe"}
PASSWORD_TOO_SHORT = "Le mot de passe doit contenir au moins {n} caractères."

# --- « Mon Compte » → Profil ------------------------------------------------------------------
NEW_PASSWORDS_DIFFER = ("Les deux nouveaux mots de passe ne correspondent pas : saisissez-les à "
                        "nouveau.")
PASSWORD_CHANGED = "Mot de passe modifié : vos autres sessions sont déconnectées."
PREFERENCES_SAVED = "Préférences enregistrées."

# --- « Mon Compte » → Brokers -----------------------------------------------------------------
BROKER_DELETED = "Broker supprimé."
EMPTY_BALANCE = "solde vide"
TESTNET_UNAVAILABLE = "Testnet indisponible : {exchange} n'a pas de mode sandbox dans ccxt."
BROKER_SAVED = "Broker « {name} » enregistré (solde : {balance})."
CONFIRM_BROKER_DELETE = ("Supprimer le broker « {name} » ? Ses clés sont effacées ; l'historique "
                         "des trades est conservé.")
BROKER_IS_DEFAULT = "« {name} » est le broker par défaut."
MARKETS_LOADING = "Chargement des paires de {exchange} lancé : suivez-le dans la barre d'état."
UNKNOWN_FIELD = "Champ inconnu « {key} » : rechargez la page."

# --- « Mon Compte » → Assistant IA ------------------------------------------------------------
AI_KEY_STORED = "Clé API enregistrée (masquée)."
AI_NO_KEY = "Aucune clé API enregistrée."
AI_OFF = "Assistant désactivé."
AI_ENTER_KEY = "Saisissez une clé API."
AI_KEY_SAVED = "Clé API enregistrée (chiffrée)."
AI_URL_SAVED = "URL Ollama enregistrée."
AI_PROVIDER_ON = "{provider} activé."
AI_MODEL_CHOSEN = "Modèle « {model} » sélectionné."
AI_MODELS_FOUND = "{count} modèle(s) disponible(s)."

# --- « Trading manuel » -----------------------------------------------------------------------
NO_BROKER = "Aucun broker : ajoutez-en un dans « Mon Compte » pour passer des ordres."
CHOOSE_BROKER_AND_SYMBOL = "Choisissez un broker et un symbole."
PRICE_UNAVAILABLE = "indisponible"
ORDER_OUTCOME = "{side} {quantity} {symbol} : {status}"
ORDER_CANCELLED = "Ordre {order_id} annulé."

# --- « Statistiques » ---------------------------------------------------------------------------
START_AFTER_END = "La date de début est postérieure à la date de fin : corrigez la période."
NO_TRADES = "Aucun trade pour ces filtres."
TRADES_SUMMARY = "{filled} trade(s) exécuté(s) sur {attempts} tentative(s)."
NO_TRADE_TO_CHART = "Les graphiques apparaissent dès qu'un trade est exécuté."

# --- « Stratégies » -----------------------------------------------------------------------------
UNSAVED_CHANGES = ("Modifications non enregistrées : enregistrez, ou choisissez à nouveau la "
                   "stratégie pour les abandonner.")
STRATEGY_CREATED = "Stratégie créée à partir du template."
STRATEGY_RENAMED = "Stratégie renommée."
STRATEGY_DUPLICATED = "Stratégie dupliquée."
STRATEGY_DELETED = "Stratégie supprimée."
SELECT_STRATEGY = "Sélectionnez d'abord une stratégie."
CREATE_OR_SELECT_STRATEGY = "Créez ou sélectionnez d'abord une stratégie."
CODE_OK = "Syntaxe et test d'exécution : OK."
CODE_VALID = "Code valide."
CODE_HAS_ERRORS = "Le code contient des erreurs (voir à côté du code)."
NOT_SAVED_ERRORS = "Non enregistré : le code contient des erreurs (voir à côté du code)."
NOT_SAVED = "Non enregistré : {reason}"
STRATEGY_SAVED = "Stratégie enregistrée."
AI_CODE_INSERTED = "Code de l'assistant inséré (non enregistré)."
AI_CODE_INVALID = "Le code proposé ne passe pas la validation : {reason}"
REPORT_PLACEHOLDER = "« Tester la syntaxe » affiche ici les erreurs, avec leur ligne."
CONFIRM_STRATEGY_DELETE = "<div class='ab-danger'>Supprimer « {name} » définitivement ?</div>"
UNSAVED_MARK = "<span class='ab-accent' id='strat-dirty'>● Modifications non enregistrées</span>"
AI_GENERATING = "<span class='ab-muted'>Génération en cours…</span>"
AI_PROVIDER = "<span class='ab-muted'>Fournisseur : {label}</span>"
AI_PROVIDER_STATE = "{provider} — {model}"
AI_MODEL_TO_CHOOSE = "modèle à choisir"
AI_DISABLED = "désactivé (voir Mon Compte)"

# --- « Trading BOT » ----------------------------------------------------------------------------
CHOOSE_STRATEGY_AND_BROKER = "Choisissez une stratégie et un broker."
CHOOSE_ACTIVE_STRATEGY = "Choisissez une stratégie active."
BAD_UTC_DATE = "{label} : date attendue au format AAAA-MM-JJ HH:MM (UTC), reçu « {text} »."
NO_OPEN_POSITION = "Aucune position ouverte."
OPEN_POSITION = ("Position : {quantity} {base} à {price} ; SL {stop_loss} / TP {take_profit} ; "
                 "P&L latent {pnl} ({protection}).")
BOT_ACTIVATED = "Stratégie activée (#{bot_id})."
BOT_SUSPENDED = "Stratégie suspendue."
BOT_RESUMED = "Stratégie reprise."
BOT_STOPPED = "Stratégie arrêtée."
CONFIRM_STOP_WITH_POSITION = ("Une position est ouverte ({quantity} {symbol}). Elle restera "
                              "ouverte (SL/TP toujours surveillés) : utilisez « Vendre » pour la "
                              "fermer. Arrêter la stratégie ?")
POSITION_SOLD = "Position vendue : {quantity} à {price}."
REPLAY_DONE = "Rejeu terminé."


def replay_summary(signals: int, candles: int, differences: int, notes: tuple[str, ...] | list[str]
                   ) -> str:
    """What « Rejouer » found: signals compared, differences between live and replay, notes."""
    found = ("aucune différence entre live et rejeu." if differences == 0 else
             f"{differences} différence(s).")
    return (f"{signals} signal(aux) comparé(s) sur {candles} bougies : {found}"
            + "".join(f" {x}" for x in notes))


# --- « Backtest » -------------------------------------------------------------------------------
BT_CHOOSE_STRATEGY = "choisissez une stratégie (ou créez-en une)"
BT_CHOOSE_BROKER = "choisissez un broker"
BT_CHOOSE_DATES = "choisissez les dates de début et de fin"
BT_UNKNOWN_ERROR = "Erreur inconnue."
BT_DEQUEUED = "Backtest retiré de la file d'attente : il n'a pas démarré."
BT_RESULT_MISSING = "Résultat du backtest manquant."
BT_DONE = "Backtest terminé : résultat n° {result_id} enregistré."
BT_REOPENED = "Résultat n° {result_id} rouvert ({strategy} {symbol} {timeframe} {period})."
BT_TICK_TO_DELETE = "Cochez d'abord le ou les résultats à supprimer."
BT_DELETED = "Résultat n° {result_id} supprimé."
BT_CHART_PLACEHOLDER = "Le graphique apparaît après un backtest."


def backtest_queued(position: int, own_running: bool) -> str:
    text = f"En file d'attente : position {position}"
    return text + (" (votre backtest en cours doit d'abord se terminer)" if own_running else "")


def backtest_interrupted(while_loading: bool, kept_candles: int | None) -> str:
    where = "du chargement des bougies" if while_loading else "du calcul"
    kept = f" ({kept_candles} bougies conservées)" if kept_candles is not None else ""
    return f"Interruption {where}{kept}."


def confirm_results_delete(ids: list[int]) -> str:
    plural = "s" if len(ids) > 1 else ""
    which = ", ".join(f"n° {i}" for i in ids)
    return f"Supprimer définitivement le{plural} résultat{plural} {which} ?"


# --- « Heartbeat » ------------------------------------------------------------------------------
NO_SIGNAL_YET = "Aucun signal pour l'instant"
WAITING_FOR_STREAM = "En attente du flux…"
