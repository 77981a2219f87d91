"""Tornado handlers of the receiver: ``POST /webhooks/<token>``.

The same handlers are served by ``aristobot serve`` (a ``panel serve --plugins`` module, see
:mod:`aristobot.webhooks.plugin`) and by ``python -m services.webhooks``. They are not behind the
dashboard's login: the URL token and the body secret authenticate the caller.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from tornado.web import RequestHandler

from aristobot.runtime import Runtime, Slot
from aristobot.webhooks.orders import TOPIC, WAKERS
from aristobot.webhooks.receiver import MAX_BODY, IncomingRequest, Receiver, now_utc

log = logging.getLogger(__name__)
ROUTE = r"/webhooks/([^/]*)"
INTAKE: Slot[Intake] = Slot("webhooks")
# Threads storing requests. SQLite has one writer at a time: one thread queues the requests in
# arrival order instead of several threads sleeping in SQLite's busy handler (tens of ms).
# PostgreSQL takes them in parallel (fewer than the engine's pool of 10 connections).
STORE_THREADS = {"sqlite": 1}
DEFAULT_STORE_THREADS = 8


def _store_executor(dialect: str) -> ThreadPoolExecutor:
    workers = STORE_THREADS.get(dialect, DEFAULT_STORE_THREADS)
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webhook-store")


# Wake-ups of the order processes are coalesced: at most one bus message per this delay.
WAKE_EVERY_S = 0.01


@dataclass
class Intake:
    """What the handlers need: the receiver (store, answer) and how to wake the order
    processes (they place the orders; nothing of an order runs in a receiver)."""

    receiver: Receiver
    runtime: Runtime | None = None
    trusted_proxies: tuple[str, ...] = ()
    executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(DEFAULT_STORE_THREADS, "webhook-store"))
    _wake_pending: bool = False

    def notify(self, webhook_id: int) -> None:
        """An alert was stored and answered: wake the order processes (on the loop)."""
        if self.runtime is None:
            return
        for wake in self.runtime.get(WAKERS) or ():  # a child order process
            wake()
        if not self._wake_pending:
            self._wake_pending = True
            asyncio.get_running_loop().call_later(WAKE_EVERY_S, self._publish, webhook_id)

    def _publish(self, webhook_id: int) -> None:
        self._wake_pending = False
        if self.runtime is not None:
            task = asyncio.get_running_loop().create_task(self._send(self.runtime, webhook_id))
            _background.add(task)
            task.add_done_callback(_background.discard)

    @staticmethod
    async def _send(runtime: Runtime, webhook_id: int) -> None:
        try:
            await runtime.bus.publish(TOPIC, "accepted", {"id": webhook_id})
        except Exception:  # the database poll of the order processes catches up
            log.warning("cannot publish the wake-up of webhook %s", webhook_id, exc_info=True)


_background: set[asyncio.Task[None]] = set()


def build_intake(runtime: Runtime, *, max_body: int = MAX_BODY,
                 trusted_proxies: tuple[str, ...] = ()) -> Intake:
    """Build the runtime's intake once (kept in the runtime's ``INTAKE`` slot)."""
    intake = runtime.get(INTAKE)
    if intake is None:
        intake = Intake(Receiver(runtime.sessions, max_body=max_body), runtime,
                        trusted_proxies, executor=_store_executor(runtime.engine.dialect.name))
        runtime.install(INTAKE, intake)
        runtime.on_close(intake.executor.shutdown)
    return intake


class WebhookHandler(RequestHandler):
    """Store first, answer at once; an order process places the order after the answer."""

    def initialize(self, get_intake: Callable[[], Intake]) -> None:
        self._get_intake = get_intake

    def check_xsrf_cookie(self) -> None:
        """TradingView sends no cookie: the token and secret authenticate the request."""

    def _client_ip(self, trusted: tuple[str, ...]) -> str | None:
        ip = self.request.remote_ip
        if ip in trusted:  # behind our reverse proxy: take the address it saw
            real = self.request.headers.get("X-Real-IP")
            fwd = self.request.headers.get("X-Forwarded-For", "")
            ip = real or (fwd.split(",")[-1].strip() if fwd else ip)
        return ip

    async def post(self, token: str) -> None:
        intake = self._get_intake()
        req = IncomingRequest(token=token, body=self.request.body,
                              content_type=self.request.headers.get("Content-Type"),
                              client_ip=self._client_ip(intake.trusted_proxies),
                              received_at=now_utc())
        loop = asyncio.get_running_loop()
        outcome = await loop.run_in_executor(intake.executor, intake.receiver.receive, req)
        self.set_status(outcome.http_status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        await self.finish(json.dumps(outcome.as_json(), ensure_ascii=False))
        if outcome.accepted and outcome.webhook_id is not None:
            intake.notify(outcome.webhook_id)


def routes(get_intake: Callable[[], Intake]) -> list[tuple[str, type[RequestHandler],
                                                            dict[str, Any]]]:
    """Tornado route tuples of the receiver."""
    return [(ROUTE, WebhookHandler, {"get_intake": get_intake})]
