"""Pure pieces of the web hardening: redirects, headers, AI hosts, common passwords, settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from aristobot.config import Settings
from aristobot.errors import ConfigError, ValidationError
from aristobot.security.ai_hosts import check_ai_url
from aristobot.security.passwords import check_password_strength, common_passwords
from aristobot.ui.auth.web_security import content_security_policy, safe_next, security_headers

EVIL_NEXT = [
    "/%09/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/%0a/evil.example",
    "/%2F/evil.example",
    "/%252F/evil.example",
    "//evil.example",
    "/\\evil.example",
    "/%5Cevil.example",
    "\\\\evil.example",
    "https://evil.example/",
    "https:evil.example",
    "javascript:alert(1)",
    "evil.example",
    " /apps",
    "/%00/evil.example",
    "/\x7f/evil.example",
    "",
]


@pytest.mark.parametrize("url", EVIL_NEXT)
def test_next_never_leaves_the_site(url: str) -> None:
    assert safe_next(url) == "/"


@pytest.mark.parametrize("url", ["/", "/apps", "/apps?page=bots&theme=dark", "/apps#x"])
def test_next_keeps_local_paths(url: str) -> None:
    assert safe_next(url) == url


def test_security_headers() -> None:
    h = security_headers("127.0.0.1:5006")
    assert h["X-Frame-Options"] == "DENY"
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "same-origin"
    csp = h["Content-Security-Policy"]
    for part in ("frame-ancestors 'none'", "base-uri 'self'", "object-src 'none'",
                 "form-action 'self'", "connect-src 'self' ws://127.0.0.1:5006"):
        assert part in csp
    # A forged Host header cannot inject directives.
    assert "evil" not in content_security_policy("x; script-src evil")


@pytest.mark.parametrize(
    "url", ["http://localhost:11434", "http://127.0.0.1:11434", "http://[::1]:11434",
            "https://openrouter.ai/api/v1", "http://LOCALHOST.:11434"]
)
def test_ai_allowed_hosts(url: str) -> None:
    assert check_ai_url(url, ("localhost", "127.0.0.1", "::1", "openrouter.ai")) == url


@pytest.mark.parametrize(
    "url", ["http://10.0.0.5:22", "http://127.1:11434", "http://0x7f000001/",
            "http://169.254.169.254/latest", "http://openrouter.ai.evil.example/",
            "http://localhost@evil.example/"]
)
def test_ai_other_hosts_refused_in_french(url: str) -> None:
    with pytest.raises(ValidationError) as e:
        check_ai_url(url, ("localhost", "127.0.0.1", "::1", "openrouter.ai"))
    assert "non autorisée" in e.value.user_message()


def test_ai_hosts_setting(tmp_path: Path) -> None:
    s = Settings.from_env({"ARISTOBOT_AI_ALLOWED_HOSTS": "ia.lan, [::1]"}, root=tmp_path)
    assert s.ai_allowed_hosts == ("ia.lan", "::1")
    assert "openrouter.ai" in Settings.from_env({}, root=tmp_path).ai_allowed_hosts
    with pytest.raises(ConfigError):
        Settings.from_env({"ARISTOBOT_AI_ALLOWED_HOSTS": "http://x/"}, root=tmp_path)
    assert Settings.from_env({}, root=tmp_path).session_idle_hours == 12


@pytest.mark.parametrize("pw", ["password", "12345678", "Password1", "azertyuiop", "iloveyou",
                                "aristobot-dev", "qwertyuiop"])
def test_common_passwords_refused(pw: str) -> None:
    with pytest.raises(ValidationError) as e:
        check_password_strength(pw)
    assert "plus courants" in e.value.user_message()


def test_common_list_is_shipped_and_uncommon_passwords_pass() -> None:
    assert len(common_passwords()) > 3000
    check_password_strength("Vert-Cheval-Agrafe-42")
