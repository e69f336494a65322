"""A FAKE OpenAI-compatible HTTP server for unit tests of retry, re-ask and parse logic.

It is not a model: each request to /v1/chat/completions takes the next scripted
behaviour (a valid answer, 429 with Retry-After, 500, a hang, malformed
arguments, a truncated answer). The real LLM path is tested against llama.cpp
in tests/test_llm_local.py.
"""

from __future__ import annotations

import gzip
import json
import random
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = "fake-model"


@dataclass
class Behaviour:
    kind: str  # "ok" | "429" | "500" | "hang" | "malformed" | "truncated" | "invalid" | "garbage" | "cut" | "echo"
    # | "echo_headers" (an error that repeats the request's headers, Authorization included; status below)
    # | "trickle" (a 200 whose body comes one byte every `hang_s` seconds)
    # | "padded" (a valid answer carrying `padding` bytes more in a field nobody reads; gzip-compressed when
    # `gzip`, whatever the request's Accept-Encoding)
    arguments: dict[str, Any] | None = None
    retry_after: str | None = None
    hang_s: float = 5.0
    status: int = 500
    respond: Any = None  # "ok": a function of the request payload giving the arguments (a stand-in model)
    padding: int = 0
    gzip: bool = False


@dataclass
class FakeServer:
    default: Behaviour
    script: list[Behaviour] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)  # each POST's request headers
    request_times: list[float] = field(default_factory=list)
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    chaos: float = 0.0  # share of requests that fail, in assorted ways (fault injection)
    chaos_kinds: tuple[str, ...] = ("429", "500", "hang", "garbage", "cut", "malformed")
    rng: random.Random = field(default_factory=lambda: random.Random(1234))
    served: dict[str, int] = field(default_factory=dict)
    in_flight: int = 0
    max_in_flight: int = 0  # most requests open at once, to check a client's concurrency bound
    abandoned: int = 0  # trickled answers the client stopped reading
    # called (outside the lock) with each chat request's number, before it is answered: a test's gate. It may
    # block (hold answers until the test says so) or act (kill the client at a point the test chooses), so
    # a test never has to race a process with sleeps
    hook: Callable[[int], None] | None = None
    stop: threading.Event = field(default_factory=threading.Event)  # set when the server shuts down

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def next_behaviour(self) -> Behaviour:
        with self.lock:
            if self.script:
                b = self.script.pop(0)
            elif self.chaos and self.rng.random() < self.chaos:
                kind = self.rng.choice(self.chaos_kinds)
                b = Behaviour(kind, self.default.arguments, retry_after="0.05", hang_s=2.0)
            else:
                b = self.default
            self.served[b.kind] = self.served.get(b.kind, 0) + 1
            return b


def completion(
    arguments: str, finish_reason: str = "tool_calls", completion_tokens: int = 50, tool: str = "LLMLetter"
) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "finish_reason": finish_reason,
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": tool, "arguments": arguments},
                        }
                    ],
                },
            }
        ],
        "usage": {
            "prompt_tokens": 1000,
            "completion_tokens": completion_tokens,
            "total_tokens": 1000 + completion_tokens,
        },
    }


def _handler(server: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: dict[str, Any] | str, headers: dict[str, str] | None = None) -> None:
            data = (body if isinstance(body, str) else json.dumps(body)).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path.rstrip("/").endswith("/models"):
                self._send(200, {"object": "list", "data": [{"id": MODEL, "object": "model", "owned_by": "fake"}]})
            else:
                self._send(404, {"error": {"message": "not found"}})

        def do_POST(self) -> None:
            with server.lock:
                server.in_flight += 1
                server.max_in_flight = max(server.max_in_flight, server.in_flight)
            try:
                self._answer_post()
            finally:
                with server.lock:
                    server.in_flight -= 1

        def _answer_post(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            payload = json.loads(self.rfile.read(length) or b"{}")
            with server.lock:
                server.requests.append(payload)
                server.headers.append({k.lower(): v for k, v in self.headers.items()})
                server.request_times.append(time.monotonic())
                number = len(server.requests)
            if server.hook is not None:
                server.hook(number)
            b = server.next_behaviour()
            tools = payload.get("tools") or [{}]
            tool = tools[0].get("function", {}).get("name", "LLMLetter")
            if b.kind == "429":
                headers = {"Retry-After": b.retry_after} if b.retry_after else {}
                self._send(429, {"error": {"message": "rate limited", "type": "rate_limit"}}, headers)
            elif b.kind == "500":
                self._send(500, {"error": {"message": "boom", "type": "server_error"}})
            elif b.kind == "hang":
                time.sleep(b.hang_s)
                self._send(200, completion(json.dumps(b.arguments or {}), tool=tool))
            elif b.kind == "malformed":
                self._send(200, completion('{"case_number": "CM16-0900101", "disputed_items": [{"request": '))
            elif b.kind == "truncated":
                limit = int(payload.get("max_tokens") or 100)
                self._send(200, completion('{"case_number": "CM16', finish_reason="length", completion_tokens=limit))
            elif b.kind == "garbage":  # a broken proxy: 200 with a body that is not JSON
                self._send(200, "<html>502 Bad Gateway</html>")
            elif b.kind == "cut":  # the connection drops halfway through the body
                data = json.dumps(completion(json.dumps(b.arguments or {}), tool=tool)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
            elif b.kind == "echo":  # a server whose error message repeats the request (prompt included)
                prompt = " ".join(m.get("content", "") for m in payload.get("messages", []))
                self._send(400, {"error": {"message": f"Invalid request: {prompt}", "type": "invalid_request"}})
            elif b.kind == "echo_headers":  # a proxy whose error page repeats what it was sent
                sent = "; ".join(f"{k}: {v}" for k, v in self.headers.items())
                self._send(b.status, {"error": {"message": f"upstream refused request with headers {sent}"}})
            elif b.kind == "trickle":  # headers at once, then the body one byte at a time, forever slow
                data = json.dumps(completion(json.dumps(b.arguments or {}), tool=tool)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    for k in range(len(data)):
                        self.wfile.write(data[k : k + 1])
                        self.wfile.flush()
                        if server.stop.wait(b.hang_s):
                            return
                except OSError:  # the client gave up: what a bounded call does
                    with server.lock:
                        server.abandoned += 1
            elif b.kind == "padded":
                body = completion(json.dumps(b.arguments or {}), tool=tool)
                body["system_fingerprint"] = "p" * b.padding
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                if b.gzip:
                    data = gzip.compress(data)
                    self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except OSError:  # the client stopped reading: what a bounded call does
                    with server.lock:
                        server.abandoned += 1
            elif b.kind == "invalid":
                self._send(200, completion(json.dumps({"date_of_injury": "someday", "disputed_items": []})))
            else:
                arguments = b.respond(payload) if b.respond is not None else (b.arguments or {})
                self._send(200, completion(json.dumps(arguments), tool=tool))

    return Handler


class _QuietServer(ThreadingHTTPServer):
    """A client that gave up (a timeout test) is expected: no traceback on stderr, where a later in-process
    CLI test would read it as its own output."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError, TimeoutError)):
            super().handle_error(request, client_address)


@contextmanager
def fake_server(
    default: Behaviour,
    script: list[Behaviour] | None = None,
    chaos: float = 0.0,
    hook: Callable[[int], None] | None = None,
) -> Iterator[FakeServer]:
    server = FakeServer(default=default, script=list(script or []), chaos=chaos, hook=hook)
    httpd = _QuietServer(("127.0.0.1", 0), _handler(server))
    server.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop.set()
        httpd.shutdown()
        httpd.server_close()
