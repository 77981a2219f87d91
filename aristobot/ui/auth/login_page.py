# ruff: noqa: E501  (HTML template lines)
"""The login page HTML (dark neon): login form, signup modal, developer-mode switch."""

from __future__ import annotations

import json
from html import escape

from aristobot.ui import messages as msg
from aristobot.ui import page_messages as lbl

_CSS = """
:root { --cyan:#00D4FF; --green:#00FF88; --red:#FF0055; --bg:#0b0f1a; --card:#121a2b; }
* { box-sizing: border-box; }
body { margin:0; min-height:100vh; display:flex; align-items:center; justify-content:center;
  background: radial-gradient(circle at 30% 20%, #14213d 0%, var(--bg) 60%); color:#e6f1ff;
  font-family: 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; }
.card { width: 380px; background: var(--card); border:1px solid rgba(0,212,255,.35);
  border-radius: 14px; padding: 32px; box-shadow: 0 0 24px rgba(0,212,255,.18); }
h1 { margin:0 0 4px; font-size: 28px; color: var(--cyan); letter-spacing: 1px;
  text-shadow: 0 0 10px rgba(0,212,255,.6); }
.sub { color:#8aa0c0; margin-bottom: 22px; font-size: 13px; }
label { display:block; font-size: 13px; color:#9fb3d1; margin: 12px 0 4px; }
input { width:100%; padding:10px 12px; border-radius:8px; border:1px solid #2a3a58;
  background:#0d1424; color:#e6f1ff; font-size:15px; }
input:focus { outline:none; border-color: var(--cyan); box-shadow: 0 0 8px rgba(0,212,255,.4); }
input:disabled { opacity:.45; }
button { width:100%; margin-top:18px; padding:11px; border-radius:8px; border:none; cursor:pointer;
  font-size:15px; font-weight:600; }
button:disabled { opacity:.35; cursor:not-allowed; box-shadow:none; }
.primary { background: var(--cyan); color:#041018; box-shadow: 0 0 12px rgba(0,212,255,.5); }
.secondary { background: transparent; color: var(--cyan); border:1px solid var(--cyan); }
.debug { background: transparent; border:1px dashed #8aa0c0; color:#c9d6ea; }
.debug.on { border:1px solid var(--green); color: var(--green); box-shadow: 0 0 10px rgba(0,255,136,.4); }
.error { background: rgba(255,0,85,.12); border:1px solid var(--red); color:#ffb3c8; padding:10px;
  border-radius:8px; font-size:14px; margin-bottom: 8px; }
.info { background: rgba(0,255,136,.1); border:1px solid var(--green); color:#b8ffdc; padding:10px;
  border-radius:8px; font-size:14px; margin-bottom: 8px; }
dialog { background: var(--card); color:#e6f1ff; border:1px solid var(--cyan); border-radius:14px;
  width: 360px; padding: 26px; box-shadow: 0 0 30px rgba(0,212,255,.3); }
dialog::backdrop { background: rgba(3,6,12,.75); }
.row { display:flex; gap:10px; } .row button { flex:1; }
"""


# The browser's own validation bubbles speak the browser's language (« Please fill out this
# field »): the forms are ``novalidate`` and checked here, in French, before they are sent.
_CHECK_JS = (f"const AB_PASSWORDS_DIFFER = {json.dumps(msg.PASSWORDS_DIFFER)};\n"
             f"const AB_ENTER_FIELD = {json.dumps(msg.ENTER_FIELD)};\n"
             f"const AB_FIELDS = {json.dumps(msg.LOGIN_FIELDS, ensure_ascii=False)};\n"
             f"const AB_TOO_SHORT = {json.dumps(msg.PASSWORD_TOO_SHORT, ensure_ascii=False)};"
             ) + """
function abCheck(form) {
  const say = form.querySelector('.check');
  let problem = '', field = null;
  for (const input of form.querySelectorAll('input[required]')) {
    if (!input.disabled && !input.value.trim()) {
      problem = AB_ENTER_FIELD.replace('{field}', AB_FIELDS[input.name]); field = input; break;
    }
  }
  const pw = form.querySelector('input[name=password][minlength]');
  if (!problem && pw && pw.value.length < pw.minLength) {
    problem = AB_TOO_SHORT.replace('{n}', pw.minLength); field = pw;
  }
  const pw2 = form.querySelector('input[name=password2]');
  if (!problem && pw2 && pw2.value !== pw.value) {
    problem = AB_PASSWORDS_DIFFER; field = pw2;
  }
  say.textContent = problem; say.hidden = !problem;
  if (field) { field.focus(); }
  return !problem;
}
document.querySelectorAll('#login-form, #signup-form').forEach(f => f.addEventListener(
  'submit', e => { if (!abCheck(f)) { e.preventDefault(); } }));
"""


def render_login_page(
    *,
    xsrf_form_html: str,
    next_url: str,
    error: str = "",
    info: str = "",
    signup_error: str = "",
    username: str = "",
    signup_username: str = "",
    debug_allowed: bool = False,
    debug_active: bool = False,
    auto_login: bool = False,
) -> str:
    """Return the login page; every dynamic value is HTML-escaped."""
    nxt = escape(next_url, quote=True)
    err = f"<div class='error' id='login-error'>{escape(error)}</div>" if error else ""
    inf = f"<div class='info' id='login-info'>{escape(info)}</div>" if info else ""
    disabled = "disabled" if debug_active else ""
    debug_html = ""
    if debug_allowed:
        state = "ON" if debug_active else "OFF"
        cls = "debug on" if debug_active else "debug"
        debug_html = f"""
    <form method="post" action="/login" id="debug-form">{xsrf_form_html}
      <input type="hidden" name="action" value="debug_toggle"><input type="hidden" name="next" value="{nxt}">
      <button type="submit" class="{cls}" id="debug-toggle">{lbl.DEV_MODE_BUTTON.format(state=state)}</button>
    </form>"""
    dev_login = ""
    if debug_active:
        dev_login = f"""
    <form method="post" action="/login" id="dev-login-form">{xsrf_form_html}
      <input type="hidden" name="action" value="debug_login"><input type="hidden" name="next" value="{nxt}">
      <input type="hidden" name="tz" class="tz-field">
      <button type="submit" class="primary" id="dev-login">{lbl.DEV_LOGIN}</button>
    </form>"""
    auto = (
        "<script>setTimeout(()=>document.getElementById('dev-login-form').submit(), 300)</script>"
        if auto_login and debug_active
        else ""
    )
    signup_open = "document.getElementById('signup').showModal();" if signup_error else ""
    signup_err = (
        f"<div class='error' id='signup-error'>{escape(signup_error)}</div>" if signup_error else ""
    )
    return f"""<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>{lbl.LOGIN_TITLE}</title><meta name="viewport" content="width=device-width">
<style>{_CSS}</style></head><body>
<div class="card">
  <h1>ARISTOBOT</h1><div class="sub">{lbl.LOGIN_TAGLINE}</div>
  {err}{inf}
  <form method="post" action="/login" id="login-form" novalidate>{xsrf_form_html}
    <input type="hidden" name="action" value="login"><input type="hidden" name="next" value="{nxt}">
    <input type="hidden" name="tz" class="tz-field">
    <label for="username">{lbl.LOGIN_USER}</label>
    <input id="username" name="username" autocomplete="username" value="{escape(username, quote=True)}" {disabled} required>
    <label for="password">{lbl.LOGIN_PASSWORD}</label>
    <input id="password" name="password" type="password" autocomplete="current-password" {disabled} required>
    <div class='error check' id='login-check' hidden></div>
    <button type="submit" class="primary" id="login-button" {disabled}>{lbl.LOGIN_BUTTON}</button>
  </form>
  {dev_login}
  <button type="button" class="secondary" id="signup-open"
    onclick="document.getElementById('signup').showModal()">{lbl.SIGNUP}</button>
  {debug_html}
</div>
<dialog id="signup">
  <h2 style="margin-top:0;color:#00D4FF">{lbl.SIGNUP}</h2>{signup_err}
  <form method="post" action="/login" id="signup-form" novalidate>{xsrf_form_html}
    <input type="hidden" name="action" value="signup"><input type="hidden" name="next" value="{nxt}">
    <input type="hidden" name="tz" class="tz-field">
    <label for="su-username">{lbl.LOGIN_USER}</label><input id="su-username" name="username" autocomplete="username"
      value="{escape(signup_username, quote=True)}" required>
    <label for="su-password">{lbl.SIGNUP_PASSWORD}</label>
    <input id="su-password" name="password" type="password" autocomplete="new-password" required minlength="8">
    <label for="su-password2">{lbl.SIGNUP_CONFIRM}</label>
    <input id="su-password2" name="password2" type="password" autocomplete="new-password" required>
    <div class='error check' id='signup-check' hidden></div>
    <div class="row"><button type="button" class="secondary"
      onclick="document.getElementById('signup').close()">{lbl.SIGNUP_CANCEL}</button>
    <button type="submit" class="primary" id="signup-submit">{lbl.SIGNUP_BUTTON}</button></div>
  </form>
</dialog>
<script>
const tz = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
document.querySelectorAll('.tz-field').forEach(e => e.value = tz);
{signup_open}
{_CHECK_JS}
</script>{auto}
</body></html>"""
