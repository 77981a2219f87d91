"""Every French text of the « Webhooks » page (``ui/webhooks_*``), in one place.

Templates use ``str.format`` fields; the view-model and the page take their wording from here,
so a wording is changed once.
"""

from __future__ import annotations

# --- tables -------------------------------------------------------------------------------------
SOURCE_COLUMNS = ["id", "Nom", "État", "Broker", "Limite / min", "Adresses autorisées",
                  "Créée", "Renouvelée"]
LOG_COLUMNS = ["Reçu", "Source", "Statut", "Ordre", "État de l'ordre", "Erreur", "Contenu",
               "Adresse"]
STATUS_FR = {"accepted": "reçue", "processing": "en cours", "done": "ordre envoyé",
             "failed": "échec", "duplicate": "doublon", "invalid": "invalide",
             "rejected": "refusée"}
TRADE_STATUS_FR = {"pending": "en attente", "open": "ouvert", "filled": "exécuté",
                   "canceled": "annulé", "rejected": "refusé", "error": "erreur"}
SIDE_FR = {"buy": "Achat", "sell": "Vente"}
ALL = "Toutes"
DEFAULT_BROKER = "Broker par défaut"
SOURCE_ENABLED = "active"
SOURCE_DISABLED = "désactivée"
ANY_ADDRESS = "toutes"
ORDER = "{side} {quantity} {symbol} (n° {id})"
ORDER_AT = "{side} {quantity} {symbol} @ {price} (n° {id})"

# --- what the page says -------------------------------------------------------------------------
LOG_UNREADABLE = "Journal des webhooks momentanément illisible (nouvel essai en cours)."
SOURCE_CREATED = "Source « {name} » créée : copiez son URL et son message d'alerte."
SOURCE_ROTATED = "Jeton et secret renouvelés : mettez à jour l'alerte TradingView."
SOURCE_TOGGLED = "Source « {name} » {state}."
SOURCE_TOGGLED_OFF = "désactivée"
SOURCE_TOGGLED_ON = "activée"
ALLOWLIST_SAVED = "Liste d'adresses enregistrée."
ALLOWLIST_CLEARED = "Toutes adresses autorisées."
SOURCE_DELETED = "Source supprimée : son URL est refusée, son journal reste."
LOG_DETAIL = "Requête n° {id} ({source}) :\n{body}"
PAGE_LABEL = "Page {page} / {pages} — {total} requête(s)"

# --- page (ui/webhooks_page.py) -----------------------------------------------------------------
NO_SOURCE_HINT = "<div class='ab-muted'>Créez une source pour obtenir son URL.</div>"
SOURCE_DETAIL = (
    "<div><b>URL du webhook</b> (TradingView : Alerte → Notifications → URL du webhook)"
    "<pre id='wh-url' class='ab-accent' style='white-space:pre-wrap'>{url}</pre>"
    "<b>Message de l'alerte</b> (à coller tel quel dans le champ « Message »)"
    "<pre id='wh-template' style='white-space:pre-wrap'>{message}</pre></div>")
NO_PAYLOAD_HINT = "<div class='ab-muted'>Cliquez une ligne pour voir son contenu complet.</div>"
SOURCE_NAME = "Nom de la source"
SOURCE_NAME_PLACEHOLDER = "ex. TradingView BTC"
TRADINGVIEW_ONLY = "Adresses TradingView uniquement"
RATE = "Alertes / minute"
CREATE = "Créer la source"
ROTATE = "Renouveler"
TOGGLE = "Activer/Désactiver"
DELETE = "Supprimer"
SOURCES_TITLE = "<h3 class='ab-accent'>Sources</h3>"
STATUS = "Statut"
SEARCH = "Recherche"
SEARCH_PLACEHOLDER = "texte du contenu ou de l'erreur"
LOG_TITLE = "<h3 class='ab-accent'>Journal des webhooks reçus</h3>"
