"""The design system in a real browser: every page at 1024/1440/1920 px in both themes.

One server, one browser, one tab: each page is loaded once per theme and resized to the three
widths. At each width: a screenshot (test-artifacts/design-<theme>-<width>-<page>.png) and a
check that no visible element sticks out of the viewport on the right; once per page and theme
(at 1024 px, where most wraps), axe-core's colour-contrast rule (WCAG AA; axe's JS comes from the
axe-playwright-python wheel, injected from disk: nothing fetched). Meanwhile every request the
browser makes is recorded: none may leave the server's origin (no Google Fonts, no CDN).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from aristobot.ui.pages import PAGES
from tests.e2e.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ServedApp,
    login,
    screenshot,
    start_served_app,
)

pytestmark = pytest.mark.e2e

WIDTHS = (1024, 1440, 1920)
HEIGHT = 900

# Every element (open shadow roots included) whose right edge passes the viewport, unless a
# component's own scroller inside the viewport holds it (a table's or the code editor's
# horizontal scroll): what the page itself shows must fit in the window.
OVERFLOW_JS = """
() => {
  const vw = document.documentElement.clientWidth;
  const out = [];
  const page = new Set(['main', 'content', 'container', 'sidebar']);
  const parentOf = (el) => el.parentElement || (el.getRootNode() && el.getRootNode().host);
  const scrolledInside = (el) => {
    for (let p = parentOf(el); p; p = parentOf(p)) {
      if (p === document.body || p === document.documentElement || page.has(p.id)) break;
      const ox = getComputedStyle(p).overflowX;
      if (ox !== 'visible' && p.getBoundingClientRect().right <= vw + 2) return true;
    }
    return false;
  };
  const visit = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) visit(el.shadowRoot);
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || r.right <= vw + 2) continue;
      const st = getComputedStyle(el);
      if (st.visibility === 'hidden' || st.display === 'none') continue;
      if (scrolledInside(el)) continue;
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (typeof el.className === 'string' && el.className ? '.' +
         el.className.trim().split(/\\s+/).slice(0, 3).join('.') : '');
      out.push(name + ' right=' + Math.round(r.right));
    }
  };
  visit(document);
  return out.slice(0, 15);
}
"""

SETTLE_JS = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


@pytest.fixture(scope="module")
def design_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    app = start_served_app(tmp_path_factory.mktemp("design"), 0)
    yield app
    app.stop()


@pytest.fixture(scope="module")
def axe_script() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


def _set_theme(app: ServedApp, theme: str) -> None:
    with sqlite3.connect(app.var_dir / "aristobot.db") as db:
        db.execute("UPDATE users SET theme = ? WHERE username = 'dev'", (theme,))


def _contrast_violations(page: Any, axe: str) -> list[str]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe)
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'rule', values: ['color-contrast']}})")
    return [f"{n['target']}: {n['failureSummary'][:160]}"
            for v in result["violations"] for n in v["nodes"]]


def _open(page: Any, app: ServedApp, key: str, label: str) -> None:
    page.goto(app.page_url(key))
    page.wait_for_selector(f"#menu-{key}.active")
    page.wait_for_selector(f"h2:has-text('{label}')")
    page.wait_for_load_state("networkidle")


def _table_checks(page: Any, where: str) -> list[str]:
    """The table theme as the browser shows it: no `id` column, French pagination."""
    problems = []
    titles = [t.strip() for t in
              page.locator(".tabulator-col-title").filter(visible=True).all_inner_texts()]
    if "id" in titles:
        problems.append(f"{where}: an internal id column is shown")
    pages = {t.strip() for t in page.locator(".tabulator-page").all_inner_texts()}
    if pages & {"First", "Prev", "Next", "Last"} or (
            pages and not any(p.startswith("Suiv") for p in pages)):
        problems.append(f"{where}: pagination not in French {sorted(pages)}")
    return problems


def _shell_checks(page: Any, theme: str) -> list[str]:
    """The header: no global busy spinner; the « ⟳ Marchés » button in the theme's colours."""
    problems = []
    if page.locator(".pn-busy-container").is_visible():
        problems.append(f"{theme}: the template's busy spinner is shown")
    bg = page.locator(".ab-markets button").evaluate("b => getComputedStyle(b).backgroundColor")
    if theme == "dark" and bg in ("rgb(255, 255, 255)", "rgb(248, 249, 250)"):
        problems.append(f"dark: white « Marchés » button ({bg})")
    return problems


def test_every_page_at_every_width_in_both_themes(design_app: ServedApp, axe_script: str) -> None:
    from playwright.sync_api import sync_playwright

    app = design_app
    origin = urlsplit(app.base_url)
    foreign: list[str] = []

    def guard(route: Any) -> None:
        url = urlsplit(route.request.url)
        # blob: URLs are made by the page itself (their origin is the server's).
        same = (url.scheme, url.netloc) == (origin.scheme, origin.netloc)
        if same or url.scheme == "data" or route.request.url.startswith(f"blob:{app.base_url}/"):
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        ctx = browser.new_context(viewport={"width": WIDTHS[0], "height": HEIGHT},
                                  locale="fr-FR", timezone_id="Europe/Paris")
        ctx.set_default_timeout(45_000)
        ctx.route("**/*", guard)
        page = ctx.new_page()
        page.on("websocket", lambda ws: None if urlsplit(ws.url).netloc == origin.netloc
                else foreign.append(ws.url))
        login(page, app.base_url)
        for theme in ("dark", "light"):
            _set_theme(app, theme)
            for spec in PAGES:
                page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})
                _open(page, app, spec.key, spec.label)
                problems += _table_checks(page, f"{theme} {spec.key}")
                problems += _shell_checks(page, theme)
                for width in WIDTHS:
                    page.set_viewport_size({"width": width, "height": HEIGHT})
                    page.evaluate(SETTLE_JS)
                    screenshot(page, f"design-{theme}-{width}-{spec.key}")
                    where = f"{theme} {width}px {spec.key}"
                    if width == WIDTHS[0]:  # colours do not change with the width
                        problems += [f"{where} contrast {v}"
                                     for v in _contrast_violations(page, axe_script)]
                    problems += [f"{where} overflow {o}" for o in page.evaluate(OVERFLOW_JS)]
        browser.close()
    assert not foreign, f"requests left the server's origin: {foreign}"
    assert not problems, "\n".join(problems)
