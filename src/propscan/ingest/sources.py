"""Resolve what the user named (file, folder, URL, `-`) into article texts.

One function per kind of source; each raises a PropscanError naming the source, so a
multi-source run can report a bad one and carry on with the rest.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import InputError, PropscanError
from ..render.snippets import clipped
from ..sentences import sentence_bounds
from . import fetch as fetching
from .html import extract_article
from .text import DEFAULT_MAX_BYTES, check_size, decode, replace_surrogates, require_text

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")
MAX_TITLE_CHARS = 120


@dataclass
class IngestOptions:
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: float = 15.0
    max_redirects: int = 5
    allow_private: bool = False


@dataclass
class RawArticle:
    source: str
    text: str
    title: str
    kind: str  # text, html, url or stdin
    warnings: list[str] = field(default_factory=list)


def domain_of(url: str) -> str:
    """The host of a URL without "www." ('' for anything that is not a URL)."""
    try:
        return (urlsplit(url).hostname or "").removeprefix("www.")
    except ValueError:
        return ""


def is_url(source: str) -> bool:
    return "://" in source and not Path(source).exists()


def expand_sources(sources: list[str]) -> list[str | PropscanError]:
    """Files, URLs and `-` as given; each folder replaced by its .txt/.html files (or an error)."""
    out: list[str | PropscanError] = []
    for src in sources:
        path = Path(src)
        if src != "-" and not is_url(src) and path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES + HTML_SUFFIXES)
            if not found:
                out.append(InputError("folder has no .txt or .html articles", source=src))
            out.extend(str(p) for p in found)
        else:
            out.append(src)
    return out


def title_of_plain_text(text: str) -> str:
    """The first line; when that is long (no headline), its first sentence; cut at a word with an
    ellipsis when still over MAX_TITLE_CHARS."""
    for line in text.splitlines():
        line = " ".join(line.split())
        if not line:
            continue
        if len(line) > MAX_TITLE_CHARS:
            first = sentence_bounds(line)[0]  # the line has text, so one sentence at least
            line = line[first[0] : first[1]]
        return clipped(line, MAX_TITLE_CHARS)
    return ""


def from_text(text: str, source: str, kind: str = "text") -> RawArticle:
    require_text(text, source)
    text, warning = replace_surrogates(text)
    return RawArticle(source=source, text=text, title=title_of_plain_text(text), kind=kind,
                      warnings=[warning] if warning else [])


def from_html(html: str, source: str, url: str | None = None, kind: str = "html") -> RawArticle:
    html, warning = replace_surrogates(html)
    title, text = extract_article(html, source, url)
    return RawArticle(source=source, text=text, title=title, kind=kind, warnings=[warning] if warning else [])


def read_file(path: Path, opts: IngestOptions) -> RawArticle:
    source = str(path)
    if not path.exists():
        raise InputError("no such file", source=source)
    if path.is_dir():
        raise InputError("is a folder; give the folder itself as a source to analyse its articles", source=source)
    check_size(path.stat().st_size, opts.max_bytes, source)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror})", source=source) from None
    if path.suffix.lower() in HTML_SUFFIXES:
        html, _ = decode(data, source)
        return from_html(html, source)
    text, _ = decode(data, source)
    return from_text(text, source)


def read_stdin(opts: IngestOptions) -> RawArticle:
    data = sys.stdin.buffer.read(opts.max_bytes + 1)
    check_size(len(data), opts.max_bytes, "<stdin>")
    text, _ = decode(data, "<stdin>")
    if text.lstrip()[:15].lower().startswith(("<!doctype html", "<html")):
        return from_html(text, "<stdin>", kind="stdin")
    return from_text(text, "<stdin>", kind="stdin")


def read_url(url: str, opts: IngestOptions) -> RawArticle:
    got = fetching.fetch(url, timeout=opts.timeout, max_bytes=opts.max_bytes,
                         max_redirects=opts.max_redirects, allow_private=opts.allow_private)
    html = None
    if got.charset:
        try:
            html = got.body.decode(got.charset)
        except (LookupError, UnicodeDecodeError):
            html = None
    if html is None:
        html, _ = decode(got.body, url)
    return from_html(html, url, url=got.url, kind="url")


def read_source(source: str, opts: IngestOptions | None = None) -> RawArticle:
    opts = opts or IngestOptions()
    if source == "-":
        return read_stdin(opts)
    if is_url(source):
        return read_url(source, opts)
    return read_file(Path(source), opts)
