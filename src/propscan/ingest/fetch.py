"""Fetch a URL without becoming a tool for reaching private networks.

http and https only; every hop's host is resolved and refused if any address is loopback,
private, link-local, multicast or reserved (unless allow_private); the connection goes to
the address that was checked, so DNS cannot change its answer in between. Redirects are
followed by hand, each one checked again; the body is read up to a size cap.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from ..errors import FetchError, TooLargeError

HTML_TYPES = ("text/html", "application/xhtml+xml")
USER_AGENT = "propscan/0.1 (+offline propaganda analysis)"


@dataclass
class Fetched:
    url: str
    body: bytes
    content_type: str
    charset: str | None


def _is_public(ip: str) -> bool:
    addr = ipaddress.ip_address(ip)
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    return not (
        addr.is_private or addr.is_loopback or addr.is_link_local or addr.is_multicast
        or addr.is_reserved or addr.is_unspecified
    )


def resolve_checked(host: str, port: int, allow_private: bool, source: str) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve host {host!r} ({exc})", source=source) from None
    addresses = sorted({info[4][0] for info in infos})
    if not addresses:
        raise FetchError(f"host {host!r} has no address", source=source)
    if not allow_private:
        for ip in addresses:
            if not _is_public(ip):
                raise FetchError(
                    f"refused: {host} resolves to non-public address {ip}; private networks are not fetched",
                    source=source, cli_hint="use --allow-private to permit",
                )
    return addresses[0]


def fetch(url: str, *, timeout: float = 15.0, max_bytes: int = 5 * 1024 * 1024, max_redirects: int = 5,
          allow_private: bool = False) -> Fetched:
    import urllib3

    source = url
    for _ in range(max_redirects + 1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise FetchError(f"only http and https URLs are supported, not {parts.scheme or 'none'!r}", source=source)
        host = parts.hostname
        if not host:
            raise FetchError("URL has no host", source=source)
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise FetchError("URL has an invalid port", source=source) from None
        ip = resolve_checked(host, port, allow_private, source)
        kw = {"timeout": urllib3.Timeout(connect=timeout, read=timeout), "retries": False, "maxsize": 1}
        if parts.scheme == "https":
            pool = urllib3.HTTPSConnectionPool(ip, port, server_hostname=host, assert_hostname=host, **kw)
        else:
            pool = urllib3.HTTPConnectionPool(ip, port, **kw)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        netloc_host = host if ":" not in host else f"[{host}]"
        headers = {"Host": netloc_host if parts.port is None else f"{netloc_host}:{parts.port}",
                   "User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml"}
        try:
            resp = pool.urlopen("GET", path, headers=headers, redirect=False, preload_content=False)
        except urllib3.exceptions.HTTPError as exc:
            raise FetchError(f"unreachable ({type(exc).__name__}: {str(exc)[:120]})", source=source) from None
        try:
            if resp.status in (301, 302, 303, 307, 308):
                location = resp.headers.get("Location")
                if not location:
                    raise FetchError(f"redirect {resp.status} without a Location", source=source)
                url = urljoin(url, location)
                continue
            if resp.status >= 400:
                raise FetchError(f"server answered HTTP {resp.status}", source=source)
            ctype = resp.headers.get("Content-Type", "")
            mime = ctype.split(";")[0].strip().lower()
            if mime not in HTML_TYPES:
                raise FetchError(f"is not an HTML page (Content-Type {mime or 'missing'})", source=source)
            declared = resp.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise TooLargeError(f"response is {int(declared)} bytes, over the {max_bytes}-byte limit", source=source)
            body = bytearray()
            for chunk in resp.stream(65536):
                body += chunk
                if len(body) > max_bytes:
                    raise TooLargeError(f"response is over the {max_bytes}-byte limit", source=source)
            charset = None
            if "charset=" in ctype:
                charset = ctype.split("charset=")[-1].split(";")[0].strip().strip('"') or None
            return Fetched(url=url, body=bytes(body), content_type=mime, charset=charset)
        except urllib3.exceptions.HTTPError as exc:
            raise FetchError(f"failed while reading ({type(exc).__name__})", source=source) from None
        finally:
            resp.release_conn()
            pool.close()
    raise FetchError(f"more than {max_redirects} redirects", source=source)
