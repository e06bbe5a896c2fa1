"""What is never shown as a partisanship reason or a check-worthy claim: page furniture and clutter.

The models read every word of a page, its furniture included: photo captions and credits, the
wire service's dateline, the byline. Those move the scores (a Reuters dateline reads as
mainstream), but a reader cannot weigh "(AP Photo/Alex Brandon)" as a reason, nor a number, a
date, or words as common as "said the", and a caption is no claim to check. Each filter below
names one kind of clutter; a passage is shown only where none applies.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..guards import FUNCTION_WORDS

_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|"
          r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_WEEKDAY = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_AGENCY = r"(?:AP|Reuters|AFP|UPI|EPA|Getty|Pool|Bloomberg|CNN|Shutterstock)"
# "Photo by", "(AP Photo/Alex Brandon)", "Image via Michael B. Thomas/Getty Images", "Photo Credit:"
_CREDIT = re.compile(
    rf"\b(?:{_AGENCY}\s+)?(?:PHOTO|IMAGE|Photo(?:graph)?|Image|Illustration|Picture)s?\s*"
    rf"(?:/|:|\b(?:by|via|credit|Credit|courtesy|Courtesy|BY)\b)"
    rf"|\bGetty Images\b|\bShutterstock\b|\biStock(?:photo)?\b|\bPermission Details\b|\bCredit\s*:"
    rf"|\(\s*{_AGENCY}\s*(?:Photo|Images?)?\s*/"
    rf"|^\s*[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){{0,3}}\s*/\s*(?:{_AGENCY}|Getty Images)\W*$")  # "John Vizcaino/Reuters"
# a caption ends in a parenthesised credit, or with the wire photographers' date and place:
# "..., Tuesday, Feb. 28, 2017, in Washington." / "... on December 15, 2015 in Las Vegas, Nevada."
_CAPTION_END = re.compile(
    rf"(?:\([^()]*(?:Photo|Images?)[^()]*\)|\(\s*{_AGENCY}\s*/[^()]*\)"
    rf"|(?:{_WEEKDAY},\s+|\bon\s+){_MONTH}\s+\d{{1,2}},\s+\d{{4}},?\s+in\s+[A-Z][\w.,'’ -]*)\W*$")
# "WASHINGTON (Reuters) -", "SAN FRANCISCO (AP) —", "(AP) -", "NEW YORK —"
_DATELINE = re.compile(
    rf"^\s*(?:[A-Z]{{2}}[A-Z.'’-]*(?:[ ,]+[A-Z][A-Za-z.'’-]*){{0,3}}\s*(?:\([^()\n]{{1,30}}\))?|\(\s*{_AGENCY}\s*\))"
    r"\s*(?:-{1,2}|–|—)\s*(?=[\"“‘'(]?[A-Z0-9]|$)")
# "By Jane Doe", "By Kathryn Blackhurst, LifeZette:", "By ALICIA PARLAPIANO and ADAM PEARCE": the whole line
_BYLINE = re.compile(r"^\s*(?:(?:Written|Posted|Words|Reporting)\s+by|By|BY)\s+[A-Z][\w.'’-]*"
                     r"(?:(?:\s*[,;|/]\s*|\s+and\s+|\s+)[A-Z][\w.'’-]*){0,5}\s*[:;,.]?\s*$"
                     r"|\bcontributed(?: to)?(?: this report)?\W*$")
_WORD = re.compile(r"[^\W_]+(?:['’.][^\W_]+)*")
_NUMBER = re.compile(r"^(?:\d[\d,.]*(?:st|nd|rd|th|s|m|bn|k)?|[$£€]\d.*)$", re.IGNORECASE)
_DATE_WORD = re.compile(rf"^(?:{_MONTH}|{_WEEKDAY}|a\.m|p\.m)$", re.IGNORECASE)
# a word this common is in more than one training article in seven ("said", "took", "asked", "former"),
# where "racist" (3.5) and "liberals" (4.2) are not; names pass whatever their count ("Hillary", 2.4)
COMMON_IDF = 3.0
_COPYRIGHT = re.compile(r"©|\(c\)\s*\d{4}|\bCopyright\b|\bAll [Rr]ights [Rr]eserved\b|\bPrivacy Policy\b"
                        r"|\bmay not be (?:re)?published, broadcast")
_LINK = re.compile(r"https?://\S+|www\.\S+|\b[\w-]+\.(?:com|org|net)\b\S*|pic\.twitter\.com/\S+|[@#]\w+")
LINK_WORDS = 5  # "View the original article at www.example.com" is a link; a sentence around one is not
_PLATFORM = r"(?:Twitter|Facebook|Instagram|YouTube|LinkedIn)"
# an embedded tweet's signature, and invitations to follow or to look further down the page:
# "— Anonymous (@YourAnonNews) August 14, 2017", "Follow Dan Hanzus on Twitter", "Watch the clip below:"
_SOCIAL = re.compile(rf"\(@\w+\)\s*{_MONTH}\s+\d{{1,2}}(?:,\s+\d{{4}})?\W*$"
                     rf"|\b[Ff]ollow\s+(?:us|me|[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){{0,3}})\s+(?:on|at)\s+{_PLATFORM}"
                     r"|^\W*(?:Watch|Read|See|View|Listen to)\b.{0,60}\bbelow\W*$|^\W*Join the conversation\W*$")
# a reporter's e-mail address or telephone number: "bpadro@example.com or 407-232-0202"
_CONTACT = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b|\(?\b\d{3}\)?[ -]\d{3}-\d{4}\b")


# Each filter first looks for a word its pattern cannot match without (a plain substring test), so
# the ~40 sentences of an article pass all of them in about a millisecond.
_CREDIT_HINTS = ("Photo", "PHOTO", "Image", "IMAGE", "Illustration", "Picture", "Getty", "Shutterstock", "iStock",
                 "Permission", "Credit", "/")
_YEAR = re.compile(r", \d{4}")


def is_photo_credit(text: str) -> bool:
    """Credits a photo or image: "Photo by MaryHelen Avalos", "Image by twicepix", "Getty Images"."""
    return any(h in text for h in _CREDIT_HINTS) and bool(_CREDIT.search(text))


def is_caption(text: str) -> bool:
    """Describes a photo: ends with its credit in brackets, or with the wire's date and place."""
    return (")" in text or bool(_YEAR.search(text))) and bool(_CAPTION_END.search(text.strip()))


def dateline_length(text: str) -> int:
    """Characters of the dateline that opens ``text`` ("WASHINGTON (Reuters) - "), 0 if none."""
    m = _DATELINE.match(text)
    return m.end() if m and m.end() < len(text) else 0


def is_dateline(text: str) -> bool:
    """Only a dateline: "WASHINGTON (Reuters) -", "SAN FRANCISCO (AP) —"."""
    m = _DATELINE.match(text)
    return bool(m) and not text[m.end():].strip()


def is_byline(text: str) -> bool:
    """Names the author and nothing else: "By Jane Doe", "By Kathryn Blackhurst, LifeZette:", "Chanpong
    contributed to this report."."""
    return ("contributed" in text or "by" in text[:40].lower()) and bool(_BYLINE.search(text))


def is_number_or_date(text: str) -> bool:
    """Numbers and dates with at most one other word that is not a function word:
    "28, 2017, in Washington.", "2017", "$3 trillion"."""
    dated, others = False, 0
    for w in _WORD.findall(text):
        if _NUMBER.match(w) or _DATE_WORD.match(w):
            dated = True
        elif w.lower() not in FUNCTION_WORDS:
            others += 1
            if others > 1:
                return False
    return dated


def is_common_words(phrase: str, idf: dict[str, tuple[float, float]]) -> bool:
    """Only words many articles use, as the article writes them ("said the", "took", "asked"):
    function words, and words in lower case whose inverse document frequency in the training
    articles (``idf``: lower-cased word -> (idf, ...)) is low. A name is never common."""
    return all(w.lower() in FUNCTION_WORDS or w.islower() and w in idf and idf[w][0] < COMMON_IDF
               for w in _WORD.findall(phrase))


def is_copyright(text: str) -> bool:
    """"© 2016 The Associated Press.", "All Rights Reserved."."""
    return any(h in text for h in ("©", "(c)", "Copyright", "ights", "Privacy", "may not be")) and bool(_COPYRIGHT.search(text))


def is_link(text: str) -> bool:
    """Links, handles and hashtags with at most a few words: "https://t.co/dkiXGCDEwY",
    "Facebook: https://www.facebook.com/RealKitDaniels", "View the original article at www.prisonplanet.com"."""
    return (any(h in text for h in ("http", "www.", ".com", ".org", ".net", "@", "#")) and bool(_LINK.search(text))
            and len(_WORD.findall(_LINK.sub(" ", text))) <= LINK_WORDS)


def is_social(text: str) -> bool:
    """An embedded post's signature, or an invitation to follow or to look below: "— Anonymous
    (@YourAnonNews) August 14, 2017", "Follow Dan Hanzus on Twitter @DanHanzus .", "Watch the clip below:"."""
    return any(h in text for h in ("@", "ollow", "below", "Join")) and bool(_SOCIAL.search(text.strip()))


def is_contact(text: str) -> bool:
    """A reporter's address or telephone number: "Jim Morrill: 704-358-5059 , @jimmorrill"."""
    return ("@" in text or "-" in text) and bool(_CONTACT.search(text))


@lru_cache(maxsize=4096)  # claims and reasons ask about the same sentences
def is_furniture(text: str) -> bool:
    """Part of the page around the article rather than the article: caption, credit, byline,
    dateline, copyright line, link, social-media signature, contact line."""
    return (is_caption(text) or is_photo_credit(text) or is_byline(text) or is_dateline(text)
            or is_copyright(text) or is_link(text) or is_social(text) or is_contact(text))


def clutter(text: str, sentences: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The ranges of ``text`` no reason may come from: furniture sentences whole, and the
    dateline that opens a sentence (the rest of that sentence is the article's lead)."""
    out = []
    for s, e in sentences:
        piece = text[s:e]
        if is_furniture(piece):
            out.append((s, e))
        elif n := dateline_length(piece):
            out.append((s, s + n))
    return out


def shown_passage(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The part of a sentence a reader may be shown as a passage or a claim: the sentence without
    an opening dateline; None for furniture or a fragment of numbers and dates."""
    piece = text[start:end]
    if is_furniture(piece) or is_number_or_date(piece):
        return None
    return start + dateline_length(piece), end
