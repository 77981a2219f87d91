"""The French labels of the dashboard's widgets, grouped by page: buttons, field names, titles,
column headers, table captions and the fixed HTML fragments that carry them.

Sentences (confirmations, hints, errors) live in :mod:`aristobot.ui.messages`; this module holds
what names a control or a piece of the page. Pages import it as ``lbl``; e2e tests assert these
wordings, so change one here and the test that reads it together.

Owned elsewhere: « Optimisation » (ui/optimisation_messages.py) and « Webhooks » (ui/webhooks_*).
"""

from __future__ import annotations

# --- « Mon Compte » → Profil (ui/account/profile_section.py, ui/profile_vm.py) ----------------
PASSWORD_TITLE = "#### Mot de passe"
CURRENT_PASSWORD = "Mot de passe actuel"
NEW_PASSWORD = "Nouveau mot de passe"
CHANGE_PASSWORD = "Changer le mot de passe"
SAVE_PREFERENCES = "Enregistrer les préférences"
THEME_LABELS = {"Sombre (néon)": "dark", "Clair": "light"}
TZ_LABELS = {"UTC": "UTC", "local": "Fuseau du navigateur (local)"}
CURRENT_TIME = ("<span class='ab-muted'>Heure actuelle affichée : "
                "<b id='tz-now'>{time}</b></span>")

# --- « Mon Compte » → Brokers (ui/account/brokers_*) -----------------------------------------
BROKER_COLUMNS = ["id", "Nom", "Exchange", "Clé API", "Testnet", "Actif", "Par défaut"]
BROKER_CONFIRM_DELETE = "Confirmer la suppression"
BROKER_EDIT = "Modifier"
BROKER_MAKE_DEFAULT = "Par défaut"
BROKER_UPDATE_MARKETS = "MAJ Paires de trading"
KEY_UNCHANGED_IF_EMPTY = "inchangé si vide"
BROKER_IS_DEFAULT = "Broker par défaut"
BROKER_ACTIVE = "Actif (décoché : aucun ordre envoyé)"
PAPER_CAPITAL = "Capital de départ (USDT)"
PAPER_CAPITAL_FIELD = "Capital de départ"  # names the field in a parse error
VERIFY_KEYS = "Vérifier les clés"

# --- « Mon Compte » → Assistant IA (ui/account/ai_section.py) --------------------------------
AI_KEY = "Clé API OpenRouter"
AI_SAVE_KEY = "Enregistrer la clé"
AI_LOAD_MODELS = "Charger la liste des modèles"
AI_SWITCHES_HINT = ("<span class='ab-muted'>Activer l'un désactive l'autre ; les deux sur OFF "
                    "désactivent l'assistant de la page Stratégies.</span>")

# --- « Backtest » (ui/backtest_page.py, ui/backtest_vm.py) ----------------------------------
BACKTEST_PHASES = {"candles": "Chargement des bougies", "queued": "En file d'attente",
                   "simulation": "Simulation", "saving": "Enregistrement", "done": "Terminé",
                   "cancelled": "Interrompu", "error": "Erreur"}
BACKTEST_STATS = {
    "initial_balance": "Solde initial", "final_balance": "Solde final",
    "net_profit": "Gain/perte total", "total_return_pct": "Rendement total %",
    "buy_hold_return_pct": "Buy & hold %", "trades": "Nombre de trades",
    "winning_trades": "Trades gagnants", "losing_trades": "Trades perdants",
    "win_rate_pct": "Taux de réussite %", "best_trade": "Plus grand gain",
    "worst_trade": "Plus grande perte", "avg_trade": "Trade moyen",
    "profit_factor": "Profit factor", "expectancy": "Espérance",
    "max_drawdown_pct": "Drawdown max %", "max_drawdown_value": "Drawdown max (valeur)",
    "max_drawdown_duration_s": "Durée du drawdown max", "sharpe": "Sharpe",
    "sortino": "Sortino", "calmar": "Calmar", "exposure_pct": "Temps exposé %",
    "avg_trade_duration_s": "Durée moyenne d'un trade", "max_trade_duration_s":
    "Durée max d'un trade", "total_fees": "Frais totaux",
}
BACKTEST_TRADE_COLUMNS = {
    "entry_time": "Entrée", "exit_time": "Sortie", "entry_price": "Prix entrée",
    "exit_price": "Prix sortie", "quantity": "Quantité", "fees": "Frais", "pnl": "P&L",
    "pnl_pct": "P&L %", "exit_reason": "Raison", "balance_after": "Solde après",
}
BACKTEST_RESULT_COLUMNS = ["id", "Stratégie", "Symbole", "TF", "Période", "Rendement %",
                           "Trades", "Réussite %", "Drawdown %", "Look-ahead"]
BACKTEST_PERCENT_COLUMNS = ("Rendement %", "Réussite %", "Drawdown %")  # of the results table
LOOKAHEAD_FLAG = ("⚠ Look-ahead détecté",
                  "chiffres du chemin rapide, biaisés : voir l'avertissement")  # first stats row
TIMEFRAME = "Unité de temps"
INITIAL_AMOUNT = "Montant de départ"
MODE_OPTIONS = {"Rapide (vérifié)": "fast", "Exact": "exact"}
RUN_BACKTEST = "Lancer le backtest"
STOP_LOADING = "Interrompre le chargement"
STOP_BACKTEST = "Interrompre le backtest"
RERUN_EXACT = "Relancer en mode exact"
VERIFY_FULL = "Vérification complète (tous les cœurs)"
# Look-ahead texts (core/backtest/messages.py) that already report an exact check.
ALREADY_VERIFIED = ("Vérification complète", "Mode exact")
PAST_RESULTS = "Résultats passés"
MANAGE_STRATEGIES = "Gérer les stratégies (créer, modifier, supprimer)"

# --- shared by the trade tables (bots, trading, stats) ----------------------------------------
SIDES = {"buy": "Achat", "sell": "Vente"}
TRADE_STATUSES = {"pending": "en attente", "open": "ouvert", "filled": "exécuté",
                  "canceled": "annulé", "rejected": "refusé", "error": "erreur"}
REALIZED_PNL = "P&L réalisé"

# --- « Bots » (ui/bots_page.py, ui/bots_vm.py) ------------------------------------------------
BOT_COLUMNS = ["id", "Stratégie", "Broker", "Symbole", "UT", "Début", "Fin", "État",
               "Position", "P&L latent", "Dernière décision", "Dernière erreur"]
BOT_TRADE_COLUMNS = ["Date", "Sens", "Statut", "Quantité", "Prix moyen", "Frais", REALIZED_PNL,
                     "Erreur"]
BOT_NUMBER_COLUMNS = ["Quantité", "Prix moyen", "Frais", REALIZED_PNL]  # right-aligned
BOT_ACTIONS = {"enter_long": "Achat", "exit": "Vente", "none": "Rien", "error": "Erreur",
               "skipped": "Sautée", "duplicate": "Doublon", "pending": "En cours",
               "enter_short": "Vente à découvert (ignorée en spot)"}
BOT_START = "Début (UTC)"
BOT_END = "Fin (UTC)"
ACTIVATE_TITLE = "<h3 class='ab-accent'>Activer une stratégie</h3>"
ACTIVE_STRATEGY = "Stratégie active"
CONFIRM_STOP = "Confirmer l'arrêt"
REPLAY_FROM = "Du (UTC)"
REPLAY_TO = "Au (UTC)"
REPLAY_START_FIELD = "Début du rejeu"  # name the fields in a parse error
REPLAY_END_FIELD = "Fin du rejeu"
REPLAY_TITLE = "<h3 class='ab-accent'>Rejouer : live = backtest ?</h3>"
MY_BOTS_TITLE = "<h3 class='ab-accent'>Mes stratégies actives</h3>"

# --- « Heartbeat » (ui/heartbeat_page.py, ui/heartbeat_vm.py, ui/stream_lines.py) ------------
STREAM_TITLE = "<h3 class='ab-accent'>Flux en temps réel</h3>"
SIGNALS_TITLE = "<h3 class='ab-accent'>Signaux Heartbeat</h3>"
STREAM_HEAD = ("<div class='hb-frame hb-head ab-muted'><span class='hb-time'>Heure</span>"
               "<span class='hb-symbol'>Symbole</span><span class='hb-price'>Prix</span>"
               "<span class='hb-qty'>Quantité</span><span class='hb-side'>Sens</span></div>")
SIGNAL_BOX = ("<div class='hb-box' id='hb-box-{tf}'><div class='hb-tf ab-accent'>{tf}</div>"
              "<div class='hb-delay ab-muted'>délai : {last} · p99 {high}</div>"
              "<div class='hb-list'>{rows}</div></div>")
COHERENT = "<span class='ab-ok' id='hb-coherent'>Cohérent</span>"
INCOHERENT = "<span class='ab-danger' id='hb-incoherent'>Non cohérent</span>"
CONNECTED = "<span class='ab-ok' id='hb-connected'>● Connecté à Binance</span>"
DISCONNECTED = "<span class='ab-danger' id='hb-disconnected'>● Déconnecté</span>"
CANDLE_CHECKS = ("<span class='ab-muted' id='hb-checks'>bougies 1m vérifiées : {verified} / "
                 "corrigées : {corrected}</span>")
CONNECTION_LINE = ("<div class='hb-connection'>{state} · {coherence} · "
                   "<span class='ab-muted'>{seen} messages reçus</span> · {checks}{error}</div>")

# --- every table (ui/tables.py): Tabulator's language options --------------------------------
TABLE_LANGUAGE = {
    "locale": "fr",
    "placeholder": "Aucune ligne pour l'instant",
    "langs": {
        "fr": {
            "pagination": {
                "page_size": "Lignes", "page_title": "Afficher la page",
                "first": "Premier", "first_title": "Première page",
                "last": "Dernier", "last_title": "Dernière page",
                "prev": "Précédent", "prev_title": "Page précédente",
                "next": "Suivant", "next_title": "Page suivante",
                "all": "Tout",
                "counter": {"showing": "Lignes", "of": "sur", "rows": "lignes",
                            "pages": "pages"},
            },
            "data": {"loading": "Chargement…", "error": "Erreur"},
            "headerFilters": {"default": "filtrer…"},
            "groups": {"item": "élément", "items": "éléments"},
        }
    },
}

# --- shell and status bar (ui/shell.py, ui/status_bar.py) ------------------------------------
SIDEBAR = ("<a class='ab-logout' href='/logout' id='logout'>⎋ Déconnexion</a>"
           "<div class='ab-user'>Connecté : <b id='current-user'>{user}</b></div>"
           "<nav class='ab-menu'>{links}</nav>")
RELOAD_MARKETS = "⟳ Marchés"
RELOAD_MARKETS_HINT = "Recharger les paires de trading de tous les exchanges"
STATUS_UNKNOWN = "<span class='ab-muted'>Inconnu</span>"
STATUS_COHERENT = "Cohérent"
STATUS_INCOHERENT = "<b class='ab-danger'>Non cohérent</b>"
HEARTBEAT_ON = "Heartbeat actif"
HEARTBEAT_OFF = "Heartbeat inactif"
MARKETS_LOADING = "Chargement '{exchange}' {pct:.0f}%"
LAST_LOAD_FAILED = " <span class='ab-danger'>(échec du dernier chargement)</span>"
ENGINE_STATES = {"up": ("on", "Moteur actif"),
                 "silent": ("off", "<b class='ab-danger'>Moteur silencieux</b>"),
                 "down": ("off", "<b class='ab-danger'>Moteur arrêté</b>")}  # (dot, text)
TESTNET_MODE = "<span class='item ab-testnet' id='st-testnet'>⚠ Mode Testnet</span>"
DEBUG_ON = "<span class='item ab-debug' id='st-debug'>Debug actif</span>"


def exchanges_loaded(n: int) -> str:
    """« 1 exchange chargé », « 3 exchanges chargés »."""
    s = "s" if n > 1 else ""
    return f"{n} exchange{s} chargé{s}"


def live_strategies(n: int) -> str:
    """The status bar item counting the user's live strategies."""
    s = "s" if n > 1 else ""
    return f"<span class='item' id='st-live'>{n} stratégie{s} live</span>"


# --- « Statistiques » (ui/stats_page.py, ui/stats_vm.py) --------------------------------------
STATS_METHOD = ("<details class='ab-muted'><summary>Méthode de calcul</summary><ul><li>Seules "
                "les quantités exécutées comptent.</li><li>P&amp;L d'une vente = quantité × "
                "(prix de vente − prix moyen pondéré des achats précédents), chaque "
                "stratégie, source de webhook et le trading manuel ayant leur propre carnet "
                "par broker et symbole ; les frais sont déduits quand ils sont payés (un "
                "P&amp;L enregistré par le moteur est repris tel quel).</li><li>Frais "
                "convertis dans la devise de cotation ; des frais payés dans un autre actif "
                "(ex. BNB) sont exclus.</li><li>Taux de réussite = ventes gagnantes / ventes. "
                "Drawdown max = plus forte baisse du P&amp;L cumulé depuis un "
                "sommet.</li></ul></details>")
STATS_FROM = "Du"
STATS_TO = "Au"
EXPORT_CSV = "Exporter en CSV"
ALL_BROKERS = "Tous les brokers"
EXPORT_COLUMNS = {"created_at": "Date (UTC)", "origin": "Origine", "broker_id": "Broker",
                  "symbol": "Symbole", "side": "Sens", "filled": "Quantité",
                  "price": "Prix moyen", "fee_quote": "Frais (cotation)", "pnl": REALIZED_PNL}

# --- « Stratégies » (ui/strategies_page.py, ui/strategies_vm.py) ------------------------------
STRATEGIES_TITLE = "## Stratégies"
MY_STRATEGIES = "Mes stratégies"
NEW_STRATEGY_NAME = "Nouvelle stratégie"  # name of a strategy created without one
TEST_SYNTAX = "Tester la syntaxe"
AI_DESCRIPTION = "Décrivez la logique (français ou anglais)"
AI_DESCRIPTION_EXAMPLE = "ex. Acheter quand le RSI 14 passe sous 30, vendre au-dessus de 70"
GENERATE_CODE = "Générer le code"
INSERT_CODE = "Insérer dans l'éditeur"

# --- login page (ui/auth/login_page.py) -------------------------------------------------------
LOGIN_TITLE = "Aristobot — Connexion"
LOGIN_TAGLINE = "Atelier de recherche et de trading crypto"
LOGIN_USER = "Utilisateur"
LOGIN_PASSWORD = "Mot de passe"
LOGIN_BUTTON = "Connexion"
SIGNUP = "Nouveau compte"
SIGNUP_PASSWORD = "Mot de passe (8 caractères minimum)"
SIGNUP_CONFIRM = "Confirmer le mot de passe"
SIGNUP_CANCEL = "Annuler"
SIGNUP_BUTTON = "Créer le compte"
DEV_MODE_BUTTON = "Mode développement : {state}"
DEV_LOGIN = "Entrer en tant que « dev »"
