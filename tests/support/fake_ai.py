"""Local fake servers speaking OpenRouter's and Ollama's HTTP APIs (loopback only).

One ``FakeAI`` serves both: OpenRouter under ``/api/v1`` (``GET /models``,
``POST /chat/completions`` with ``Authorization: Bearer <key>``) and Ollama at the root
(``GET /api/tags``, ``POST /api/chat``). It answers with ``reply`` (default: the seed's EMA
example in a fenced block after a sentence), records requests, and can be told to fail or to
be slow. It runs in a thread, so the served app (another process) can reach it too.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aristobot.strategies.examples import EMA_CROSS_EXAMPLE_CLASSIC

DEFAULT_REPLY = (
    "Voici une stratégie de croisement EMA 10/20 :\n\n```python\n"
    + EMA_CROSS_EXAMPLE_CLASSIC
    + "```\n\nElle achète au croisement haussier."
)


@dataclass
class FakeAI:
    api_key: str = "sk-or-test-key"
    models: tuple[str, ...] = ("fake/coder-small", "fake/coder-large")
    replies: list[str] = field(default_factory=list)  # consumed in order, then DEFAULT_REPLY
    delay_s: float = 0.0
    fail_status: int | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def openrouter_url(self) -> str:
        return f"{self.base_url}/api/v1"

    def next_reply(self) -> str:
        return self.replies.pop(0) if self.replies else DEFAULT_REPLY


def _handler(fake: FakeAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _prelude(self) -> dict[str, Any] | None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}") if length else {}
            fake.requests.append({"path": self.path, "method": self.command, "body": body,
                                  "auth": self.headers.get("Authorization")})
            if fake.delay_s:
                threading.Event().wait(fake.delay_s)
            if fake.fail_status:
                self._send(fake.fail_status, {"error": {"code": fake.fail_status,
                                                        "message": "fake failure"}})
                return None
            if self.path.startswith("/api/v1/") and self.headers.get(
                    "Authorization") != f"Bearer {fake.api_key}":
                self._send(401, {"error": {"code": 401, "message": "No auth credentials found"}})
                return None
            return body

        def do_GET(self) -> None:  # noqa: N802
            if self._prelude() is None:
                return
            if self.path == "/api/v1/models":
                self._send(200, {"data": [{"id": m, "name": m} for m in fake.models]})
            elif self.path == "/api/tags":
                self._send(200, {"models": [{"name": m, "model": m} for m in fake.models]})
            else:
                self._send(404, {"error": "not found"})

        def do_POST(self) -> None:  # noqa: N802
            body = self._prelude()
            if body is None:
                return
            model = body.get("model")
            if model not in fake.models:
                self._send(404, {"error": f"model '{model}' not found"})
            elif self.path == "/api/v1/chat/completions":
                self._send(200, {"id": "gen-1", "model": model, "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": fake.next_reply()},
                     "finish_reason": "stop"}]})
            elif self.path == "/api/chat":
                self._send(200, {"model": model, "message": {
                    "role": "assistant", "content": fake.next_reply()}, "done": True})
            else:
                self._send(404, {"error": "not found"})

    return Handler


@contextmanager
def serve_fake_ai(fake: FakeAI | None = None) -> Iterator[FakeAI]:
    """Run ``fake`` on a free loopback port for the duration of the block."""
    fake = fake or FakeAI()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
