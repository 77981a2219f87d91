"""Password hashing with scrypt (salted, slow); constant-time verification."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import lru_cache
from importlib import resources

from aristobot.errors import ValidationError
from aristobot.security import messages

_N, _R, _P = 2**14, 8, 1
_PREFIX = "scrypt"
MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    """Return ``scrypt$n$r$p$salt$hash`` for ``password``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"{_PREFIX}${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Return True when ``password`` matches the stored hash (constant-time compare)."""
    try:
        prefix, n, r, p, salt_b64, hash_b64 = stored.split("$")
        if prefix != _PREFIX:
            return False
        salt, expected = base64.b64decode(salt_b64), base64.b64decode(hash_b64)
        digest = hashlib.scrypt(
            password.encode(), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, expected)


#: A hash of a random password, verified against when the user does not exist, so that the
#: response time does not reveal which usernames exist.
DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of the most common passwords (lower case, see scripts/gen_...py)."""
    text = resources.files("aristobot.security").joinpath("common_passwords.txt").read_text()
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def check_password_strength(password: str) -> None:
    """Raise a French ``ValidationError`` when ``password`` is too weak."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            reason=messages.password_too_short(MIN_PASSWORD_LENGTH)
        )
    if password.strip().lower() in common_passwords():
        raise ValidationError(
            reason=messages.COMMON_PASSWORD
        )
