"""Web attacks driven against the real `aristobot serve` (issue 9, items 7-14).

Plain HTTP (requests) where only cookies and redirects matter, a real Bokeh websocket where the
Bokeh session matters, Chromium where the page must still render under the CSP.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.conftest import ServedApp, login, screenshot, start_served_app

pytestmark = pytest.mark.e2e

GOOD_PW = "Vert-Cheval-Agrafe-42"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    served = start_served_app(tmp_path_factory.mktemp("websec"), 0, {"ARISTOBOT_MAX_USERS": "20"})
    yield served
    served.stop()


def _form(s: requests.Session, base: str, **fields: str) -> requests.Response:
    s.get(base + "/login")  # sets the _xsrf cookie
    data = {"_xsrf": s.cookies.get("_xsrf", ""), **fields}
    return s.post(base + "/login", data=data, allow_redirects=False)


def login_http(
    base: str, username: str, password: str, s: requests.Session | None = None, nxt: str = "/apps"
) -> tuple[requests.Session, requests.Response]:
    s = s or requests.Session()
    r = _form(s, base, action="login", username=username, password=password, next=nxt)
    return s, r


def signup_http(base: str, username: str, password: str) -> requests.Response:
    return _form(requests.Session(), base, action="signup", username=username,
                 password=password, password2=password, next="/apps")


_CREATED: set[tuple[str, str]] = set()


def ensure_user(base: str, username: str) -> None:
    """Sign ``username`` up once per server (signups are rate-limited per address)."""
    if (base, username) in _CREATED:
        return
    r = signup_http(base, username, GOOD_PW)
    assert r.status_code == 302, re.findall(r"id='signup-error'>([^<]*)", r.text)
    _CREATED.add((base, username))


def app_status(s: requests.Session, base: str, suffix: str = "") -> int:
    return s.get(base + "/apps" + suffix, allow_redirects=False).status_code


def page_token(s: requests.Session, base: str) -> str:
    html = s.get(base + "/apps").text
    m = re.search(r'"token":\s*"([^"]+)"', html)
    assert m, "no Bokeh token in the page"
    return m.group(1)


def ws_handshake(base: str, token: str, cookies: dict[str, str]) -> str:
    """Open the Bokeh websocket with ``token`` and these cookies: 'open' or the refusal."""
    from tornado.httpclient import HTTPClientError, HTTPRequest
    from tornado.websocket import websocket_connect

    async def go() -> str:
        req = HTTPRequest(
            base.replace("http", "ws") + "/apps/ws",
            headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
                     "Origin": base},
            request_timeout=20,
        )
        try:
            conn = await websocket_connect(req, subprotocols=["bokeh", token])
        except HTTPClientError as e:
            return f"refused {e.code}"
        msg = await asyncio.wait_for(conn.read_message(), timeout=20)  # ACK, or None if closed
        conn.close()
        return "open" if msg is not None else "closed"

    return asyncio.run(go())


# --- 7. Bokeh sessions -----------------------------------------------------------------------


def test_another_users_bokeh_session_cannot_be_taken(app: ServedApp) -> None:
    from bokeh.util.token import generate_jwt_token, get_session_id, get_token_payload

    ensure_user(app.base_url, "alice")
    ensure_user(app.base_url, "bobby")
    alice, r = login_http(app.base_url, "alice", GOOD_PW)
    assert r.status_code == 302
    bob, _ = login_http(app.base_url, "bobby", GOOD_PW)
    token = page_token(alice, app.base_url)
    sid = get_session_id(token)

    # The token a script can read carries neither the login cookie nor the Cookie header.
    payload = get_token_payload(token)
    raw = json.dumps(payload)
    assert "ab_session" not in raw and alice.cookies["ab_session"] not in raw
    assert set(payload.get("cookies", {})) <= {"ab_tz"} and "Cookie" not in payload["headers"]

    # Control: alice's own browser (her cookie + her token) opens the websocket.
    assert ws_handshake(app.base_url, token, alice.cookies.get_dict()) == "open"
    # Bob with alice's stolen token: refused (the token is bound to alice's login session).
    assert ws_handshake(app.base_url, token, bob.cookies.get_dict()).startswith("refused")
    # Bob forging a token for alice's session id around his own login session (the payload of
    # his own page's token): refused, the server signs tokens and this one is unsigned.
    own = {k: v for k, v in get_token_payload(page_token(bob, app.base_url)).items()
           if k not in ("session_id", "session_expiry")}
    # (Bokeh closes the socket before its first message: no document is ever sent.)
    forged = generate_jwt_token(sid, signed=False, extra_payload=own)
    assert ws_handshake(app.base_url, forged, bob.cookies.get_dict()) != "open"
    forged = generate_jwt_token(sid, secret_key=b"x" * 32, signed=True, extra_payload=own)
    assert ws_handshake(app.base_url, forged, bob.cookies.get_dict()) != "open"
    # Bob naming alice's session in the page URL or header: refused (back to login).
    assert app_status(bob, app.base_url, f"?bokeh-session-id={sid}") == 302
    r = bob.get(app.base_url + "/apps", headers={"Bokeh-Session-Id": sid}, allow_redirects=False)
    assert r.status_code == 302


# --- 8. is_guest -----------------------------------------------------------------------------


def test_is_guest_cookie_is_ignored_and_names_are_reserved(app: ServedApp, new_page: Any) -> None:
    r = signup_http(app.base_url, "guest", GOOD_PW)
    assert r.status_code == 400 and "réservé" in r.text
    anon = requests.Session()
    anon.cookies.set("is_guest", "1")
    assert app_status(anon, app.base_url) == 302  # no login session: login page
    ensure_user(app.base_url, "carla")
    page = new_page()
    page.context.add_cookies([{"name": "is_guest", "value": "1", "url": app.base_url}])
    login(page, app.base_url, "carla", GOOD_PW)
    assert page.locator("#current-user").inner_text() == "carla"


# --- 9. server-side sessions -----------------------------------------------------------------


def test_cookie_is_dead_after_logout(app: ServedApp) -> None:
    ensure_user(app.base_url, "dora")
    s, _ = login_http(app.base_url, "dora", GOOD_PW)
    stolen = s.cookies.get_dict()
    assert app_status(s, app.base_url) == 200
    s.get(app.base_url + "/logout")
    replay = requests.Session()
    replay.cookies.update(stolen)
    assert app_status(replay, app.base_url) == 302


def test_other_sessions_die_when_the_password_changes(app: ServedApp, new_page: Any) -> None:
    ensure_user(app.base_url, "emile")
    laptop, _ = login_http(app.base_url, "emile", GOOD_PW)
    assert app_status(laptop, app.base_url) == 200
    tablet = new_page()  # a dashboard left open elsewhere
    login(tablet, app.base_url, "emile", GOOD_PW)
    page = new_page()
    login(page, app.base_url, "emile", GOOD_PW, next_page="account")
    page.locator(".pw-current input").fill(GOOD_PW)
    page.locator(".pw-new input").fill("Bleu-Moineau-Trombone-7")
    page.locator(".pw-confirm input").fill("Bleu-Moineau-Trombone-7")
    page.locator(".pw-change button").click()
    page.get_by_text("Mot de passe modifié").wait_for()
    assert app_status(laptop, app.base_url) == 302  # the other device is logged out
    tablet.get_by_text("Session terminée").wait_for()  # and the open page is blanked
    page.goto(app.page_url("account"))  # the browser that changed it stays logged in
    page.wait_for_selector("#logout")
    _, r = login_http(app.base_url, "emile", "Bleu-Moineau-Trombone-7")
    assert r.status_code == 302


# --- 10. open redirect -----------------------------------------------------------------------

EVIL_NEXT = ["/%09/evil.example", "/\t/evil.example", "//evil.example", "/\\evil.example",
             "/%2F/evil.example", "/%5C/evil.example", "/%0d%0a/evil.example",
             "https://evil.example", "https:evil.example", "\\\\evil.example",
             "/%252F%252Fevil.example", "javascript:alert(1)"]


def test_next_never_redirects_off_site(app: ServedApp) -> None:
    ensure_user(app.base_url, "alice")
    for nxt in EVIL_NEXT:
        _, r = login_http(app.base_url, "alice", GOOD_PW, nxt=nxt)
        assert r.status_code == 302, nxt
        assert r.headers["Location"] == "/", (nxt, r.headers["Location"])
    _, r = login_http(app.base_url, "alice", GOOD_PW, nxt="/apps?page=bots")
    assert r.headers["Location"] == "/apps?page=bots"


# --- 14. passwords, enumeration, headers -------------------------------------------------------


def test_common_password_refused_at_signup(app: ServedApp) -> None:
    r = signup_http(app.base_url, "gaston", "password1")
    assert r.status_code == 400 and "plus courants" in r.text


def test_security_headers_and_pages_render_under_the_csp(app: ServedApp, new_page: Any) -> None:
    ensure_user(app.base_url, "alice")
    s, _ = login_http(app.base_url, "alice", GOOD_PW)
    for resp in (requests.get(app.base_url + "/login"), s.get(app.base_url + "/apps")):
        assert resp.status_code == 200
        h = resp.headers
        assert h["X-Frame-Options"] == "DENY" and h["X-Content-Type-Options"] == "nosniff"
        assert h["Referrer-Policy"] == "same-origin"
        csp = h["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    page = new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text)
            if "Content Security Policy" in m.text or "Error rendering" in m.text else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.goto(app.base_url + "/login")
    page.wait_for_selector("#login-form")
    screenshot(page, "websec_login_csp")
    login(page, app.base_url, "alice", GOOD_PW)
    from aristobot.ui.pages import PAGES

    for spec in PAGES:  # every page renders under the CSP (e.g. ES modules fetched from blob:)
        page.goto(app.page_url(spec.key))
        page.wait_for_selector("#logout")
    page.goto(app.page_url("account"))
    page.locator(".ai-url input").fill("http://10.1.2.3:11434")  # 12. AI hosts, via the UI
    page.locator(".ai-save-url button").click()
    page.get_by_text("Adresse IA non autorisée").wait_for()
    screenshot(page, "websec_account_csp")
    # Only the Google Fonts stylesheet of Panel's template is blocked (it is offline anyway).
    assert [m for m in problems if "fonts.googleapis.com" not in m] == []


# --- 12. AI hosts: no connection, same answer for open and closed ports ------------------------


def test_disallowed_ai_host_is_never_contacted(app: ServedApp, new_page: Any) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.2", 0))
    listener.listen(4)
    listener.setblocking(False)
    open_port = listener.getsockname()[1]
    ensure_user(app.base_url, "alice")
    page = new_page()
    login(page, app.base_url, "alice", GOOD_PW, next_page="account")
    texts = []
    for port in (open_port, 9):  # a listening port, then a closed one, on a disallowed host
        page.locator(".ai-url input").fill("http://localhost:11434")
        page.locator(".ai-save-url button").click()
        page.locator("#ai-config-message").wait_for()
        page.locator(".ai-url input").fill(f"http://127.0.0.2:{port}")
        page.locator(".ai-save-url button").click()
        texts.append(page.locator("#ai-config-error").inner_text())
    with pytest.raises(BlockingIOError):
        listener.accept()  # nobody knocked
    listener.close()
    assert "non autorisée" in texts[0] and texts[0] == texts[1]


# --- 13. init password -------------------------------------------------------------------------


def test_init_prints_a_random_password_and_the_old_default_is_gone(served_app: Any) -> None:
    served = served_app(env={"ARISTOBOT_INIT_PASSWORD": ""})
    m = re.search(r"dev : mot de passe « ([^»]+) »", served.log())
    assert m, served.log()[:2000]
    _, r = login_http(served.base_url, "dev", m.group(1))
    assert r.status_code == 302
    _, r = login_http(served.base_url, "dev", "aristobot-dev")
    assert r.status_code == 401


# --- 11. lock-out resistance -------------------------------------------------------------------


def test_a_stranger_cannot_lock_out_the_owner(served_app: Any) -> None:
    served = served_app()
    base = served.base_url
    for name in ("alice", "mallory"):
        assert signup_http(base, name, GOOD_PW).status_code == 302
    owner, r = login_http(base, "alice", GOOD_PW)  # her browser gets a device cookie
    assert r.status_code == 302 and "ab_device" in owner.cookies
    owner.get(base + "/logout")

    attacker = requests.Session()  # same address as alice (127.0.0.1), no device cookie
    for _ in range(5):  # the (address, alice) budget
        _, r = login_http(base, "alice", "wrong-password", s=attacker)
        assert r.status_code == 401
    _, r = login_http(base, "alice", GOOD_PW, s=requests.Session())
    assert r.status_code == 429 and "Trop de tentatives" in r.text  # unknown devices: locked
    _, r = login_http(base, "alice", GOOD_PW, s=owner)
    assert r.status_code == 302  # alice, from her known browser: in

    # The attacker logs into its own account: its address keeps its 5 failures, so only
    # 15 more (address budget 20) are allowed, not 20.
    _, r = login_http(base, "mallory", GOOD_PW, s=requests.Session())
    assert r.status_code == 302
    for i in range(15):
        _, r = login_http(base, f"victim{i}", "wrong-password", s=requests.Session())
        assert r.status_code == 401, i
    _, r = login_http(base, "victim99", "wrong-password", s=requests.Session())
    assert r.status_code == 429  # 20 failures from this address, success or not in between
    _, r = login_http(base, "alice", GOOD_PW, s=owner)
    assert r.status_code == 302  # still: the owner's device is not locked by the address


def test_screens_after_login(app: ServedApp, new_page: Any) -> None:
    ensure_user(app.base_url, "alice")
    page = new_page()
    login(page, app.base_url, "alice", GOOD_PW)
    page.wait_for_selector("#logout")
    path: Path = screenshot(page, "websec_after_login")
    assert path.stat().st_size > 10_000
