from __future__ import annotations

import ccxt.async_support as ccxt
import pytest

from aristobot.errors import (
    AuthenticationFailed,
    ExchangeError,
    InsufficientFunds,
    OrderNotFound,
    OrderRejected,
    RateLimited,
    TemporaryError,
)
from aristobot.exchanges.retry import RetryPolicy, with_retry
from aristobot.exchanges.translation import is_ambiguous, translate


@pytest.mark.parametrize(("exc", "cls", "text"), [
    (ccxt.AuthenticationError('binance {"code":-2015,"msg":"Invalid API-key, IP, or '
                              'permissions for action."}'), AuthenticationFailed,
     "Erreur de connexion à Binance : Invalid API-key, IP, or permissions for action."),
    (ccxt.InsufficientFunds("binance Account has insufficient balance for requested action."),
     InsufficientFunds, "Fonds insuffisants sur Binance : Account has insufficient balance"),
    (ccxt.ExchangeError('binance {"code":-1013,"msg":"Filter failure: LOT_SIZE"}'),
     OrderRejected, "Ordre refusé par Binance : Filter failure: LOT_SIZE"),
    (ccxt.OrderNotFound('binance {"code":-2013,"msg":"Order does not exist."}'), OrderNotFound,
     "Ordre introuvable"),
    (ccxt.RateLimitExceeded("binance 429 Too Many Requests"), RateLimited, "Limite"),
    (ccxt.RequestTimeout("binance GET http://x timed out"), TemporaryError, "connexion"),
    (ccxt.NotSupported("binance fetchX() not supported"), ExchangeError, "Binance"),
])
def test_ccxt_errors_become_french_aristobot_errors(exc: Exception, cls: type, text: str) -> None:
    err = translate(exc, "Binance")
    assert type(err) is cls
    assert text in err.user_message()


def test_ambiguity() -> None:
    assert is_ambiguous(ccxt.RequestTimeout("t"))
    assert is_ambiguous(ccxt.NetworkError("n"))
    assert not is_ambiguous(ccxt.RateLimitExceeded("r"))
    assert not is_ambiguous(ccxt.InvalidOrder("i"))


def test_backoff_is_capped() -> None:
    p = RetryPolicy(attempts=10, base_delay_s=0.5, max_delay_s=4)
    assert [p.delay(i) for i in range(1, 7)] == [0.5, 1, 2, 4, 4, 4]


async def test_retry_only_temporary_errors_and_gives_up() -> None:
    pauses: list[float] = []

    async def sleep(s: float) -> None:
        pauses.append(s)

    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise TemporaryError(exchange="X", reason="down")
        return "ok"

    assert await with_retry(flaky, RetryPolicy(4, 1, 3), "t", sleep) == "ok"
    assert pauses == [1, 2]

    async def refused() -> None:
        raise OrderRejected(exchange="X", reason="no")

    with pytest.raises(OrderRejected):
        await with_retry(refused, RetryPolicy(4, 1, 3), "t", sleep)
    assert pauses == [1, 2]

    async def down() -> None:
        raise TemporaryError(exchange="X", reason="down")

    with pytest.raises(TemporaryError):
        await with_retry(down, RetryPolicy(3, 1, 3), "t", sleep)
