"""French texts of Tabulator's own controls (pagination, loading, filters).

Tabulator speaks English by default (« First / Prev / Next / Last »): every table passes
``configuration=TABLE_FR`` (merged with any other configuration it needs).
"""

from __future__ import annotations

from typing import Any

TABLE_FR: dict[str, Any] = {
    "locale": "fr",
    "langs": {"fr": {
        "pagination": {
            "first": "«", "first_title": "Première page",
            "last": "»", "last_title": "Dernière page",
            "prev": "‹ Précédente", "prev_title": "Page précédente",
            "next": "Suivante ›", "next_title": "Page suivante",
            "all": "Tout", "page_size": "Lignes par page", "page_title": "Afficher la page",
            "counter": {"showing": "Lignes", "of": "sur", "rows": "lignes", "pages": "pages"},
        },
        "data": {"loading": "Chargement…", "error": "Erreur de chargement"},
        "headerFilters": {"default": "Filtrer…"},
        "groups": {"item": "élément", "items": "éléments"},
    }},
}
