"""Connection failures are described in French, never as raw Python exceptions."""

from __future__ import annotations

import pytest

from aristobot.market.binance_ws import _describe


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ConnectionRefusedError(111, "Connect call failed"), "connexion refusée par le serveur"),
        (TimeoutError(), "délai de connexion dépassé"),
        (OSError(101, "Network is unreachable"), "erreur réseau (Network is unreachable)"),
        (ValueError("boom"), "erreur inattendue (ValueError)"),
    ],
)
def test_disconnect_reasons_are_french(error: BaseException, expected: str) -> None:
    assert _describe(error) == expected
