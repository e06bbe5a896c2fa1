"""Direct quotations found by their quote marks, which a reader trusts more than any model.

Handles straight and curly double quotes, guillemets (« » and » «), low-high German quotes
(„ “), curly single quotes and straight single quotes used as quotes, nested quotes (the outer
one is the quotation), and the newspaper convention for a quotation over several paragraphs (each
paragraph opens with a quote mark, only the last one closes; when that last mark is missing, the
quotation ends with the last paragraph that opened with one). Apostrophes (don't, the '90s,
rock 'n' roll, the Smiths' album) are never taken for quote marks. A mark with no partner before
the paragraph ends (and no continuing paragraph) quotes nothing.
"""

from __future__ import annotations

import re

# opener -> the closers that end it
PAIRS = {"“": "”", "„": "“”", "«": "»", "»": "«", '"': '"', "‘": "’", "'": "'"}
QUOTE_MARKS = "\"'“”‘’«»„"  # every mark PAIRS knows, opening or closing
_PARAGRAPH = re.compile(r"\n\s*\n")
MIN_SINGLE_CHARS = 4  # 'n' of rock 'n' roll is not a quotation


def _is_opener(text: str, i: int) -> bool:
    ch = text[i]
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if ch in "'’‘":
        # a quote opens after a space or an opening bracket/dash and before a letter; not inside a word
        return ch != "’" and (before.isspace() or before in "([—–-\"“") and after.isalpha()
    if ch == '"':
        return not after.isspace() and after != ""
    return True


def _is_closer(text: str, i: int, opener: str) -> bool:
    ch = text[i]
    if ch not in PAIRS[opener]:
        return False
    after = text[i + 1] if i + 1 < len(text) else " "
    before = text[i - 1] if i else " "
    if ch in "'’":
        # a closing single quote is followed by a space or punctuation, and is not a plural possessive
        # inside a quotation (the Smiths' album): that shows as "s' " followed by a lowercase word
        return not after.isalnum() and not before.isspace()
    if ch == '"':
        return not before.isspace()
    return True


def _paragraph_ends(text: str) -> list[int]:
    return [m.start() for m in _PARAGRAPH.finditer(text)] + [len(text)]


def find_quotes(text: str) -> list[tuple[int, int]]:
    """Character ranges of quotations, quote marks included, outermost only, in order."""
    out = []
    ends = _paragraph_ends(text)
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in PAIRS and _is_opener(text, i):
            end = _closing(text, i, ends)
            if end is not None and (ch not in "'‘" or end - i - 2 >= MIN_SINGLE_CHARS):
                out.append((i, end))
                i = end
                continue
        i += 1
    return out


def _closing(text: str, start: int, ends: list[int]) -> int | None:
    """End (exclusive) of the quotation opened at `start`, following it into later paragraphs
    when a paragraph ends inside it and the next one opens with the same mark."""
    opener = text[start]
    i = start + 1
    limit = next(e for e in ends if e > start)
    while True:
        j = i
        while j < limit:
            if j > start + 1 and _is_closer(text, j, opener):
                return j + 1
            if text[j] in PAIRS and text[j] != opener and text[j] not in PAIRS[opener] and _is_opener(text, j):
                inner = _closing(text, j, ends)  # a nested quotation: skip over it
                if inner is not None and inner <= limit:
                    j = inner
                    continue
            j += 1
        # the paragraph ended inside the quotation: continue only if the next one opens with the mark
        m = _PARAGRAPH.match(text, limit)
        if m is None or m.end() >= len(text) or text[m.end()] != opener:
            # after two or more paragraphs that each opened with the mark, the quotation ends with the
            # last of them even when its closing mark was lost (seen on real news); one alone quotes nothing
            return limit if i > start + 1 else None
        i = m.end() + 1
        limit = next((e for e in ends if e > i), len(text))
