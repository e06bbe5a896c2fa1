"""Posts embedded in an article: a tweet's text, then its signature line.

Web news quotes social media by embedding the post, which extraction flattens to a paragraph followed
by "— Display Name (@handle) October 15, 2016". No quote marks and no cue say whose words they are,
so the tagger misses them, yet they are the clearest case of someone else's voice: the signer's.
"""

from __future__ import annotations

import re

from .polnear import Attribution

_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"
# "— Trump the Hill (@TrumpTheHill) October 15, 2016"; the name is what readers are shown
SIGNATURE = re.compile(rf"^[ \t]*[—–-]+[ \t]*(?P<name>[^\n(]{{1,60}}?)[ \t]*\(@\w{{1,30}}\)[ \t]*{_MONTH}[ \t]+\d{{1,2}},?[ \t]+\d{{4}}[ \t]*$",
                       re.MULTILINE)


def embedded_posts(text: str) -> list[tuple[Attribution, str]]:
    """Each post as an attribution (its text as content, the display name as source) with the name."""
    out = []
    for m in SIGNATURE.finditer(text):
        before = text[: m.start()].rstrip()
        start = before.rfind("\n") + 1  # the paragraph just before the signature is the post
        end = len(before)
        while start < end and text[start].isspace():
            start += 1
        if end - start < 2 or SIGNATURE.match(text, start):
            continue
        name = m.group("name").strip()
        out.append((Attribution((start, end), None, (m.start("name"), m.start("name") + len(name))), name))
    return out
