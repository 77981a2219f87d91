"""What the top-level modules tell users (French): settings, the command line, offline mode.

Catalog convention: each package that shows text to users owns one ``messages.py`` (this one
serves ``config.py``, ``cli.py`` and ``offline.py``; :mod:`aristobot.errors`,
:mod:`aristobot.ui.messages` and :mod:`aristobot.exchanges.translation` are catalogs too).
Call sites reference a constant, or call a small function with the variable parts; no French
sentence is assembled anywhere else. Log messages are English and are not user text.
``tests/unit/architecture/test_user_text.py`` fails on a French literal outside a catalog.
"""

from __future__ import annotations

# --- settings (config.py): the reason of a ConfigError ----------------------------------------
ONLY_SQLITE_OR_POSTGRES = "seuls sqlite:/// et postgresql+psycopg:// sont pris en charge"
REDIS_URL_EXPECTED = "URL redis:// attendue"
SECRET_KEY_REQUIRED = "obligatoire en production (Redis configuré)"


def bool_expected(raw: str) -> str:
    return f"valeur booléenne attendue (True/False), reçu « {raw} »"


def int_expected(raw: str) -> str:
    return f"nombre entier attendu, reçu « {raw} »"


def at_least(minimum: int, value: int) -> str:
    return f"doit être ≥ {minimum}, reçu {value}"


def invalid_symbol(symbol: str) -> str:
    return f"symbole invalide « {symbol} » (ex. BTCUSDT,ETHUSDT)"


def invalid_url_override(item: str) -> str:
    return f"entrée invalide « {item} » (ex. binance=http://127.0.0.1:8123)"


def invalid_host(host: str) -> str:
    return f"nom d'hôte invalide « {host} » (ex. localhost,ia.lan)"


def unknown_log_level(level: str) -> str:
    return f"niveau inconnu « {level} »"


def positive_amount_expected(raw: str) -> str:
    return f"montant positif attendu, reçu « {raw} »"


def scheduler_address_expected(raw: str) -> str:
    return f"adresse tcp://hôte:8786 attendue, reçu « {raw} »"


# --- the command line (cli.py) ----------------------------------------------------------------
LOG_IN_WITH_EXISTING = ("Connexion avec un compte existant (mot de passe perdu : "
                        "`aristobot passwd NOM`).")
NO_USER_CREATED = "Utilisateurs créés : aucun (déjà là)."
DATABASE_UP_TO_DATE = "Base de données à jour."


def old_default_password(name: str) -> str:
    return (f"ATTENTION : {name} a encore le mot de passe publié « aristobot-dev » : "
            f"changez-le (Mon Compte, ou `aristobot passwd {name}`).")


def users_created(names: list[str]) -> str:
    return f"Utilisateurs créés : {', '.join(names)}"


def generated_password(name: str, password: str) -> str:
    return (f"  {name} : mot de passe « {password} » (affiché une seule fois, notez-le ;\n"
            f"  perdu ? `aristobot passwd {name}` en génère un autre).")


def password_from_environment(name: str) -> str:
    return f"  {name} : mot de passe = ARISTOBOT_INIT_PASSWORD"


def user(name: str) -> str:
    """The ``what`` of a NotFound about a user."""
    return f"Utilisateur « {name} »"


def new_password(name: str, password: str) -> str:
    return f"Nouveau mot de passe de {name} : « {password} » (sessions fermées)."


def sessions_revoked(count: int, name: str) -> str:
    return f"{count} session(s) de {name} révoquée(s)."


def error(message: str) -> str:
    return f"Erreur : {message}"


# --- offline mode (offline.py) ----------------------------------------------------------------
def replay_did_not_start(code: int | None) -> str:
    return f"le Binance hors ligne n'a pas démarré (code {code})"


def file_not_found(path: object) -> str:
    return f"fichier introuvable : {path}"


def offline_binance(url: str, data_dir: object) -> str:
    return f"Binance hors ligne : {url} (données : {data_dir})"


def offline_stopped(replay_died: bool) -> str:
    which = "le Binance hors ligne" if replay_died else "le tableau de bord"
    return f"Arrêt : {which} s'est arrêté."
