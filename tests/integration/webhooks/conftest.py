"""Fixtures: the receiver's Tornado handlers on a real loopback port, a real database and the
real ccxt client against the fake Binance (fixtures ``fake`` and ``runtime`` from exchanges)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPResponse
from tornado.web import Application

from aristobot.brokers import BrokerDraft, create_broker
from aristobot.runtime import Runtime
from aristobot.webhooks import Source, create_source
from aristobot.webhooks.http import Intake, build_intake, routes
from aristobot.webhooks.orders import OrderRunner, OrderSettings
from tests.integration.exchanges.conftest import fake, runtime  # noqa: F401  (fixtures)
from tests.support.factories import make_user


@dataclass
class Hook:
    """A running receiver and one user with a Binance broker and a source."""

    base_url: str
    intake: Intake
    runtime: Runtime
    user_id: int
    broker_id: int
    source: Source
    orders: OrderRunner  # the order process's work, run here on demand

    async def post(self, body: str | bytes | dict[str, Any], token: str | None = None,
                   content_type: str = "application/json",
                   headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
        raw = json.dumps(body) if isinstance(body, dict) else body
        resp: HTTPResponse = await AsyncHTTPClient().fetch(
            f"{self.base_url}/webhooks/{token or self.source.token}", method="POST",
            body=raw, headers={"Content-Type": content_type, **(headers or {})},
            raise_error=False)
        return resp.code, json.loads(resp.body or b"{}")

    def alert(self, **fields: Any) -> dict[str, Any]:
        base = {"secret": self.source.secret, "action": "buy", "symbol": "BTCUSDT",
                "quantity": "0.01"}
        base.update(fields)
        return {k: v for k, v in base.items() if v is not None}


@pytest.fixture
async def hook(runtime: Runtime) -> AsyncIterator[Hook]:  # noqa: F811
    user = make_user(runtime.sessions)
    with runtime.sessions.begin() as s:
        broker = create_broker(s, runtime.vault, user.id, BrokerDraft(
            "Binance", "binance", {"apiKey": "key-a", "secret": "secret-a"}))
        source = create_source(s, runtime.vault, user.id, "TV", broker_id=broker.id)
    intake = build_intake(runtime, max_body=2048, trusted_proxies=("127.0.0.1",))
    server = Application(routes(lambda: intake)).listen(0, "127.0.0.1")
    port = next(iter(server._sockets.values())).getsockname()[1]
    orders = OrderRunner(runtime, OrderSettings(slots=1, poll_s=0.05))
    yield Hook(f"http://127.0.0.1:{port}", intake, runtime, user.id, broker.id, source, orders)
    server.stop()
