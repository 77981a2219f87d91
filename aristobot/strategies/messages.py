"""What the strategies service tells users (French): storage, workers, AI assistant.

The package's text catalog, ``strategies/ai`` included (convention: :mod:`aristobot.messages`).
The code templates (``template.py``, ``examples.py``) are user content, not messages.
"""

from __future__ import annotations

# --- stored strategies (strategies/repository) ------------------------------------------------
NAME_REQUIRED = "Le nom de la stratégie est obligatoire."
NAME_HAS_CONTROL_CHARACTERS = "Le nom contient des caractères de contrôle."


def name_too_long(length: int, maximum: int) -> str:
    return f"Nom trop long ({length} caractères, {maximum} max)."


def invalid_window(minimum: int, maximum: int, raw: object) -> str:
    return (f"Le nombre de bougies doit être un entier entre {minimum} et {maximum} "
            f"(reçu « {raw} »).")


def unknown_timeframe(raw: object, expected: str) -> str:
    return f"Unité de temps inconnue « {raw} » (attendu : {expected})."


def name_taken(name: str) -> str:
    return f"Vous avez déjà une stratégie nommée « {name} »."


# --- isolated workers (strategies/pool, pool_workers, worker) ---------------------------------
CPU_TIME = "(temps CPU)"
OUT_OF_MEMORY = "mémoire épuisée"


def unknown_job(func: str) -> str:
    return f"calcul inconnu « {func} »"


def exit_code(code: int | None) -> str:
    return f"code de sortie {code}"


def unexpected_reply(kind: object) -> str:
    return f"réponse inattendue du processus isolé : {kind!r}"


def result_not_transferable(error: object) -> str:
    return f"Résultat non transmissible : {error}"


def unknown_request(op: object) -> str:
    return f"Requête inconnue : {op!r}"


def built_on(candles: int) -> str:
    """First note of a strategy test run."""
    return f"Construction sur {candles} bougies : OK"


def in_position_should_short(value: bool) -> str:
    return f"En position : should_short() → {value}"


# --- the AI assistant (strategies/ai) ---------------------------------------------------------
DESCRIBE_FIRST = "décrivez d'abord la logique de la stratégie."
ACCESS_DENIED = "accès refusé (clé API invalide ou sans droits)"
NOT_FOUND = "adresse ou modèle introuvable"
TOO_MANY_REQUESTS = "trop de requêtes, réessayez plus tard"
SERVICE_ERROR = "erreur du service"
REDIRECT_REFUSED = "redirection refusée"
REQUEST_REFUSED = "requête refusée"
NO_OPENROUTER_MODEL = "aucun modèle OpenRouter choisi (Mon Compte)."
NO_OLLAMA_MODEL = "aucun modèle Ollama choisi (Mon Compte)."
EMPTY_OPENROUTER_ANSWER = "réponse d'OpenRouter sans contenu."
EMPTY_OLLAMA_ANSWER = "réponse d'Ollama sans contenu."
OPENROUTER_KEY_FIRST = "Saisissez d'abord une clé API OpenRouter."
INVALID_MODEL_NAME = "Nom de modèle invalide."
NO_OPENROUTER_KEY = "aucune clé API OpenRouter enregistrée (Mon Compte)."
ASSISTANT_DISABLED = "l'assistant est désactivé (activez OpenRouter ou Ollama dans Mon Compte)."


def unreadable_answer(provider: str) -> str:
    return f"réponse illisible de {provider}."


def no_answer_within(provider: str, seconds: float) -> str:
    return f"{provider} n'a pas répondu en {seconds:g} s."


def cannot_connect(provider: str) -> str:
    return (f"connexion impossible à {provider} : vérifiez l'adresse et que le service est "
            "démarré.")


def provider_answered(provider: str, status: int, detail: str) -> str:
    return f"{provider} a répondu {status} : {detail}."


def invalid_ollama_url(example: str) -> str:
    return f"URL Ollama invalide : une adresse http:// ou https:// est attendue (ex. {example})."


def unknown_provider(provider: object) -> str:
    return f"Fournisseur IA inconnu « {provider} »."
