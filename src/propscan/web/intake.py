"""Turn what a web user sent (pasted text, HTML, a URL, an uploaded file) into a RawArticle.

The same ingest functions as the CLI do the work; this adds the server's limits. Every
failure is a PropscanError whose message names the problem, for a JSON error or an inline one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

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


def _require_http_url(url: str) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise InputError(f"URL must be an http:// or https:// address, not {url[:80]!r}")
