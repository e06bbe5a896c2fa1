"""Turn what a web user sent (pasted text, HTML, a URL, an uploaded file) into a RawArticle.

The same ingest functions as the CLI do the work; this adds the server's limits. Every
failure is a PropscanError whose message names the problem, for a JSON error or an inline one.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import urlsplit

from ..errors import InputError, TooLargeError
from ..ingest.sources import HTML_SUFFIXES, TEXT_SUFFIXES, IngestOptions, RawArticle, from_html, from_text, read_url
from ..ingest.text import check_size, decode
from ..store.sqlite import now_iso

PASTED = "pasted"


@dataclass(frozen=True)
class Limits:
    max_chars: int = 200_000
    max_bytes: int = 5 * 1024 * 1024
    timeout: float = 15.0
    allow_private: bool = False


@dataclass(frozen=True)
class Intake:
    raw: RawArticle
    source_kind: str  # pasted, html, url or file
    fetched_at: str | None = None


def check_length(raw: RawArticle, limits: Limits) -> RawArticle:
    if len(raw.text) > limits.max_chars:
        raise TooLargeError(f"text is {len(raw.text):,} characters, over the server's {limits.max_chars:,}-character "
                            "limit (split it, or use the propscan command line)", source=raw.source)
    return raw


def from_pasted_text(text: str, limits: Limits) -> Intake:
    if not text.strip():
        raise InputError("text is empty: paste an article" if not text else "text is only whitespace: paste an article")
    return Intake(check_length(from_text(text, PASTED), limits), "pasted")


def from_pasted_html(html: str, url: str | None, limits: Limits) -> Intake:
    if not html.strip():
        raise InputError("html is empty")
    if url is not None:
        _require_http_url(url)
    return Intake(check_length(from_html(html, url or "pasted HTML", url=url), limits), "html")


def from_url(url: str, limits: Limits) -> Intake:
    """Blocking (network): call it from a worker thread."""
    _require_http_url(url)
    opts = IngestOptions(max_bytes=limits.max_bytes, timeout=limits.timeout, allow_private=limits.allow_private)
    fetched_at = now_iso()
    return Intake(check_length(read_url(url, opts), limits), "url", fetched_at)


def from_upload(filename: str, data: bytes, limits: Limits) -> Intake:
    name = PurePath(filename.replace("\\", "/")).name or "upload"
    suffix = PurePath(name).suffix.lower()
    if suffix not in TEXT_SUFFIXES + HTML_SUFFIXES:
        raise InputError(f"upload {name!r}: only .txt, .html and .htm files can be analysed")
    check_size(len(data), limits.max_bytes, name)
    text, _ = decode(data, name)
    raw = from_html(text, name) if suffix in HTML_SUFFIXES else from_text(text, name)
    return Intake(check_length(raw, limits), "file")


_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_NOT_IN_URLS = re.compile(r'[\x00-\x20\x7f"<>\\^`{|}]')  # RFC 3986 never allows these unescaped


def _real_host(host: str) -> bool:
    """An IP address, or a DNS name whose labels are letters, digits and inner hyphens (IDNA-encoded)."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return False
    labels = ascii_host.removesuffix(".").split(".")
    return len(ascii_host) <= 253 and all(_HOST_LABEL.match(label) for label in labels)


def _require_http_url(url: str) -> None:
    """The checks a URL must pass before it is fetched or stored as a page's address."""
    shown = url[:80]
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    try:
        port_ok = parts is not None and (parts.port is None or parts.port > 0)
    except ValueError:  # not a number, or over 65535
        port_ok = False
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise InputError(f"URL must be an http:// or https:// address, not {shown!r}")
    if _NOT_IN_URLS.search(url) or not port_ok or not parts.hostname or not _real_host(parts.hostname):
        raise InputError(f"URL {shown!r} is not a valid web address (a host name, no spaces, quotes or "
                         "angle brackets)")
