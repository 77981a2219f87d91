"""The design system's CSS rules (colours only through the ``var(--ab-*)`` tokens of theme.py).

Three parts: the template (one background from header to sidebar to main area), the shared
components (cards, messages, buttons, inputs, menu, status bar) and the table theme (Tabulator
rows, headers, pagination, action columns and row buttons).
"""

from __future__ import annotations

TEMPLATE_CSS = """
html, body, #container, #content, #main, #sidebar, #body-design-provider, .main {
  background: var(--ab-bg) !important; color: var(--ab-text); font-family: var(--ab-font);
}
body { --background-color: var(--ab-bg); --body-font: var(--ab-font);
  --panel-background-color: var(--ab-bg); --panel-surface-color: var(--ab-surface);
  --panel-on-background-color: var(--ab-text); --panel-on-surface-color: var(--ab-text);
  --design-background-color: var(--ab-bg); --design-background-text-color: var(--ab-text);
  --design-surface-color: var(--ab-surface); --design-surface-text-color: var(--ab-text);
  --neutral-fill-rest: var(--ab-surface-alt); --neutral-foreground-rest: var(--ab-text); }
#sidebar { border-right: 1px solid var(--ab-border) !important; }
#main { padding: var(--ab-space-md) var(--ab-space-lg) !important; overflow-x: hidden; }
#header, #header-design-provider { background: var(--ab-header-bg) !important;
  color: var(--ab-header-text) !important; border-bottom: 1px solid var(--ab-border); }
#header .title { color: var(--ab-header-text) !important; font-weight: 600;
  font-size: 1.35em !important; white-space: nowrap; }
.pn-busy-container { display: none !important; }
"""

BASE_CSS = """
.ab-ok { color: var(--ab-ok); }
.ab-danger { color: var(--ab-danger); }
.ab-warn { color: var(--ab-warn); }
.ab-accent { color: var(--ab-accent); }
.ab-muted { color: var(--ab-muted); }
h1, h2, h3, h4 { color: var(--ab-text); font-family: var(--ab-font); }
h2 { font-size: 22px; margin: 4px 0 8px; letter-spacing: .3px; }
h3.ab-accent, h3 { font-size: 16px; margin: 2px 0 8px; font-weight: 650; }
a { color: var(--ab-accent); }
pre, code { font-family: var(--ab-mono); }
.ab-card { background: var(--ab-surface) !important; color: var(--ab-text);
  border: 1px solid var(--ab-border); border-radius: var(--ab-radius);
  box-shadow: 0 0 14px var(--ab-glow); padding: var(--ab-space-md);
  box-sizing: border-box; max-width: 100%; margin: 5px !important; }
.ab-message { border-radius: 8px; padding: 6px 10px; margin: 4px 0; font-size: 14px;
  border: 1px solid currentColor; background: var(--ab-surface); }
.ab-soon { padding: 18px; font-size: 15px; }
.ab-placeholder { color: var(--ab-muted); font-style: italic; }
.ab-num { font-variant-numeric: tabular-nums; white-space: nowrap; }

/* menu, user, logout */
.ab-menu a { display: block; padding: 9px 14px; margin: 3px 0; border-radius: 8px;
  text-decoration: none; font-size: 15px; border: 1px solid transparent; color: var(--ab-text); }
.ab-menu a:hover { background: var(--ab-row-hover); }
.ab-menu a.active { color: var(--ab-accent); border-color: var(--ab-accent);
  box-shadow: 0 0 8px var(--ab-glow); font-weight: 600; }
.ab-logout { display: inline-block; margin: 0 0 14px 0; padding: 6px 12px; border-radius: 8px;
  border: 1px solid var(--ab-danger); color: var(--ab-danger) !important; text-decoration: none;
  font-size: 14px; }
.ab-user { font-size: 13px; color: var(--ab-muted); margin-bottom: 10px; }
.ab-user b { color: var(--ab-text); }

/* header status bar (always on the header's dark background) */
.ab-status { display: flex; gap: 16px; align-items: center; font-size: 13px; flex-wrap: wrap;
  color: var(--ab-header-text); }
.ab-status .item { display: flex; align-items: center; gap: 6px; white-space: nowrap; }
.ab-status .ab-danger, .ab-status .ab-muted { color: #ff9db8; }
.ab-status .ab-muted { color: #c9d6ea; }
.ab-dot { width: 10px; height: 10px; border-radius: 50%; display: inline-block; }
.ab-dot.on { background: #00FF88; box-shadow: 0 0 8px #00FF88; }
.ab-dot.off { background: #FF0055; box-shadow: 0 0 8px #FF0055; }
.ab-testnet { background: #ffffff; color: #0b0f1a; border: 2px solid #FF0055;
  padding: 2px 8px; border-radius: 6px; font-weight: 700; }
.ab-debug { color: #ffcc00; font-weight: 700; }

/* buttons: every Panel button, one look per role */
.bk-btn { font-family: var(--ab-font); font-weight: 600; border-radius: 8px !important; }
.bk-btn-default, .bk-btn-light { background: var(--ab-button-bg) !important;
  color: var(--ab-button-text) !important; border: 1px solid var(--ab-button-border) !important; }
.bk-btn-default:hover, .bk-btn-light:hover { border-color: var(--ab-accent) !important; }
.bk-btn-primary { background: var(--ab-primary-bg) !important;
  color: var(--ab-primary-text) !important; border: 1px solid var(--ab-primary-bg) !important; }
.bk-btn-success { background: transparent !important; color: var(--ab-ok) !important;
  border: 1px solid var(--ab-ok) !important; }
.bk-btn-danger { background: transparent !important; color: var(--ab-danger) !important;
  border: 1px solid var(--ab-danger) !important; }
.bk-btn-warning { background: transparent !important; color: var(--ab-warn) !important;
  border: 1px solid var(--ab-warn) !important; }
.bk-btn-group .bk-btn.bk-active { background: var(--ab-primary-bg) !important;
  color: var(--ab-primary-text) !important; }
.bk-btn[disabled], .bk-btn:disabled { opacity: .55; cursor: not-allowed; }

/* inputs and labels */
.bk-input, .bk-input-group select, textarea.bk-input {
  background: var(--ab-surface-alt) !important; color: var(--ab-text) !important;
  border: 1px solid var(--ab-border) !important; border-radius: 6px; }
.bk-input:focus { border-color: var(--ab-accent) !important; outline: none; }
.bk-input::placeholder { color: var(--ab-muted); opacity: 1; }
label, .bk-input-group > label { color: var(--ab-text); }
.bk-tab { color: var(--ab-muted); }
.bk-tab.bk-active { color: var(--ab-accent) !important; border-color: var(--ab-accent) !important; }
progress { background: var(--ab-surface-alt) !important; border: 1px solid var(--ab-border);
  border-radius: 6px; }
progress::-webkit-progress-bar { background: var(--ab-surface-alt) !important; }
progress::-webkit-progress-value { background: var(--ab-accent) !important; }
progress.success::-webkit-progress-value { background: var(--ab-ok) !important; }
.card-header, .card-title { background: var(--ab-surface-alt) !important; color: var(--ab-text); }
.card { background: var(--ab-surface) !important; border-color: var(--ab-border) !important; }
/* Manual trading page: below ~1200 px the portfolio card (first of a FlexBox of three cards:
   portfolio, symbols, order entry) takes the whole row and the two others wrap below it,
   instead of being squeezed to its 420 px minimum beside them. Selected by structure (Panel's
   FlexBox wraps each child in #flex-item-<n>-<model id>): the heartbeat's two-card row is left
   alone. */
@media (max-width: 1200px) {
  [id^="flexbox-"]:has(> [id^="flex-item-2-"] > .ab-card) > [id^="flex-item-0-"] > .ab-card {
    flex: 1 1 100% !important; max-width: none !important; }
}
"""

TABLE_CSS = """
.tabulator { background: var(--ab-surface) !important; color: var(--ab-text) !important;
  border: 1px solid var(--ab-border) !important; border-radius: 8px; font-size: 13.5px;
  font-family: var(--ab-font); max-width: 100%; }
.tabulator .tabulator-header, .tabulator .tabulator-header .tabulator-col {
  background: var(--ab-surface-alt) !important; color: var(--ab-text) !important;
  border-color: var(--ab-border) !important; font-weight: 650; }
.tabulator .tabulator-tableholder { background: var(--ab-surface) !important; }
.tabulator .tabulator-tableholder .tabulator-table { background: var(--ab-surface) !important;
  color: var(--ab-text) !important; }
.tabulator-row, .tabulator-row.tabulator-row-odd { background: var(--ab-row) !important;
  color: var(--ab-text) !important; border-bottom: 1px solid var(--ab-border) !important; }
.tabulator-row.tabulator-row-even { background: var(--ab-row-alt) !important; }
.tabulator-row.tabulator-selectable:hover { background: var(--ab-row-hover) !important; }
.tabulator-row.tabulator-selected { background: var(--ab-row-selected) !important; }
.tabulator-row .tabulator-cell { border-color: var(--ab-border) !important;
  font-variant-numeric: tabular-nums; }
.tabulator .tabulator-placeholder, .tabulator .tabulator-placeholder span,
.tabulator .tabulator-placeholder .tabulator-placeholder-contents {
  color: var(--ab-muted) !important; background: var(--ab-surface) !important;
  font-size: 13.5px !important; font-weight: 400 !important; padding: 8px !important; }
.tabulator .tabulator-placeholder { justify-content: flex-start !important; }
.tabulator .tabulator-footer, .tabulator .tabulator-footer .tabulator-paginator {
  background: var(--ab-surface-alt) !important; color: var(--ab-text) !important;
  border-color: var(--ab-border) !important; }
.tabulator .tabulator-footer .tabulator-footer-contents { flex-wrap: wrap; gap: 4px; }
.tabulator .tabulator-footer .tabulator-paginator { white-space: normal; }
.tabulator .tabulator-footer .tabulator-page { background: var(--ab-button-bg) !important;
  color: var(--ab-button-text) !important; border: 1px solid var(--ab-button-border) !important;
  border-radius: 6px; opacity: 1 !important; }
.tabulator .tabulator-footer .tabulator-page.active { background: var(--ab-primary-bg) !important;
  color: var(--ab-primary-text) !important; }
.tabulator .tabulator-footer .tabulator-page:disabled { color: var(--ab-muted) !important; }
.tabulator .tabulator-footer .tabulator-page-size, .tabulator .tabulator-page-counter {
  color: var(--ab-text) !important; }
/* action (button) columns: they have no field; give them a header and no sort arrow */
.tabulator .tabulator-col:not([tabulator-field]):not(.empty):not(:has(input))
  .tabulator-col-sorter { display: none !important; }
.tabulator .tabulator-col:not([tabulator-field]):not(.empty):not(:has(input))
  .tabulator-col-title::after { content: "Action"; }
.tabulator .tabulator-col:not([tabulator-field]) { pointer-events: none; }
/* row actions (tables.row_button), drawn as real buttons */
.ab-row-btn {
  display: inline-block; padding: 2px 10px; border-radius: 6px; cursor: pointer;
  border: 1px solid var(--ab-button-border); background: var(--ab-button-bg);
  color: var(--ab-button-text); font-weight: 600; line-height: 1.5; }
"""
