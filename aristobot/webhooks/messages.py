"""Every French text of the webhooks package that a user reads, in one place.

Call sites use these constants (``str.format`` fields in braces). Reasons of invalid payloads
complete « Alerte invalide : … » (:class:`aristobot.errors.WebhookPayloadInvalid`); the texts
of refused requests themselves are the error classes of :mod:`aristobot.errors`.
"""

from __future__ import annotations

# --- the receiver's answer and its log rows -----------------------------------------------------
ACCEPTED = "Alerte reçue : ordre en cours d'envoi."
UNKNOWN_SOURCE_NAME = "(inconnue)"  # the log's source column when the token matched none
SOURCE_WHAT = "Source de webhook"  # completes « … introuvable » (NotFound)

# --- why a payload is invalid (payload.py) ------------------------------------------------------
NOT_UTF8 = "le corps n'est pas du texte UTF-8."
EMPTY_BODY = "le corps est vide."
# Used as is (no format): « {{…}} » is how TradingView writes its placeholders.
PLACEHOLDER_LEFT = ("un placeholder TradingView n'a pas été remplacé (« {{…}} » dans le "
                    "message) : le JSON est invalide.")
NOT_JSON = "le corps n'est ni du JSON ni des lignes CLÉ=VALEUR."
NOT_OBJECT = "le JSON doit être un objet { … }."
NOT_A_NUMBER = "« {key} » doit être un nombre."
NOT_A_NUMBER_GOT = "« {key} » doit être un nombre (reçu « {value} »)."
NOT_POSITIVE = "« {key} » doit être un nombre positif (reçu « {value} »)."
NOT_A_TEXT = "« {key} » doit être un texte."
TOO_LONG = "« {key} » dépasse {limit} caractères."
ONE_AMOUNT = "indiquez une seule quantité : « quantity », « quote_amount » ou « percent »."
NO_AMOUNT = ("quantité manquante : « quantity » (base), « quote_amount » (quote) ou "
             "« percent » (% du solde).")
CLOSE_AMOUNT = "« close » vend toute la position (ou « percent » de celle-ci)."
PERCENT_RANGE = "« percent » doit être compris entre 0 et 100."
BAD_ACTION = "« action » doit valoir buy, sell ou close (reçu « {action} »)."
NO_ACTION = "« action » manquante (buy, sell ou close)."
NO_SYMBOL = "« symbol » manquant (ex. « BTC/USDT »)."
BAD_ORDER_TYPE = "« order_type » doit valoir market ou limit (reçu « {order_type} »)."
LIMIT_NEEDS_PRICE = "un ordre « limit » exige « price »."

# --- the order of an accepted alert (processor.py, claims.py) -----------------------------------
TOO_OLD = ("Non traitée : l'alerte a attendu plus de {s} s avant l'envoi de l'ordre (aucun "
           "ordre envoyé ; un ordre tardif pourrait être pire qu'aucun).")
INTERNAL = "Erreur interne pendant l'envoi de l'ordre."
NO_USER = "Non traitée : la source de cette alerte n'existe plus."
UNKNOWN_BROKER = "Broker inconnu : « {name} »."
NO_BROKER = ("Aucun broker : choisissez-en un pour la source ou indiquez « broker » dans "
             "l'alerte.")
UNKNOWN_SYMBOL = "Symbole inconnu sur {exchange} : « {symbol} »."
NOTHING_TO_BUY = "Solde {asset} nul : rien à acheter."
NOTHING_TO_SELL = "Solde {asset} nul : rien à vendre."

# --- sources (sources.py) -----------------------------------------------------------------------
BAD_ADDRESS = "Adresse IP ou réseau invalide : « {entry} »."
NAME_LENGTH = "Le nom de la source doit faire 1 à 64 caractères."
NAME_TAKEN = "Une source « {name} » existe déjà."
RATE_RANGE = "La limite doit être entre 1 et 100 000 alertes par minute."

# --- settings of the order process (orders.py) --------------------------------------------------
NUMBER_EXPECTED = "nombre attendu, reçu « {raw} »"
