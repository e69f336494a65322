"""Safe by default: who may connect, what a page may run, and proof that a form came from our page.

- Host check: on loopback, only requests addressed to 127.0.0.1 / localhost / [::1] are served, so a
  web page elsewhere cannot reach the app through DNS rebinding.
- Token: on any other host a token is required (`IMR_LLM_SERVE_TOKEN`, or one printed at start):
  sent once as `?token=...` (or typed on /login), it becomes an HttpOnly, SameSite=Strict cookie
  holding an HMAC of the token, never the token itself; scripts may send `Authorization: Bearer`.
- CSRF: a random token in a SameSite=Strict cookie; every form carries it in a hidden field (scripts
  in an `X-CSRF-Token` header) and every POST must match it; a cross-site Origin is refused too.
- Headers: a Content-Security-Policy with no inline script and no third-party anything, no framing
  by other sites, no sniffing, no referrer, and no caching of pages that hold medical data.
- Size: a request body over the upload limit is cut off with 413 and a message naming the limit.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSRF_COOKIE = "imr_csrf"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
AUTH_COOKIE = "imr_auth"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def cookies(scope: Scope) -> dict[str, str]:
    """The request's cookies, read leniently (one odd cookie does not hide the others)."""
    from starlette.requests import cookie_parser

    return cookie_parser(_headers(scope).get("cookie", ""))


async def _page(send: Send, status: int, title: str, body: str, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<link rel="stylesheet" href="/static/app.css"></head><body><main class="narrow"><h1>{title}</h1>'
        f"{body}</main></body></html>"
    ).encode()
    headers = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(html)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
    await send({"type": "http.response.body", "body": html})


class SecurityHeaders:
    """CSP and the other protective headers on every response (a route may set its own CSP)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                defaults = [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                    (b"cache-control", b"no-store"),
                ]
                headers += [(k, v) for k, v in defaults if k not in names]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HostCheck:
    """Serve only requests addressed to an allowed host name (DNS-rebinding defence on loopback)."""

    def __init__(self, app: ASGIApp, allowed: frozenset[str] | None) -> None:
        self.app = app
        self.allowed = allowed  # None: any (a token guards the server)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.allowed is not None:
            host = _headers(scope).get("host", "")
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if name.lower() not in self.allowed:
                await _page(send, 421, "Wrong host", "<p>This server answers only to its own address.</p>")
                return
        await self.app(scope, receive, send)


class BodyLimit:
    """Refuse a request body over `limit` bytes (by Content-Length, and while it streams)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    def message(self) -> str:
        size = f"{self.limit / 1048576:.0f} MB" if self.limit >= 1048576 else f"{self.limit / 1024:.0f} KB"
        return (
            f"<p>The upload is larger than {size} in all. "
            'Send fewer files at once.</p><p><a href="/">Back to the upload page</a></p>'
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = _headers(scope).get("content-length", "")
        if length.isdigit() and int(length) > self.limit:
            await _page(send, 413, "Upload too large", self.message())
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watch)
        except _TooLarge:
            if not started:
                await _page(send, 413, "Upload too large", self.message())


class _TooLarge(Exception):
    pass


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_matches(token: str | None, given: str) -> bool:
    return bool(token) and hmac.compare_digest(given.encode(), (token or "").encode())


def auth_cookie(token: str) -> str:
    """The Set-Cookie value that lets a browser in: an HMAC of the token (the token never leaves the form)."""
    value = hmac.new(token.encode(), b"imr-llm serve auth", hashlib.sha256).hexdigest()
    return f"{AUTH_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict"


class TokenAuth:
    """With a token set, every request needs the auth cookie (or `Authorization: Bearer TOKEN`)."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token
        self.cookie_value = hmac.new(token.encode(), b"imr-llm serve auth", hashlib.sha256).hexdigest() if token else ""

    def valid(self, given: str) -> bool:
        return token_matches(self.token, given)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.token:
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        jar = cookies(scope)
        if hmac.compare_digest(jar.get(AUTH_COOKIE, "").encode(), self.cookie_value.encode()):
            await self.app(scope, receive, send)
            return
        bearer = headers.get("authorization", "")
        if bearer.startswith("Bearer ") and self.valid(bearer[7:].strip()):
            await self.app(scope, receive, send)
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        if scope["method"] == "GET" and "token" in query and self.valid(query["token"]):
            rest = urlencode({k: v for k, v in query.items() if k != "token"})
            target = scope["path"] + (f"?{rest}" if rest else "")
            await send(
                {
                    "type": "http.response.start",
                    "status": 303,
                    "headers": [(b"location", target.encode()), (b"set-cookie", self.auth_cookie().encode())],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        if scope["path"] in ("/login", "/static/app.css"):
            await self.app(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": 303, "headers": [(b"location", b"/login")]})
        await send({"type": "http.response.body", "body": b""})

    def auth_cookie(self) -> str:
        return auth_cookie(self.token or "")


class CsrfCookie:
    """Give every browser a CSRF token cookie; the token is in `scope["state"]["csrf"]` for templates."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = cookies(scope).get(CSRF_COOKIE, "")
        fresh = len(token) < 32
        if fresh:
            token = new_token()
        scope.setdefault("state", {})["csrf"] = token

        async def send_cookie(message: Message) -> None:
            if fresh and message["type"] == "http.response.start":
                cookie = f"{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie.encode())]
            await send(message)

        await self.app(scope, receive, send_cookie)


def csrf_ok(scope: Scope, given: str | None) -> bool:
    """A POST is ours when its token matches the cookie's and, if the browser says where it came from,
    that is this server."""
    headers = _headers(scope)
    origin = headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != headers.get("host", ""):
        return False
    expected = cookies(scope).get(CSRF_COOKIE, "")
    given = given or headers.get(CSRF_HEADER, "")
    return len(expected) >= 32 and hmac.compare_digest(expected.encode(), given.encode())


def style_hashes(html: str) -> str:
    """CSP sources allowing exactly the <style> blocks of a generated page (the summary documents)."""
    import base64
    import re

    sources = []
    for block in re.findall(r"<style>(.*?)</style>", html, flags=re.S):
        digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
        sources.append(f"'sha256-{digest}'")
    return " ".join(sources) or "'none'"
