"""The feedback messages the pages show (French), one place each.

A message says what happened and, when something is needed, what to do. Errors raised by the
library carry their own text (:mod:`aristobot.errors`, ``user_message()``); this module owns what
the pages say themselves: confirmations, form checks and hints. Page code imports the constant or
calls the function; tests may import them too, so a reworded message changes in one place.
"""

from __future__ import annotations

# --- login and signup (ui/auth) ---------------------------------------------------------------
PASSWORDS_DIFFER = "Les deux mots de passe ne correspondent pas."
UNKNOWN_ACTION = "Action inconnue : rechargez la page et réessayez."
STARTING = "Aristobot démarre… rechargez la page dans un instant."
LOGGED_OUT = "Vous êtes déconnecté."
DEV_MODE_OFF_SETTING = ("Le mode développement est désactivé (DEBUG_ARISTOBOT=False) : "
                        "connectez-vous avec un compte.")
DEV_MODE_INACTIVE = "Le mode développement n'est pas actif : activez-le d'abord."


def dev_mode_switched(active: bool) -> str:
    return "Mode développement activé." if active else "Mode développement désactivé."


# --- « Mon Compte » → Profil ------------------------------------------------------------------
NEW_PASSWORDS_DIFFER = ("Les deux nouveaux mots de passe ne correspondent pas : saisissez-les à "
                        "nouveau.")
PASSWORD_CHANGED = "Mot de passe modifié : vos autres sessions sont déconnectées."
PREFERENCES_SAVED = "Préférences enregistrées."

# --- « Mon Compte » → Brokers -----------------------------------------------------------------
BROKER_DELETED = "Broker supprimé."


def testnet_unavailable(exchange_name: str) -> str:
    return f"Testnet indisponible : {exchange_name} n'a pas de mode sandbox dans ccxt."


def broker_saved(name: str, balance: str) -> str:
    return f"Broker « {name} » enregistré (solde : {balance})."


def confirm_broker_delete(name: str) -> str:
    return (f"Supprimer le broker « {name} » ? Ses clés sont effacées ; l'historique des trades "
            "est conservé.")


def broker_is_default(name: str) -> str:
    return f"« {name} » est le broker par défaut."


def markets_loading(exchange: str) -> str:
    return f"Chargement des paires de {exchange} lancé : suivez-le dans la barre d'état."


def unknown_field(key: str) -> str:
    return f"Champ inconnu « {key} » : rechargez la page."


# --- « Mon Compte » → Assistant IA ------------------------------------------------------------
AI_KEY_STORED = "Clé API enregistrée (masquée)."
AI_NO_KEY = "Aucune clé API enregistrée."
AI_OFF = "Assistant désactivé."
AI_ENTER_KEY = "Saisissez une clé API."
AI_KEY_SAVED = "Clé API enregistrée (chiffrée)."
AI_URL_SAVED = "URL Ollama enregistrée."


def ai_provider_on(provider: str) -> str:
    return f"{provider} activé."


def ai_model_chosen(model: str) -> str:
    return f"Modèle « {model} » sélectionné."


def ai_models_found(count: int) -> str:
    return f"{count} modèle(s) disponible(s)."


# --- « Trading manuel » -----------------------------------------------------------------------
NO_BROKER = "Aucun broker : ajoutez-en un dans « Mon Compte » pour passer des ordres."
CHOOSE_BROKER_AND_SYMBOL = "Choisissez un broker et un symbole."


def order_outcome(side_fr: str, quantity: str, symbol: str, status_fr: str) -> str:
    return f"{side_fr} {quantity} {symbol} : {status_fr}"


def order_cancelled(order_id: str) -> str:
    return f"Ordre {order_id} annulé."


# --- « Statistiques » ---------------------------------------------------------------------------
START_AFTER_END = "La date de début est postérieure à la date de fin : corrigez la période."
NO_TRADES = "Aucun trade pour ces filtres."


def trades_summary(filled: int, attempts: int) -> str:
    return f"{filled} trade(s) exécuté(s) sur {attempts} tentative(s)."


# --- « Stratégies » -----------------------------------------------------------------------------
UNSAVED_CHANGES = ("Modifications non enregistrées : enregistrez, ou choisissez à nouveau la "
                   "stratégie pour les abandonner.")
STRATEGY_CREATED = "Stratégie créée à partir du template."
SELECT_STRATEGY = "Sélectionnez d'abord une stratégie."
CREATE_OR_SELECT_STRATEGY = "Créez ou sélectionnez d'abord une stratégie."
CODE_OK = "Syntaxe et test d'exécution : OK."
CODE_HAS_ERRORS = "Le code contient des erreurs (voir à côté du code)."
NOT_SAVED_ERRORS = "Non enregistré : le code contient des erreurs (voir à côté du code)."
STRATEGY_SAVED = "Stratégie enregistrée."
AI_CODE_INSERTED = "Code de l'assistant inséré (non enregistré)."


def not_saved(reason: str) -> str:
    return f"Non enregistré : {reason}"


# --- « Trading BOT » ----------------------------------------------------------------------------
CHOOSE_STRATEGY_AND_BROKER = "Choisissez une stratégie et un broker."
CHOOSE_ACTIVE_STRATEGY = "Choisissez une stratégie active."
