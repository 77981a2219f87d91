"""The AI assistant's server-side fetches may only reach the hosts allowed in the settings."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from aristobot.errors import ValidationError
from aristobot.security import messages


def check_ai_url(url: str, allowed_hosts: Iterable[str]) -> str:
    """Return ``url`` when its host is allowed; raise a French ``ValidationError`` otherwise.

    Checked before any connection, so the answer is the same whether the host or port would
    have answered or not. Hosts compare exactly (case-insensitive, trailing dot ignored):
    ``127.1`` or ``0x7f.1`` are not ``127.0.0.1``.
    """
    allowed = {h.lower().rstrip(".") for h in allowed_hosts}
    try:
        host = (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        host = ""
    if not host or host not in allowed:
        raise ValidationError(
            reason=messages.ai_host_not_allowed(host or url[:80], ", ".join(sorted(allowed)))
        )
    return url
