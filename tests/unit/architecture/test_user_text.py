"""French user text lives in catalog modules only (``messages.py`` of each package).

Convention (README, « Development »; :mod:`aristobot.messages`): a package that shows text to
users owns one ``messages.py``; call sites reference its constants or call its small functions
with the variable parts, so one place owns each message. :mod:`aristobot.errors`,
:mod:`aristobot.exchanges.translation` and the strategy templates are catalogs too. Docstrings,
comments and logging calls are not user text (logs are English).

Planted violations prove the detector sees what it must and nothing else.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.unit.architecture.user_text import french_in_source, french_outside_catalogs, is_french

ROOT = Path(__file__).resolve().parents[3]

# Packages whose text other branches are migrating right now (merge conflicts otherwise). The
# lead removes each entry when its branch is merged; the list must end empty.
NOT_YET_MIGRATED: tuple[str, ...] = ()


def test_no_french_user_text_outside_catalogs() -> None:
    found = french_outside_catalogs(ROOT, skip=NOT_YET_MIGRATED)
    assert [str(f) for f in found] == []


def test_every_not_yet_migrated_entry_exists() -> None:
    # A stale entry would silently exempt a package created later under the same name.
    assert [p for p in NOT_YET_MIGRATED if not (ROOT / p).exists()] == []


# --- the detector catches what it must ---------------------------------------------------------
def _check(code: str, rel: str = "aristobot/trading/bad.py") -> list[str]:
    return [f.text for f in french_in_source(textwrap.dedent(code), rel)]


@pytest.mark.parametrize("code", [
    'REASON = "Le broker est désactivé."\n',
    'def f(name):\n    raise ValueError(f"Broker « {name} » inconnu")\n',
    'def f(n):\n    return f"{n} ordres ont échoué"\n',
    'TEXT = ("Indiquez une quantité ou un montant, "\n        "pas les deux.")\n',
    'def f(x):\n    return g(reason="le prix " + x)\n',
    'LABELS = {"apiKey": "Clé API"}\n',
], ids=["constant", "f-string with guillemets", "accent only", "implicit concatenation",
        "French word, no accent", "dict value"])
def test_french_literal_outside_a_catalog_fails(code: str) -> None:
    assert _check(code) != []


@pytest.mark.parametrize("rel", ["aristobot/trading/messages.py", "aristobot/messages.py",
                                 "aristobot/errors.py", "aristobot/exchanges/translation.py"])
def test_french_literal_in_a_catalog_passes(rel: str) -> None:
    assert _check('REASON = "Le broker est désactivé."\n', rel) == []


@pytest.mark.parametrize("code", [
    '"""Le module des ordres : vérifie la quantité."""\n',
    'def f():\n    """Renvoie le prix de l\'ordre."""\n    return 1\n',
    'class C:\n    """Une classe."""\n',
    'X = 1  # le prix est déjà arrondi\n',
    'def f(log, n):\n    log.warning("le flux est figé: %d", n)\n',
    'import logging\nlogging.getLogger(__name__).info("prix à jour")\n',
], ids=["module docstring", "function docstring", "class docstring", "comment",
        "logging call", "logger chained"])
def test_docstrings_comments_and_logs_pass(code: str) -> None:
    assert _check(code) == []


@pytest.mark.parametrize("code", [
    'MSG = "The order was rejected: check the quantity."\n',
    'URL = "postgresql+psycopg://user@host/db"\n',
    'FMT = "%Y-%m-%d %H:%M"\n',
    'SQL = "SELECT id FROM orders WHERE user_id = :u"\n',
    'WORD = "désactivé"\n',
], ids=["English sentence", "url", "date format", "sql", "single word (no space)"])
def test_english_and_technical_strings_pass(code: str) -> None:
    assert _check(code) == []


def test_the_tree_walk_skips_only_the_listed_packages(tmp_path: Path) -> None:
    for rel in ("aristobot/ui/page.py", "aristobot/trading/service.py",
                "aristobot/trading/messages.py"):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('REASON = "Le broker est désactivé."\n')
    found = french_outside_catalogs(tmp_path, skip=("aristobot/ui/",))
    assert [f.path for f in found] == ["aristobot/trading/service.py"]


@pytest.mark.parametrize(("text", "french"), [
    ("Position déjà fermée.", True), ("Ordre refusé", True), ("aucun prix de Binance", True),
    ("Indiquez une quantité", True), ("la date de fin", True),
    ("position closed", False), ("de", False), ("Binance (code {})", False),
])
def test_is_french(text: str, french: bool) -> None:
    assert is_french(text) is french
