"""Fernet encryption of API and AI keys, keyed from SECRET_KEY, with key rotation."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from aristobot.errors import CryptoError


def _fernet(secret: str) -> Fernet:
    key = hashlib.sha256(b"aristobot-fernet-v1:" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


class Vault:
    """Encrypts with the current SECRET_KEY; decrypts with it or any old key (rotation)."""

    def __init__(self, secret_key: str, old_keys: Sequence[str] = ()) -> None:
        self._multi = MultiFernet([_fernet(secret_key), *(_fernet(k) for k in old_keys)])

    def encrypt(self, plaintext: str) -> str:
        return self._multi.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._multi.decrypt(token.encode()).decode()
        except InvalidToken as e:
            raise CryptoError() from e

    def rotate(self, token: str) -> str:
        """Re-encrypt ``token`` with the current key."""
        try:
            return self._multi.rotate(token.encode()).decode()
        except InvalidToken as e:
            raise CryptoError() from e


def mask(secret: str | None) -> str:
    """Return a display form that never reveals the secret (``••••••1234``)."""
    if not secret:
        return ""
    return "••••••" + secret[-4:] if len(secret) > 8 else "••••••"
