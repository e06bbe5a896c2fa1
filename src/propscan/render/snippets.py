"""Passages a report lists (claims, reasons): on one line, cut at a word with an ellipsis where
too long, and inside quote marks once.

A claim is a whole sentence, so it may itself open with a quotation ("“We will win,” she said.");
wrapping it in quote marks again showed ““We.
"""

from __future__ import annotations

from html import escape

from ..guards import OPENING_QUOTES

ELLIPSIS = "…"


def one_line(text: str) -> str:
    return " ".join(text.split())


def clipped(text: str, limit: int) -> str:
    """``text`` on one line, at most ``limit`` characters: cut at the last word that fits, with an
    ellipsis to show the cut (a single word longer than the limit is cut inside)."""
    line = one_line(text)
    if len(line) <= limit:
        return line
    head = line[: limit - len(ELLIPSIS) + 1]  # +1: a space just after the last word that fits
    cut = head.rsplit(" ", 1)[0] if " " in head else head[:-1]
    return cut.rstrip(" ,;:-–—") + ELLIPSIS


def opens_with_quote(text: str) -> bool:
    return text.lstrip()[:1] in OPENING_QUOTES if text.strip() else False


def quoted_html(text: str) -> str:
    """The passage, escaped, in a <q> (which the browser shows in quote marks) unless it opens
    with a quote mark of its own, when it is shown as written."""
    if opens_with_quote(text):
        return f'<span class="ps-cited">{escape(text)}</span>'
    return f"<q>{escape(text)}</q>"
