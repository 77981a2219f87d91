"""The error tree: English for logs, French for users (``user_message``)."""

from __future__ import annotations

from typing import Any, ClassVar


class AristobotError(Exception):
    """Base of every error Aristobot raises on purpose.

    ``str(error)`` is English (logs); ``user_message()`` is the French text a user sees.
    Subclasses set ``message_fr`` with ``{placeholders}`` filled from the keyword context.
    """

    message_fr: ClassVar[str] = "Une erreur inattendue est survenue."
    #: values used for placeholders the context does not give (e.g. an optional ``detail``)
    defaults: ClassVar[dict[str, str]] = {}

    def __init__(self, **context: Any) -> None:
        super().__init__(f"{type(self).__name__}({context})")
        self.context = context

    def user_message(self) -> str:
        """Return the French message for the user, with the context filled in."""
        try:
            return self.message_fr.format(**{**self.defaults, **self.context})
        except (KeyError, IndexError, ValueError):
            return self.message_fr


# --- configuration ---------------------------------------------------------------------------
class ConfigError(AristobotError):
    message_fr = "Configuration invalide : {key} — {reason}"


class PortInUse(ConfigError):
    """The dashboard's port is taken (often: Aristobot is already running)."""

    message_fr = ("Le port {port} est déjà utilisé sur {address} : Aristobot tourne peut-être "
                  "déjà (ouvrez-le dans le navigateur), sinon arrêtez le programme qui occupe "
                  "ce port ou choisissez-en un autre, par exemple ./run.sh --port 5007.")


# --- data and validation ---------------------------------------------------------------------
class DataError(AristobotError):
    message_fr = "Données invalides : {reason}"


class ValidationError(DataError):
    """Input refused by the library (the authority over what pages may write)."""

    message_fr = "{reason}"


class NotFound(DataError):
    message_fr = "{what} introuvable."


class Conflict(DataError):
    message_fr = "{reason}"


# --- accounts --------------------------------------------------------------------------------
class AuthError(AristobotError):
    message_fr = "Identifiant ou mot de passe incorrect."


class TooManyAttempts(AuthError):
    message_fr = "Trop de tentatives de connexion. Réessayez dans {seconds} secondes."


class UserLimitReached(AuthError):
    message_fr = "Nombre maximal d'utilisateurs atteint ({limit}) : création de compte refusée."


class CryptoError(AristobotError):
    message_fr = "Impossible de déchiffrer une donnée secrète : la clé SECRET_KEY a-t-elle changé ?"


# --- strategies ------------------------------------------------------------------------------
class StrategyError(AristobotError):
    message_fr = "Erreur de stratégie : {reason}"


# --- exchanges -------------------------------------------------------------------------------
# The exchange's own text (``reason``: English, endpoints) stays in ``str(error)`` and the server
# log; the user reads what happened and what to do, plus an optional French ``detail`` that
# ``exchanges.translation`` derives from known exchange answers (« (… ) » or empty).
class ExchangeError(AristobotError):
    defaults: ClassVar[dict[str, str]] = {"exchange": "l'exchange", "detail": ""}
    message_fr = ("{exchange} n'a pas pu traiter la demande{detail} : réessayez ; si le problème "
                  "persiste, le détail est dans le journal du serveur.")


class TemporaryError(ExchangeError):
    message_fr = ("Échec de la communication avec {exchange}{detail} : réessayez dans un "
                  "instant ; si cela persiste, vérifiez la connexion internet.")


class AuthenticationFailed(ExchangeError):
    message_fr = ("Connexion refusée par {exchange}{detail} : vérifiez la clé API, le secret et "
                  "les permissions du compte dans « Mon Compte ».")


class InsufficientFunds(ExchangeError):
    message_fr = ("Fonds insuffisants sur {exchange}{detail} : réduisez la quantité ou le "
                  "montant de l'ordre.")


class OrderRejected(ExchangeError):
    message_fr = ("Ordre refusé par {exchange}{detail} : vérifiez la quantité, le prix et le "
                  "symbole.")


# --- bus -------------------------------------------------------------------------------------
class BusError(AristobotError):
    message_fr = ("Le bus de messages (Redis) est indisponible : les mises à jour en direct sont "
                  "suspendues ; réessayez dans un instant.")


# --- exchanges: details (issue 4) ------------------------------------------------------------
class RateLimited(TemporaryError):
    message_fr = ("Trop de requêtes envoyées à {exchange} : patientez une minute puis "
                  "réessayez.")


class OrderNotFound(ExchangeError):
    message_fr = ("Ordre introuvable sur {exchange} : il a peut-être déjà été exécuté ou "
                  "annulé ; actualisez la liste des ordres.")


class OrderStatusUnknown(ExchangeError):
    """An order may or may not have reached the exchange: a human must check before retrying."""

    message_fr = (
        "État de l'ordre {client_order_id} inconnu sur {exchange} après une erreur réseau : "
        "vérifiez sur l'exchange avant de réessayer."
    )


class NoPriceAvailable(DataError):
    message_fr = "Aucun prix disponible pour {symbol} : {reason}"


# --- strategies: validation, isolated execution, AI assistant (issue 5) -----------------------
class StrategyInvalid(StrategyError):
    """Code refused by the validator; ``reason`` lists the located issues."""

    message_fr = "Stratégie invalide : {reason}"


class StrategyRuntimeError(StrategyError):
    """User code raised; ``reason`` is « Ligne N : Type : message »."""

    message_fr = "Erreur dans la stratégie — {reason}"


class StrategyTimeout(StrategyError):
    message_fr = "Temps dépassé : le calcul a été arrêté après {seconds} s."


class StrategyMemoryExceeded(StrategyError):
    message_fr = "Mémoire dépassée : le calcul a été arrêté (limite {mb} Mo)."


class StrategyCrashed(StrategyError):
    message_fr = ("Le processus isolé qui exécutait la stratégie s'est arrêté brutalement ; il a "
                  "été remplacé : relancez le calcul.")


class StrategyReplyRejected(StrategyError):
    """A worker's reply broke its schema (the detail goes to the log): it was killed."""

    message_fr = ("Le processus isolé a renvoyé une réponse non conforme (refusée sans être "
                  "interprétée) ; il a été arrêté et remplacé.")


class JobFailed(StrategyError):
    message_fr = "{reason}"


class JobCancelled(StrategyError):
    message_fr = "Calcul annulé."


class PoolClosed(StrategyError):
    message_fr = "Le pool d'exécution des stratégies est arrêté."


class AIError(AristobotError):
    message_fr = "Assistant IA : {reason}"


# --- exchanges: follow-up fixes (issue 4) -----------------------------------------------------
class OrderInterrupted(ExchangeError):
    """Sending stopped half-way (cancelled, database error): the order may exist."""

    message_fr = (
        "Envoi de l'ordre {client_order_id} interrompu : état inconnu, vérifié "
        "automatiquement au prochain rafraîchissement."
    )


class OrderNeverReceived(ExchangeError):
    message_fr = "Ordre {client_order_id} absent de {exchange} : il n'a jamais été exécuté."


class BrokerInactive(ValidationError):
    message_fr = "Le broker « {name} » est désactivé : aucun ordre n'est envoyé."


class PoolBusy(StrategyError):
    """No strategy worker became free before the deadline (issue 5)."""

    message_fr = ("Tous les processus de calcul sont occupés depuis {seconds} s ; "
                  "réessayez dans un instant.")


class PoolStartFailed(StrategyError):
    """A strategy worker could not start; the cause is in the server log only (issue 5)."""

    message_fr = ("Impossible de démarrer un processus isolé pour exécuter la stratégie "
                  "(détails dans le journal du serveur).")


# --- backtest queue (issue 9) -----------------------------------------------------------------
class JobQueueFull(StrategyError):
    """An owner already has the most jobs allowed waiting in the queue."""

    message_fr = ("Vous avez déjà {count} backtest(s) en file d'attente : attendez qu'un "
                  "d'eux démarre ou interrompez-en un.")


class JobTimeLimit(StrategyTimeout):
    """A job ran past its wall-clock cap: its worker was killed."""

    message_fr = ("Backtest arrêté : il a dépassé la durée maximale de {seconds} s autorisée "
                  "pour un calcul (le processus a été arrêté). Réduisez la période ou allégez "
                  "la stratégie.")


# --- webhooks (TradingView alerts) -----------------------------------------------------------
class WebhookError(AristobotError):
    """A webhook request refused by the receiver; ``http_status`` is the answer's code."""

    http_status: ClassVar[int] = 400
    status: ClassVar[str] = "rejected"  # the status stored on the webhooks row
    message_fr = "Alerte refusée : {reason}"


class WebhookUnknownSource(WebhookError):
    http_status = 404
    message_fr = "Source de webhook inconnue : vérifiez l'URL (le jeton a peut-être été renouvelé)."


class WebhookSourceDisabled(WebhookError):
    http_status = 403
    message_fr = "La source « {name} » est désactivée : alerte enregistrée, aucun ordre envoyé."


class WebhookBadSecret(WebhookError):
    http_status = 401
    message_fr = "Secret absent ou incorrect pour la source « {name} » : aucun ordre envoyé."


class WebhookAddressRefused(WebhookError):
    http_status = 403
    message_fr = "Adresse {ip} non autorisée pour la source « {name} » (liste d'adresses)."


class WebhookRateLimited(WebhookError):
    http_status = 429
    message_fr = "Trop d'alertes pour la source « {name} » : au plus {limit} par minute."


class WebhookTooLarge(WebhookError):
    http_status = 413
    message_fr = "Corps de requête trop volumineux ({size} octets, au plus {limit})."


class WebhookPayloadInvalid(WebhookError):
    status = "invalid"
    message_fr = "Alerte invalide : {reason}"


class WebhookDuplicate(WebhookError):
    http_status = 200  # TradingView must not retry: the first copy is already handled
    status = "duplicate"
    message_fr = "Doublon de l'alerte n° {first_id} : enregistré, aucun nouvel ordre."


class WebhookStoreUnavailable(WebhookError):
    http_status = 503
    status = "unstored"
    message_fr = "Base de données indisponible : alerte non enregistrée, réessayez."

# --- live engine (issue 12) -------------------------------------------------------------------
class ServiceAlreadyRunning(ConfigError):
    """A second instance of a single-instance service (engine, heartbeat) was refused."""

    message_fr = ("Le service {service} tourne déjà sur cette base de données ({where}) : "
                  "un second lancement dupliquerait ses effets (ordres, signaux). Arrêtez "
                  "l'autre instance d'abord.")


class LiveStrategyLimit(ValidationError):
    message_fr = ("Limite atteinte : {limit} stratégies actives au maximum "
                  "(ARISTOBOT_MAX_LIVE_STRATEGIES). Arrêtez-en une avant d'en activer une autre.")


INTERNAL_ERROR_FR = ("Erreur interne inattendue : l'opération n'a pas abouti (le détail est dans "
                     "le journal du serveur).")


def user_text(exc: BaseException) -> str:
    """Return what a user may read about ``exc``: its French message, never exception text."""
    return exc.user_message() if isinstance(exc, AristobotError) else INTERNAL_ERROR_FR
