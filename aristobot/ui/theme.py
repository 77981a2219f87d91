"""The dark « crypto » neon theme (and its light twin): CSS shared by every page."""

from __future__ import annotations

NEON_CYAN = "#00D4FF"
NEON_GREEN = "#00FF88"
NEON_RED = "#FF0055"
HEADER_DARK = "#0b0f1a"

_COMMON = f"""
:root {{ --neon-cyan: {NEON_CYAN}; --neon-green: {NEON_GREEN}; --neon-red: {NEON_RED}; }}
.ab-ok {{ color: var(--neon-green); }}
.ab-danger {{ color: var(--neon-red); }}
.ab-accent {{ color: var(--neon-cyan); }}
.ab-muted {{ opacity: .65; }}
.ab-menu a {{ display: block; padding: 9px 14px; margin: 3px 0; border-radius: 8px;
  text-decoration: none; font-size: 15px; border: 1px solid transparent; }}
.ab-menu a.active {{ border-color: var(--neon-cyan); box-shadow: 0 0 8px rgba(0,212,255,.35); }}
.ab-logout {{ display: inline-block; margin: 0 0 14px 0; padding: 6px 12px; border-radius: 8px;
  border: 1px solid var(--neon-red); color: var(--neon-red) !important; text-decoration: none;
  font-size: 14px; }}
.ab-user {{ font-size: 13px; opacity: .8; margin-bottom: 10px; }}
.ab-status {{ display: flex; gap: 16px; align-items: center; font-size: 13px; flex-wrap: wrap;
  color: #e6f1ff; }}
.ab-status .item {{ display: flex; align-items: center; gap: 6px; white-space: nowrap; }}
.ab-dot {{ width: 10px; height: 10px; border-radius: 50%; display: inline-block; }}
.ab-dot.on {{ background: var(--neon-green); box-shadow: 0 0 8px var(--neon-green); }}
.ab-dot.off {{ background: var(--neon-red); box-shadow: 0 0 8px var(--neon-red); }}
.ab-testnet {{ background: #ffffff; color: #0b0f1a; border: 2px solid var(--neon-red);
  padding: 2px 8px; border-radius: 6px; font-weight: 700; }}
.ab-debug {{ color: #ffcc00; font-weight: 700; }}
.ab-soon {{ padding: 18px; font-size: 15px; }}
"""

DARK_CSS = (
    _COMMON
    + """
.ab-card { background: #121a2b; border: 1px solid rgba(0,212,255,.28); border-radius: 12px;
  box-shadow: 0 0 14px rgba(0,212,255,.12); padding: 14px; color: #e6f1ff; }
.ab-menu a { color: #cfe3ff; }
.ab-menu a:hover { background: rgba(0,212,255,.08); }
.ab-menu a.active { color: #00D4FF; }
"""
)

LIGHT_CSS = (
    _COMMON
    + """
.ab-card { background: #ffffff; border: 1px solid rgba(0,150,200,.35); border-radius: 12px;
  box-shadow: 0 0 10px rgba(0,150,200,.12); padding: 14px; color: #1b2738; }
.ab-menu a { color: #1b2738; }
.ab-menu a:hover { background: rgba(0,150,200,.08); }
.ab-menu a.active { color: #0077a8; }
.ab-status { color: #ffffff; }
"""
)


def css_for(theme: str) -> str:
    return DARK_CSS if theme == "dark" else LIGHT_CSS
