"""Accounts on SQLite and PostgreSQL: signup limit, authentication, preferences, debug mode."""

from __future__ import annotations

import pytest

from aristobot.accounts import debug_mode
from aristobot.accounts.users import (
    authenticate,
    change_password,
    create_user,
    get_user,
    set_preferences,
)
from aristobot.cli import init
from aristobot.errors import AuthError, Conflict, UserLimitReached, ValidationError
from aristobot.ui.profile_vm import ProfileVM
from tests.support.factories import make_settings, make_user


def test_sixth_user_is_refused_in_french(sessions) -> None:  # type: ignore[no-untyped-def]
    for i in range(5):
        make_user(sessions, f"user{i}")
    with pytest.raises(UserLimitReached) as e:
        with sessions.begin() as s:
            create_user(s, "sixieme", "motdepasse-6", max_users=5)
    assert e.value.user_message() == (
        "Nombre maximal d'utilisateurs atteint (5) : création de compte refusée."
    )


def test_bad_signups_are_refused(sessions) -> None:  # type: ignore[no-untyped-def]
    make_user(sessions, "alice")
    with pytest.raises(Conflict), sessions.begin() as s:
        create_user(s, "ALICE", "motdepasse-x")
    with pytest.raises(ValidationError), sessions.begin() as s:
        create_user(s, "a", "motdepasse-x")
    with pytest.raises(ValidationError) as e, sessions.begin() as s:
        create_user(s, "bobby", "court")
    assert "8 caractères" in e.value.user_message()


def test_authentication_gives_one_error_for_all_failures(sessions) -> None:  # type: ignore[no-untyped-def]
    user = make_user(sessions, "alice", "motdepasse-alice")
    with sessions() as s:
        assert authenticate(s, "alice", "motdepasse-alice").id == user.id
        for name, pw in [("alice", "faux-mot-de-passe"), ("inconnu", "motdepasse-alice")]:
            with pytest.raises(AuthError) as e:
                authenticate(s, name, pw)
            assert e.value.user_message() == "Identifiant ou mot de passe incorrect."


def test_preferences_and_password_change(sessions) -> None:  # type: ignore[no-untyped-def]
    user = make_user(sessions, "alice", "motdepasse-alice")
    with sessions.begin() as s:
        set_preferences(s, user.id, theme="light", display_timezone="Europe/Paris")
    with sessions() as s:
        got = get_user(s, user.id)
    assert (got.theme, got.display_timezone) == ("light", "Europe/Paris")
    with pytest.raises(ValidationError), sessions.begin() as s:
        set_preferences(s, user.id, display_timezone="Mars/Olympus")
    with pytest.raises(ValidationError), sessions.begin() as s:
        change_password(s, user.id, "pas-le-bon", "nouveau-mot-de-passe")
    with sessions.begin() as s:
        change_password(s, user.id, "motdepasse-alice", "nouveau-mot-de-passe")
    with sessions() as s:
        authenticate(s, "alice", "nouveau-mot-de-passe")


def test_profile_view_model(sessions) -> None:  # type: ignore[no-untyped-def]
    user = make_user(sessions, "alice", "motdepasse-alice")
    other = make_user(sessions, "bob", "motdepasse-bob1")
    vm = ProfileVM(sessions, user.id)
    assert (vm.theme, vm.timezone) == ("dark", "UTC")
    vm.theme, vm.timezone = "light", "local"
    vm.param.trigger("save")
    assert vm.message == "Préférences enregistrées." and vm.saved_version == 1
    vm.current_password, vm.new_password, vm.confirm_password = "motdepasse-alice", "abc", "abd"
    vm.param.trigger("change")
    assert "ne correspondent pas" in vm.error
    vm.new_password = vm.confirm_password = "nouveau-secret-1"
    vm.param.trigger("change")
    assert vm.message.startswith("Mot de passe modifié") and vm.current_password == ""
    with sessions() as s:
        assert get_user(s, user.id).display_timezone == "local"
        assert get_user(s, other.id).theme == "dark"  # only the user's own row changed


def test_debug_mode_forced_off_when_not_allowed(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        debug_mode.set_debug_active(s, True)
    with sessions.begin() as s:
        debug_mode.enforce_debug_setting(s, debug_allowed=False)
    with sessions() as s:
        assert not debug_mode.is_debug_active(s)


def test_init_creates_dev_and_dac_once(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, db_url)
    created = init(settings)
    assert list(created) == ["dev", "dac"]
    assert init(settings) == {}
