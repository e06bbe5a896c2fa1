"""What the server does to every request before the app sees it: Host allow-list, size limit,
cross-site check, and security headers on every response.

Plain ASGI middleware wrapped around the whole app (outside Starlette's error middleware), so a
too-large body is refused before anything parses it and even a crash's 500 carries the headers.
"""

from __future__ import annotations

import hmac
import ipaddress
import json

CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),  # "no-referrer" would make our own forms send Origin: null
    (b"x-frame-options", b"DENY"),
]
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
BODY_METHODS = {"POST", "PUT", "PATCH"}  # a DELETE's body is never read, so it is never buffered or refused
FORM_TYPES = {b"multipart/form-data", b"application/x-www-form-urlencoded"}
REFUSED = "propscan.refused"  # scope key: why the guard refused a page form's body (the page explains)
DRAIN_LIMIT = 64 * 1024 * 1024  # read and drop at most this much of a refused form upload


def is_page_form(scope, headers: dict[bytes, bytes]) -> bool:
    """A browser's form post to a page (not the JSON API): its refusal must be a page, not JSON."""
    kind = headers.get(b"content-type", b"").split(b";", 1)[0].strip().lower()
    return kind in FORM_TYPES and not scope["path"].startswith("/api/")


async def _drain(receive, limit: int) -> None:
    """Read the rest of a refused upload and drop it: a browser that is still sending when the
    server answers and closes may show a connection error, not the answer. `receive` must have
    body left to give (else it waits for the client to go)."""
    seen, more = 0, True
    while more and seen <= limit:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        seen += len(message.get("body", b""))
        more = message.get("more_body", False)


async def _no_body():
    return {"type": "http.request", "body": b"", "more_body": False}


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_name(host_header: str) -> str:
    """The name in a Host header, without port or IPv6 brackets, lower-cased."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def key_matches(given: str | None, key: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), key.encode())


def bearer(headers: dict[bytes, bytes]) -> str | None:
    value = headers.get(b"authorization", b"").decode("latin-1")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def _send_json(send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *HEADERS]})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """Host allow-list, body size cap, same-origin check for writes, and security headers.

    A Host outside the allow-list is refused on every route: a page on a DNS-rebinding domain
    reaches a loopback server under its own name, and would otherwise be same-origin with it.
    Writes from another origin are refused too. Starlette's TrustedHostMiddleware does the
    first check, but answers in plain text and sits inside the error middleware; this answers
    with the API's JSON error shape and the security headers. API-key checks live in `auth`
    (the web form sends the key as a field).
    """

    def __init__(self, app, *, max_body: int, allowed_hosts: tuple[str, ...]):
        self.app = app
        self.max_body = max_body
        self.allowed_hosts = frozenset(allowed_hosts)

    def host_allowed(self, host_header: str) -> bool:
        return "*" in self.allowed_hosts or host_name(host_header) in self.allowed_hosts

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":  # lifespan; the app has no websockets
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        host = headers.get(b"host", b"").decode("latin-1")
        if not self.host_allowed(host):
            return await _send_json(send, 400, "host_not_allowed",
                                    f"this server does not answer to the host name {host[:100]!r}; "
                                    "its operator can add it with --allowed-host")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *HEADERS]}
            await send(message)

        if scope["method"] in UNSAFE_METHODS:
            origin = headers.get(b"origin")
            host = headers.get(b"host", b"")
            if origin and origin.split(b"://", 1)[-1] != host:  # "null" origins are refused too
                return await _send_json(send, 403, "cross_origin", "writes from another site are refused")
        if scope["method"] in BODY_METHODS:
            declared = headers.get(b"content-length")
            if declared and declared.isdigit() and int(declared) > self.max_body:
                return await self._too_large(scope, headers, receive, send, send_with_headers,
                                             f"{int(declared):,} bytes, over the {self.max_body:,}-byte limit")
            body, more = bytearray(), True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                body += message.get("body", b"")
                more = message.get("more_body", False)
                if len(body) > self.max_body:
                    return await self._too_large(scope, headers, receive if more else _no_body, send,
                                                 send_with_headers, f"over the {self.max_body:,}-byte limit")
            replayed = False

            async def replay():
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": bytes(body), "more_body": False}
                return await receive()

            return await self.app(scope, replay, send_with_headers)
        return await self.app(scope, receive, send_with_headers)

    async def _too_large(self, scope, headers, receive, send, send_with_headers, how: str):
        """413: JSON for the API; for a page's form, the app answers with the page and the message
        (it gets the request without its body, marked `REFUSED`)."""
        if not is_page_form(scope, headers):
            return await _send_json(send, 413, "body_too_large", f"request body is {how}")
        await _drain(receive, DRAIN_LIMIT)
        return await self.app({**scope, REFUSED: f"the form is {how}"}, _no_body, send_with_headers)
