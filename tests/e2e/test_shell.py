"""The shell in a real browser: login, errors, signup, logout, debug mode, theme, timezone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from aristobot.ui.theme import DARK, LIGHT
from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e
LOADED = 30_000  # ms: a page rebuilt after a reload, on a busy machine


def _rgb(hex_colour: str) -> str:
    """A theme token (#rrggbb) as the browser's computed style writes it."""
    h = hex_colour.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(h[i:i + 2], 16) for i in (0, 2, 4)))


def test_login_page_comes_first_and_wrong_password_is_refused(
    served_app: Any, new_page: Any
) -> None:
    app = served_app()
    page = new_page()
    page.goto(app.app_url)
    page.wait_for_selector("#login-form")
    assert "/login" in page.url
    assert page.locator("#debug-toggle").count() == 0  # DEBUG_ARISTOBOT=False hides it
    screenshot(page, "login_page")
    page.fill("#username", "dev")
    page.fill("#password", "mauvais-mot-de-passe")
    page.click("#login-button")
    error = page.wait_for_selector("#login-error")
    assert "Identifiant ou mot de passe incorrect" in error.inner_text()
    page.fill("#username", "personne")
    page.fill("#password", "mauvais-mot-de-passe")
    page.click("#login-button")
    # Same message for an unknown user: no username enumeration.
    assert "Identifiant ou mot de passe incorrect" in page.inner_text("#login-error")


def test_login_shell_pages_and_logout(served_app: Any, new_page: Any) -> None:
    app = served_app()
    page = new_page()
    login(page, app.base_url)
    assert page.inner_text("#current-user") == "dev"
    for key, label in [
        ("heartbeat", "Heartbeat"),
        ("trading", "Trading manuel"),
        ("bots", "Trading BOT"),
        ("strategies", "Stratégies"),
        ("backtest", "Backtest"),
        ("webhooks", "Webhooks"),
        ("stats", "Statistiques"),
        ("account", "Mon Compte"),
    ]:
        assert page.locator(f"#menu-{key}").inner_text().strip().endswith(label)
    page.wait_for_selector("#st-heartbeat")
    assert "Heartbeat" in page.inner_text("#st-heartbeat")
    screenshot(page, "shell_dark")
    page.goto(app.page_url("bots"))
    page.wait_for_selector("#menu-bots.active")
    page.click("#logout")
    page.wait_for_selector("#login-form")
    assert "Vous êtes déconnecté" in page.inner_text("#login-info")
    page.goto(app.app_url)
    page.wait_for_selector("#login-form")  # the session is really gone


def test_signup_modal_creates_an_account_and_limits_users(served_app: Any, new_page: Any) -> None:
    app = served_app({"ARISTOBOT_MAX_USERS": "3"})  # dev and dac exist: one place left
    page = new_page()
    page.goto(app.app_url)
    page.click("#signup-open")
    # The form is checked in French before anything is sent (no browser bubble in English).
    page.fill("#su-username", "dac")
    page.click("#signup-submit")
    expect(page.locator("#signup-check")).to_have_text("Saisissez le mot de passe.")
    page.fill("#su-password", "court")
    page.fill("#su-password2", "court")
    page.click("#signup-submit")
    expect(page.locator("#signup-check")).to_contain_text("au moins 8 caractères")
    page.fill("#su-password", "un-bon-mot-de-passe")
    page.fill("#su-password2", "un-autre-mot-de-passe")
    page.click("#signup-submit")
    expect(page.locator("#signup-check")).to_have_text(
        "Les deux mots de passe ne correspondent pas.")
    assert "/login" in page.url and page.locator("#signup-error").count() == 0  # not sent
    # A refusal by the server keeps the modal open with the username typed.
    page.fill("#su-password2", "un-bon-mot-de-passe")
    page.click("#signup-submit")
    expect(page.locator("#signup-error")).to_contain_text("« dac » est déjà pris")
    expect(page.locator("#signup")).to_be_visible()
    expect(page.locator("#su-username")).to_have_value("dac")
    page.fill("#su-username", "carole")
    page.fill("#su-password", "un-bon-mot-de-passe")
    page.fill("#su-password2", "un-bon-mot-de-passe")
    page.click("#signup-submit")
    page.wait_for_selector("#logout")
    assert page.inner_text("#current-user") == "carole"
    # The README's promise: a new user trades at once, on a paper broker made at signup.
    page.goto(app.page_url("trading"))
    expect(page.locator(".trade-broker select")).to_contain_text("Paper (paper)")
    expect(page.locator("#trade-total")).to_have_text(re.compile(r"10\s000,00"))
    assert page.locator("#trade-error").count() == 0
    screenshot(page, "signup_new_user_trading")
    other = new_page()
    other.goto(app.app_url)
    other.click("#signup-open")
    other.fill("#su-username", "denis")
    other.fill("#su-password", "un-bon-mot-de-passe")
    other.fill("#su-password2", "un-bon-mot-de-passe")
    other.click("#signup-submit")
    err = other.wait_for_selector("#signup-error")
    assert "Nombre maximal d'utilisateurs atteint (3)" in err.inner_text()


def test_developer_mode_on_and_off(served_app: Any, new_page: Any) -> None:
    app = served_app({"DEBUG_ARISTOBOT": "True"})
    page = new_page()
    page.goto(app.app_url)
    assert "OFF" in page.inner_text("#debug-toggle")
    page.click("#debug-toggle")
    page.wait_for_selector("#debug-toggle.on")
    assert page.locator("#username").is_disabled()
    screenshot(page, "login_debug_on")
    page.click("#dev-login")
    page.wait_for_selector("#st-debug")
    assert page.inner_text("#current-user") == "dev"
    assert "Debug actif" in page.inner_text("#st-debug")
    # After logout the login page stays (no auto-login loop) and the mode can be switched off.
    page.click("#logout")
    page.wait_for_selector("#debug-toggle.on")
    page.click("#debug-toggle")
    page.wait_for_selector("#debug-toggle:not(.on)")
    assert not page.locator("#username").is_disabled()
    # A fresh visitor with the mode ON is logged in automatically as dev.
    page.click("#debug-toggle")
    page.wait_for_selector("#debug-toggle.on")
    fresh = new_page()
    fresh.goto(app.app_url)
    fresh.wait_for_selector("#st-debug")
    assert fresh.inner_text("#current-user") == "dev"


def test_theme_and_timezone_preferences_apply_to_the_shell(served_app: Any, new_page: Any) -> None:
    app = served_app()
    page = new_page(timezone_id="Asia/Tokyo")
    login(page, app.base_url, next_page="account")
    page.wait_for_selector(".pref-theme select")
    assert page.inner_text("#tz-now").endswith("UTC")
    # Saving reloads the page exactly once: no document request is aborted by a second one.
    documents: list[str] = []
    aborted: list[str] = []
    page.on("request", lambda r: r.resource_type == "document" and documents.append(r.url))
    page.on("requestfailed",
            lambda r: r.resource_type == "document" and aborted.append(f"{r.url} {r.failure}"))
    page.select_option(".pref-theme select", label="Clair")
    page.select_option(".pref-tz select", label="Fuseau du navigateur (local)")
    with page.expect_navigation():
        page.click(".pref-save button")
    # The page reloads with the new preferences: light template, dates in the browser's zone.
    page.wait_for_selector("#tz-now:has-text('JST')")
    assert page.inner_text("#tz-now").endswith("JST")
    assert aborted == [] and documents == [app.page_url("account")]  # one navigation
    bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert bg == _rgb(LIGHT.bg)  # the light theme's page background
    screenshot(page, "shell_light_account")
    page.select_option(".pref-theme select", label="Sombre (néon)")
    with page.expect_navigation():
        page.click(".pref-save button")
    # The save's reload is over once the menu wears the dark theme (its links' colour); going
    # elsewhere before that would be aborted by the reload.
    expect(page.locator(".ab-menu a:not(.active)").first).to_have_css(
        "color", _rgb(DARK.text), timeout=60_000)  # a reload on a loaded 2-core machine
    assert aborted == [] and len(documents) == 2  # one navigation per save
    page.goto(app.page_url("heartbeat"))
    page.wait_for_selector("#st-heartbeat")
    screenshot(page, "shell_dark_after_switch")
