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
from aristobot.exchanges.translation import is_ambiguous, scrub, translate


@pytest.mark.parametrize(("exc", "cls", "text"), [
    (ccxt.AuthenticationError('binance {"code":-2015,"msg":"Invalid API-key, IP, or '
                              'permissions for action."}'), AuthenticationFailed,
     "Connexion refusée par Binance (clé API refusée, adresse IP non autorisée ou permissions "
     "insuffisantes) : vérifiez la clé API"),
    (ccxt.InsufficientFunds("binance Account has insufficient balance for requested action."),
     InsufficientFunds, "Fonds insuffisants sur Binance : réduisez la quantité"),
    (ccxt.ExchangeError('binance {"code":-1013,"msg":"Filter failure: LOT_SIZE"}'),
     OrderRejected, "Ordre refusé par Binance (quantité non conforme au minimum ou au pas du "
     "marché) : vérifiez"),
    (ccxt.OrderNotFound('binance {"code":-2013,"msg":"Order does not exist."}'), OrderNotFound,
     "Ordre introuvable"),
    (ccxt.RateLimitExceeded("binance 429 Too Many Requests"), RateLimited,
     "Trop de requêtes envoyées à Binance : patientez"),
    (ccxt.RequestTimeout("binance GET https://api.binance.com/api/v3/exchangeInfo timed out"),
     TemporaryError, "Échec de la communication avec Binance : réessayez"),
    (ccxt.NotSupported("binance fetchX() not supported"), ExchangeError,
     "Binance n'a pas pu traiter la demande : réessayez"),
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


@pytest.mark.parametrize("exc", [
    ccxt.RequestTimeout("binance GET https://api.binance.com/api/v3/account?timestamp=17&"
                        "recvWindow=10000&signature=95cccce9e5df790cef6eac8844fdb347 timed out"),
    ccxt.ExchangeError("binance POST http://127.0.0.1:9/api/v3/order?apiKey=key-a-12345678&"
                       "signature=95cccce9e5df790cef6eac8844fdb347 503 Service Unavailable"),
    ccxt.ExchangeError("okx 400 timestamp=17&sign=95cccce9e5df790cef6eac8844fdb347&x=1"),
    ccxt.AuthenticationError("kraken invalid signature=95cccce9e5df790cef6eac8844fdb347"),
    OSError("Cannot connect to host api.x.com:443 ssl:default https://u:key-a-12345678@x.com/p"),
])
def test_reasons_never_keep_urls_query_strings_or_signatures(exc: Exception) -> None:
    err = translate(exc, "Binance")
    for text in (err.user_message(), str(err), err.context["reason"]):
        assert "95cccce9e5df790cef6eac8844fdb347" not in text
        assert "key-a-12345678" not in text and "?" not in text and "://" not in text
    assert err.context["reason"]  # something useful is left


def test_scrub_keeps_the_path_and_the_words() -> None:
    assert scrub("GET https://api.binance.com/api/v3/order?symbol=BTCUSDT&signature=ab "
                 "timed out") == "GET /api/v3/order timed out"
    assert scrub("Signature for this request is not valid.") == (
        "Signature for this request is not valid.")


LEAKS = ("/api/", "http", "://", "GET ", "POST ", "Error", "Exception", "insufficient",
         "balance", "need", "free", "paper:", "Timeout", "binance ")


@pytest.mark.parametrize("exc", [
    ccxt.InsufficientFunds("paper: insufficient USDT balance: need 59280180.96, "
                           "free 9166.252432347"),
    ccxt.RequestTimeout("binance GET https://api.binance.com/api/v3/exchangeInfo"),
    ccxt.ExchangeNotAvailable("binance GET /api/v3/exchangeInfo 503 Service Unavailable"),
    ccxt.InvalidOrder('binance {"code":-1013,"msg":"Filter failure: MIN_NOTIONAL"}'),
    ccxt.AuthenticationError('binance {"code":-1022,"msg":"Signature for this request is not '
                             'valid."}'),
    ccxt.NotSupported("binance fetchX() not supported"),
    ConnectionResetError("[Errno 104] Connection reset by peer"),
    TimeoutError(),
    ValueError("could not convert string to float: 'abc'"),
])
def test_user_messages_are_french_with_no_exchange_text(exc: Exception) -> None:
    err = translate(exc, "Binance")
    shown = err.user_message()
    for leak in (*LEAKS, type(exc).__name__):
        assert leak not in shown, (leak, shown)
    assert shown.endswith(".") and " : " in shown  # what happened : what to do
    assert err.context["reason"] in str(err)  # the technical detail stays for the log


def test_paper_insufficient_funds_says_the_amounts_in_french() -> None:
    err = translate(ccxt.InsufficientFunds(
        "paper: insufficient USDT balance: need 59280180.96, free 9166.252432347"), "Paper")
    assert err.user_message() == (
        "Fonds insuffisants sur Paper (il faut 59\u202f280\u202f180,96 USDT, 9\u202f166,25 USDT "
        "disponibles) : réduisez la quantité ou le montant de l'ordre.")
    small = translate(ccxt.InsufficientFunds(
        "paper: insufficient BTC balance: need 0.0199076603, free 0.005"), "Paper")
    assert "il faut 0,0199076 BTC" not in small.user_message()
    assert "il faut 0,01990766 BTC, 0,005 BTC disponibles" in small.user_message()


def test_the_exchange_text_goes_to_the_log(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="aristobot.exchanges.translation"):
        translate(ccxt.RequestTimeout("binance GET https://api.binance.com/api/v3/exchangeInfo"),
                  "Binance")
    assert "/api/v3/exchangeInfo" in caplog.text and "RequestTimeout" in caplog.text
