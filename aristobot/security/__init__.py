"""Password hashing and secret encryption."""

from aristobot.security.passwords import hash_password, verify_password
from aristobot.security.vault import Vault, mask

__all__ = ["Vault", "hash_password", "mask", "verify_password"]
