"""What the security checks tell users (French): passwords, AI hosts.

The package's text catalog (convention: :mod:`aristobot.messages`).
"""

from __future__ import annotations

COMMON_PASSWORD = ("Ce mot de passe fait partie des plus courants (facile à deviner) : "
                   "choisissez-en un autre.")


def password_too_short(minimum: int) -> str:
    return f"Le mot de passe doit contenir au moins {minimum} caractères."


def ai_host_not_allowed(host: str, allowed: str) -> str:
    return (f"Adresse IA non autorisée « {host} » : seuls les hôtes de "
            f"ARISTOBOT_AI_ALLOWED_HOSTS sont permis ({allowed}).")
