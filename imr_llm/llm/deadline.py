"""A deadline, and a size bound, for a whole HTTP request, not for each read.

An HTTP client's timeout bounds each read of the socket: a server that sends one byte every two seconds
never trips it, and a letter (or, in a batch, every letter behind it) waits for as long as the server
likes. Here every socket operation of a request (connect, write, each read of the headers and the body)
gets at most the time left until the request's deadline, and none starts once it has passed: the whole
request ends by its deadline, however the server trickles. The deadline is set per request by the caller
(`request_deadline`) and read in the thread doing the request, so requests of other threads sharing the
connection pool keep their own.

The same place bounds the bytes a request may read (`max_bytes`): a model's answer is a few hundred KB
at most, and a server sending 500 MB had the client hold several times that in memory (and a batch one
such answer per concurrent letter). The bound counts bytes as they come off the socket, so the caller asks
for an uncompressed answer (`IDENTITY`) and refuses one compressed anyway (`refuse_compressed`): a small
gzip body can decode to gigabytes.

Installed into the openai client's connection pools (`bound_requests`): the openai client is built on
httpx2 / httpcore2, whose pools accept a network backend; ours wraps the default one.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore2

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("imr_llm_request_deadline", default=None)
_bytes_left: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("imr_llm_bytes_left", default=None)

IDENTITY = {"Accept-Encoding": "identity"}  # headers asking for an answer as it is, so its size is its bytes


class ResponseTooLarge(Exception):
    """The server sent more than the request's `max_bytes` (or a compressed answer it was asked not to):
    not read further, and not asked again."""


@contextmanager
def request_deadline(seconds: float | None, max_bytes: int | None = None) -> Iterator[None]:
    """Requests made in this block (in this thread) end within `seconds` and read at most `max_bytes`
    (headers and body, all requests of the block together); None: no bound beyond the client's own."""
    token = _deadline.set(None if seconds is None else time.monotonic() + max(0.0, seconds))
    size_token = _bytes_left.set(None if max_bytes is None else [max_bytes])
    try:
        yield
    finally:
        _deadline.reset(token)
        _bytes_left.reset(size_token)


def refuse_compressed(response: Any) -> None:
    """An httpx response hook: inside a size bound, a compressed answer is refused before its body is read
    (the bound counts the bytes on the wire; gzip can decode a small body to gigabytes)."""
    left = _bytes_left.get()
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if left is not None and encoding not in ("", "identity"):
        raise ResponseTooLarge(f"the server sent a compressed answer ({encoding}) though asked for none: not read")


def _left(timeout: float | None, error: type[Exception]) -> float | None:
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("the request ran past its deadline (the whole request is bounded, not each read)")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore2.NetworkStream):
    def __init__(self, inner: httpcore2.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data = self._inner.read(max_bytes, _left(timeout, httpcore2.ReadTimeout))
        left = _bytes_left.get()
        if left is not None:
            left[0] -= len(data)
            if left[0] < 0:
                raise ResponseTooLarge("the server's answer is larger than any answer to this request can be: not read")
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout, httpcore2.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> Any:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, _left(timeout, httpcore2.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore2.NetworkBackend):
    def __init__(self, inner: httpcore2.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.NetworkStream:
        stream = self._inner.connect_tcp(
            host, port, _left(timeout, httpcore2.ConnectTimeout), local_address, socket_options
        )
        return _Stream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore2.NetworkStream:
        return _Stream(self._inner.connect_unix_socket(path, _left(timeout, httpcore2.ConnectTimeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def bound_requests(http_client: Any) -> bool:
    """Install the deadline into an httpx2 client's connection pools (its transport and its proxy mounts);
    whether it could (a transport of another kind is left as it is)."""
    transports = [getattr(http_client, "_transport", None), *getattr(http_client, "_mounts", {}).values()]
    installed = False
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if isinstance(backend, httpcore2.NetworkBackend) and not isinstance(backend, _Backend):
            pool._network_backend = _Backend(backend)  # type: ignore[union-attr]
            installed = True
    return installed
