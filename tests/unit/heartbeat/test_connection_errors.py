"""Connection failures are described in French, never as raw Python exceptions."""

from __future__ import annotations

import errno
import socket

import pytest
from websockets.exceptions import ConnectionClosedError
from websockets.frames import Close

from aristobot.market.binance_ws import _describe
from aristobot.market.messages import binance_error_fr


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ConnectionRefusedError(111, "Connect call failed"), "connexion refusée par le serveur"),
        (TimeoutError(), "délai de connexion dépassé"),
        (OSError(errno.ENETUNREACH, "Network is unreachable"),
         "erreur réseau (réseau injoignable)"),
        (ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"),
         "erreur réseau (connexion réinitialisée par le serveur)"),
        (OSError(errno.EHOSTUNREACH, "No route to host"), "erreur réseau (serveur injoignable)"),
        (OSError(9999, "Weird"), "erreur réseau (code 9999)"),
        (socket.gaierror(-2, "Name or service not known"),
         "erreur réseau (nom du serveur introuvable)"),
        (ConnectionClosedError(Close(1008, "Policy violation"), None),
         "connexion fermée par Binance (code 1008 : règle du serveur non respectée)"),
        (ConnectionClosedError(Close(4000, "whatever"), None),
         "connexion fermée par Binance (code 4000 : motif non précisé)"),
        (ValueError("boom"), "erreur inattendue (ValueError)"),
    ],
)
def test_disconnect_reasons_are_french(error: BaseException, expected: str) -> None:
    assert _describe(error) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (2, "requête invalide (code 2)"),
        (3, "JSON invalide (code 3)"),
        (-1003, "trop de requêtes, limite atteinte (code -1003)"),
        (12345, "erreur non répertoriée (code 12345)"),
        (None, "erreur non répertoriée"),
    ],
)
def test_binance_error_codes_are_french(code: object, expected: str) -> None:
    assert binance_error_fr(code) == expected
