"""What the accounts service tells users (French): user names, passwords, preferences.

The package's text catalog (convention: :mod:`aristobot.messages`).
"""

from __future__ import annotations

INVALID_USERNAME = ("Nom d'utilisateur invalide : 3 à 32 caractères parmi lettres, chiffres, "
                    "« _ . - ».")
WRONG_CURRENT_PASSWORD = "Le mot de passe actuel est incorrect."


def username_reserved(username: str) -> str:
    return f"Le nom d'utilisateur « {username} » est réservé : choisissez-en un autre."


def username_taken(username: str) -> str:
    return f"Le nom d'utilisateur « {username} » est déjà pris."


def user(username: str) -> str:
    """The ``what`` of a NotFound about a named user."""
    return f"Utilisateur « {username} »"


def unknown_theme(theme: str) -> str:
    return f"Thème inconnu « {theme} » (sombre ou clair)."


def unknown_timezone(name: str) -> str:
    return f"Fuseau horaire inconnu « {name} »."
