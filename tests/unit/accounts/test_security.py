"""Passwords, the vault (Fernet with rotation), the login guard and settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from aristobot.accounts.login_guard import LoginGuard
from aristobot.config import Settings, ensure_secret_key
from aristobot.errors import ConfigError, CryptoError, TooManyAttempts, ValidationError
from aristobot.security import Vault, hash_password, mask, verify_password


def test_password_hash_is_salted_and_verifies() -> None:
    a, b = hash_password("correct horse"), hash_password("correct horse")
    assert a != b and a.startswith("scrypt$")
    assert verify_password("correct horse", a)
    assert not verify_password("wrong horse", a)
    assert not verify_password("x", "not-a-hash")


def test_vault_round_trip_and_rotation() -> None:
    old = Vault("old-secret")
    token = old.encrypt("api-key-123")
    assert "api-key-123" not in token
    rotated = Vault("new-secret", old_keys=["old-secret"])
    assert rotated.decrypt(token) == "api-key-123"  # old keys still decrypt
    fresh = rotated.rotate(token)
    assert Vault("new-secret").decrypt(fresh) == "api-key-123"
    with pytest.raises(CryptoError) as e:
        Vault("other").decrypt(token)
    assert "SECRET_KEY" in e.value.user_message()


def test_mask_never_reveals_the_secret() -> None:
    assert mask("abcdefghijkl1234") == "••••••1234"
    assert mask("short") == "••••••"
    assert mask(None) == ""


def test_login_guard_blocks_after_failures_then_recovers() -> None:
    now = [0.0]
    guard = LoginGuard(per_pair=3, window_s=60, clock=lambda: now[0])
    who = {"ip": "1", "username": "alice"}
    for _ in range(3):
        guard.check(**who)
        guard.failed(**who)
    with pytest.raises(TooManyAttempts) as e:
        guard.check(**who)
    assert "Réessayez dans" in e.value.user_message()
    guard.check(ip="2", username="alice")  # other clients are not affected
    now[0] = 61.0
    guard.check(**who)


def test_stranger_cannot_lock_out_the_owner_on_a_known_device() -> None:
    guard = LoginGuard(per_pair=5, per_user=10, per_ip=1000, window_s=900, clock=lambda: 0.0)
    for i in range(10):  # a distributed guess on alice from 10 addresses, same or not as hers
        guard.failed(ip=f"10.0.0.{i % 2}", username="alice")
    with pytest.raises(TooManyAttempts):
        guard.check(ip="10.0.0.9", username="alice")  # unknown devices: locked
    with pytest.raises(TooManyAttempts):
        guard.check(ip="10.0.0.1", username="ALICE")  # case does not dodge it
    guard.check(ip="10.0.0.1", username="alice", device="d-alice")  # her own browser: allowed
    for _ in range(5):  # a known device has its own small budget
        guard.failed(ip="10.0.0.1", username="alice", device="d-alice")
    with pytest.raises(TooManyAttempts):
        guard.check(ip="10.0.0.1", username="alice", device="d-alice")


def test_own_success_does_not_reset_the_address_counter() -> None:
    guard = LoginGuard(per_pair=100, per_user=100, per_ip=4, window_s=900, clock=lambda: 0.0)
    for name in ("bob", "carol", "dave"):
        guard.failed(ip="6.6.6.6", username=name)
    guard.succeeded(ip="6.6.6.6", username="mallory")  # the attacker's own account
    guard.failed(ip="6.6.6.6", username="erin")
    with pytest.raises(TooManyAttempts):
        guard.check(ip="6.6.6.6", username="frank")
    guard.check(ip="7.7.7.7", username="frank")


def test_signups_are_rate_limited_per_address() -> None:
    guard = LoginGuard(per_ip_signups=3, window_s=900, clock=lambda: 0.0)
    for _ in range(3):
        guard.signup_attempt(ip="1.1.1.1")
    with pytest.raises(TooManyAttempts):
        guard.signup_attempt(ip="1.1.1.1")
    guard.signup_attempt(ip="2.2.2.2")


def test_settings_errors_name_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as e:
        Settings.from_env({"DEBUG_ARISTOBOT": "peut-être"}, root=tmp_path)
    assert "DEBUG_ARISTOBOT" in e.value.user_message()
    with pytest.raises(ConfigError) as e:
        Settings.from_env({"ARISTOBOT_MAX_USERS": "cinq"}, root=tmp_path)
    assert "ARISTOBOT_MAX_USERS" in e.value.user_message()
    with pytest.raises(ConfigError):
        Settings.from_env({"ARISTOBOT_DATABASE_URL": "mysql://x"}, root=tmp_path)


def test_settings_defaults_are_embedded(tmp_path: Path) -> None:
    s = Settings.from_env({}, root=tmp_path)
    assert s.is_embedded and s.embedded_services
    assert s.database_url == f"sqlite:///{tmp_path.resolve()}/var/aristobot.db"
    prod = Settings.from_env({"ARISTOBOT_REDIS_URL": "redis://127.0.0.1:6379/0"}, root=tmp_path)
    assert not prod.is_embedded and not prod.embedded_services
    shown = repr(Settings.from_env({"ARISTOBOT_SECRET_KEY": "s3cr3t-value"}, root=tmp_path))
    assert "s3cr3t-value" not in shown


def test_dotenv_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("DEBUG_ARISTOBOT=True\nARISTOBOT_MAX_USERS=3\n")
    monkeypatch.delenv("DEBUG_ARISTOBOT", raising=False)
    monkeypatch.delenv("ARISTOBOT_MAX_USERS", raising=False)
    s = Settings.from_env(root=tmp_path)
    assert s.debug_aristobot and s.max_users == 3


def test_secret_key_generated_once_with_mode_0600(tmp_path: Path) -> None:
    s = Settings.from_env({}, root=tmp_path)
    key = ensure_secret_key(s)
    path = s.var_dir / "secret_key"
    assert path.stat().st_mode & 0o777 == 0o600
    assert ensure_secret_key(s) == key
    with pytest.raises(ConfigError):
        ensure_secret_key(Settings.from_env({"ARISTOBOT_REDIS_URL": "redis://x"}, root=tmp_path))


def test_hash_format_salt_and_digest_sizes() -> None:
    import base64

    prefix, n, r, p, salt, digest = hash_password("correct horse").split("$")
    assert (prefix, n, r, p) == ("scrypt", str(2**14), "8", "1")
    assert len(base64.b64decode(salt)) == 16 and len(base64.b64decode(digest)) == 32


def test_a_hash_of_another_scheme_never_verifies() -> None:
    stored = hash_password("correct horse")
    assert not verify_password("correct horse", "bcrypt" + stored.removeprefix("scrypt"))
    assert not verify_password("correct horse", stored.replace("$", "$$", 1))


def test_weak_passwords_refused_with_a_french_reason() -> None:
    from aristobot.security.passwords import check_password_strength

    with pytest.raises(ValidationError) as short:
        check_password_strength("court1!")
    assert short.value.user_message() == (
        "Le mot de passe doit contenir au moins 8 caractères.")
    with pytest.raises(ValidationError) as common:
        check_password_strength("Password123")
    assert common.value.user_message() == (
        "Ce mot de passe fait partie des plus courants (facile à deviner) : "
        "choisissez-en un autre.")
    check_password_strength("cheval-agrafe-42")  # accepted


def test_ai_hosts_compare_exactly_and_name_the_refused_host() -> None:
    from aristobot.security.ai_hosts import check_ai_url

    assert check_ai_url("http://IA.lan.:11434/api", ["ia.lan."]) == "http://IA.lan.:11434/api"
    with pytest.raises(ValidationError) as e:
        check_ai_url("http://evil.example:11434/", ["ia.lan"])
    assert "« evil.example »" in e.value.user_message() and "ia.lan" in e.value.user_message()
    with pytest.raises(ValidationError) as no_host:
        check_ai_url("http:///chemin", ["ia.lan"])
    assert "« http:///chemin »" in no_host.value.user_message()


def test_mask_shows_a_hint_only_for_long_keys() -> None:
    assert mask("12345678") == "••••••"  # 8 characters: half of it would be shown
    assert mask("123456789") == "••••••6789"


#: Encrypted once with ``Vault("golden-secret-key")``: the key derivation may never change, or
#: every broker and AI key already stored becomes unreadable.
GOLDEN_TOKEN = ("gAAAAABrEAbTGOQSuJvzSKvMkwYtyIgOyfDr4DzWpzW6b_hCYj_r2HbxhiWhur-8535uHjKh1Zly"
                "XAgfMMsRTHv4_-qFzFq_JQ==")


def test_secrets_stored_by_earlier_versions_still_decrypt() -> None:
    assert Vault("golden-secret-key").decrypt(GOLDEN_TOKEN) == "clé-API-1234"
    assert Vault("new-key", ["golden-secret-key"]).decrypt(GOLDEN_TOKEN) == "clé-API-1234"


def test_ai_hosts_edge_cases() -> None:
    from aristobot.security.ai_hosts import check_ai_url

    assert check_ai_url("http://ollama.box:11434/", ["Ollama.BOX"]) == "http://ollama.box:11434/"
    with pytest.raises(ValidationError) as bad:
        check_ai_url("http://[::1/api", ["ia.lan"])  # unparsable: refused, named by its text
    assert "« http://[::1/api »" in bad.value.user_message()
    long_url = "http:///" + "x" * 100
    with pytest.raises(ValidationError) as long:
        check_ai_url(long_url, ["ia.lan"])
    assert f"« {long_url[:80]} »" in long.value.user_message()


def test_password_of_exactly_the_minimum_length_and_the_allowed_hosts_listed() -> None:
    from aristobot.security.ai_hosts import check_ai_url
    from aristobot.security.passwords import check_password_strength

    check_password_strength("k7#qLm2z")  # 8 characters: accepted
    with pytest.raises(ValidationError) as e:
        check_ai_url("http://evil.example/", ["b.lan", "a.lan."])
    assert e.value.user_message() == (
        "Adresse IA non autorisée « evil.example » : seuls les hôtes de "
        "ARISTOBOT_AI_ALLOWED_HOSTS sont permis (a.lan, b.lan).")
