"""Tagged spans (sources, cues, contents) and quotations joined into attributions, and each
source resolved to a name where it is a pronoun or a description.

Joining: each cue takes the nearest content and the nearest source beside it; a content no cue
takes stands alone. A quotation found by its quote marks is a content whatever the tagger says (a
tagged content that overlaps it grows to hold it whole), unless it is a scare quote: three words or
fewer with no cue beside it (the so-called "experts" is the author speaking).
"""

from __future__ import annotations

import re

from ..doc import Attribution as DocAttribution
from ..doc import Speaker
from ..sentences import sentence_bounds
from .polnear import Attribution

MAX_CUE_GAP = 250  # characters between a content and its cue
MAX_SOURCE_GAP = 120  # between a cue and its source
_NAME = re.compile(r"\b[A-Z][\w'’.-]+(?:\s+(?:[A-Z][\w'’.-]+|de|van|von|al))*\s+[A-Z][\w'’-]+\b")
PRONOUNS = frozenset("he she they we i it his her their him them its".split())
DETERMINERS = ("the", "this", "that", "his", "her", "their", "its")  # "a chef" is someone new, not one of these
_DESCRIPTION = re.compile(rf"^(?:{'|'.join(DETERMINERS)})\s", re.IGNORECASE)
_INDEFINITE = re.compile(r"^(?:a|an)\s", re.IGNORECASE)
# a name ending in one of these is a place, which says nothing ("Quay Road" never said it)
PLACE_WORDS = frozenset("street road avenue lane way drive boulevard square bridge river park bay harbour harbor "
                        "county island mountain valley beach airport station".split())
# multi-word places a news article names as often as its speakers ("in New Hampshire, she said")
PLACES = frozenset(p.lower() for p in (
    "New Hampshire", "New Jersey", "New Mexico", "New York", "North Carolina", "North Dakota", "South Carolina",
    "South Dakota", "West Virginia", "Rhode Island", "Puerto Rico", "District of Columbia", "Washington DC",
    "Washington D.C.", "Los Angeles", "San Francisco", "San Diego", "Las Vegas", "New Orleans", "Des Moines",
    "United States", "United Kingdom", "Great Britain", "South Africa", "North Korea", "South Korea",
    "New Zealand", "Saudi Arabia", "Hong Kong", "Middle East", "Latin America", "Silicon Valley", "Trump Tower"))
# not places here: "the White House said", "Wall Street expects" name who speaks


def _gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, max(a[0], b[0]) - min(a[1], b[1]))


def _merge_quotes(contents: list[tuple[int, int]], quotes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = list(contents)
    for q in quotes:
        hits = [i for i, c in enumerate(out) if overlaps(c, q)]
        if not hits:
            out.append(q)
            continue
        start = min([q[0]] + [out[i][0] for i in hits])
        end = max([q[1]] + [out[i][1] for i in hits])
        out = [c for i, c in enumerate(out) if i not in hits] + [(start, end)]
    return sorted(out)


MIN_CONTENT_WORDS = 3  # a tagged "content" of a word or two is noise
SCARE_QUOTE_WORDS = 3  # a quotation this short with no cue beside it is the author's scare quote ("experts")
CUE_NEAR = 40


def _said(quotes: list[tuple[int, int]], cues: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    """Quotations that report someone's words: long ones, and short ones with a cue beside them."""
    return [q for q in quotes if len(text[q[0] : q[1]].split()) > SCARE_QUOTE_WORDS
            or any(_gap(q, c) <= CUE_NEAR for c in cues)]


_QUOTE_MARKS = "\"'“”‘’«»„"
_FILLER = re.compile(r"[\s,\-–—\"'“”‘’«»„]*")  # no sentence end: "A," he said. "B" is two contents


def _join_interrupted(text: str, contents: list[tuple[int, int]], cues: list[tuple[int, int]],
                      sources: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A content its own cue interrupts ("Judge," Brafman said, "I have never ...") is one content,
    as PolNeAR annotates it: two neighbouring contents join when what lies between them is a cue,
    perhaps a source, and commas, dashes or quote marks. On the tuning tenth: pairing +0.018,
    content F1 unchanged (joining across full stops as well cost 0.005)."""
    out: list[tuple[int, int]] = []
    for c in sorted(contents):
        if out and _interruption(text, out[-1][1], c[0], cues, sources):
            out[-1] = (out[-1][0], max(out[-1][1], c[1]))
        else:
            out.append(c)
    return out


def _interruption(text: str, start: int, end: int, cues: list[tuple[int, int]], sources: list[tuple[int, int]]) -> bool:
    inside = sorted(x for x in cues + sources if start <= x[0] and x[1] <= end)
    if "\n" in text[start:end] or not any(c in inside for c in cues):
        return False
    # the first piece breaks off with a comma or a dash ("Judge," Brafman said), not a full stop
    if not text[max(0, start - 2) : inside[0][0]].rstrip().rstrip(_QUOTE_MARKS).endswith((",", "—", "–", "-")):
        return False
    rest, at = [], start
    for a, b in inside:
        rest.append(text[at:a])
        at = b
    rest.append(text[at:end])
    return all(_FILLER.fullmatch(piece) for piece in rest)


def link(text: str, spans: list[tuple[str, int, int]], quotes: list[tuple[int, int]]) -> list[Attribution]:
    """Every cue joins its nearest content and the source nearest to it; a content no cue chose
    stands alone (the article reports it, and does not say who said it). A content several cues
    chose is listed once per cue, the nearest first: dropping the others cost 0.04-0.05 cue and
    source F1 on the tuning tenth of PolNeAR train."""
    cues = [(s, e) for r, s, e in spans if r == "Cue"]
    sources = [(s, e) for r, s, e in spans if r == "Source"]
    said = _said(quotes, cues, text)
    joined = _join_interrupted(text, _merge_quotes([(s, e) for r, s, e in spans if r == "Content"], said), cues, sources)
    contents = [c for c in joined if len(text[c[0] : c[1]].split()) >= MIN_CONTENT_WORDS or any(overlaps(c, q) for q in said)]
    out, claimed = [], set()
    for cue in cues:
        content = min(contents, key=lambda c: _gap(c, cue), default=None)
        if content is None or _gap(content, cue) > MAX_CUE_GAP:
            continue
        source = min(sources, key=lambda x: _gap(x, cue), default=None)
        if source is not None and (_gap(source, cue) > MAX_SOURCE_GAP or overlaps(source, content)
                                   and not overlaps(cue, content)):
            source = None
        out.append(Attribution(content, cue, source))
        claimed.add(content)
    out += [Attribution(c, None, None) for c in contents if c not in claimed]
    # a content several cues chose comes first with its nearest cue: readers are shown that one's speaker
    return sorted(out, key=lambda a: (a.content, _gap(a.cue, a.content) if a.cue else MAX_CUE_GAP + 1))


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def needs_resolving(source: str) -> bool:
    """A pronoun, or a description that is not someone's ("the mayor's supporters" stays as it is)."""
    if re.search(r"\w['’]s\b", source):
        return False
    words = source.lower().split()
    return bool(words) and (words[0] in PRONOUNS and len(words) == 1 or bool(_DESCRIPTION.match(source))
                            and not _NAME.search(source))


def resolve(text: str, source: tuple[int, int], earlier_names: list[tuple[int, int]] | None = None,
            newcomers: list[int] | None = None) -> Speaker:
    """The source as a Speaker; a pronoun or a definite description ("he", "the senator") takes the
    nearest name before it that is not a place, or stays unresolved: when nothing comes before it,
    or when nearer than any name an earlier source brought in someone unnamed ("a television chef
    ..., he says": he is the chef). ``newcomers``: where such sources end."""
    s, e = source
    said = text[s:e]
    if not needs_resolving(said):
        return Speaker(s, e, said, None)
    names = [n for n in (earlier_names if earlier_names is not None else names_in(text)) if n[1] <= s and not _place(text[n[0] : n[1]])]
    titled = [n for n in names if _words(said) & _words(text[n[0] : n[1]])]  # "the mayor": Mayor Delia Voss
    if titled:
        return Speaker(s, e, said, text[titled[-1][0] : titled[-1][1]])
    unnamed = max((end for end in newcomers or [] if end <= s), default=-1)
    if not names or unnamed > names[-1][1]:
        return Speaker(s, e, said, None)
    return Speaker(s, e, said, text[names[-1][0] : names[-1][1]])


def _place(name: str) -> bool:
    return name.split()[-1].lower() in PLACE_WORDS or " ".join(name.split()).lower() in PLACES


def _words(phrase: str) -> set[str]:
    return {w for w in re.findall(r"\w+", phrase.lower()) if len(w) > 2} - set(DETERMINERS)


def names_in(text: str) -> list[tuple[int, int]]:
    """Multi-word capitalised names (Hillary Clinton, the Washington Post's Bob Woodward ...), each
    inside one sentence ("Quay Road. The" is no name; "Sen. Ted Cruz" and "Jan. 25" stay whole)."""
    return [m.span() for s, e in sentence_bounds(text) for m in _NAME.finditer(text, s, e)]


def for_document(text: str, found: list[Attribution]) -> list[DocAttribution]:
    """Attributions as the document keeps them, with each source resolved to a speaker."""
    names = names_in(text)
    newcomers = [a.source[1] for a in found if a.source and _INDEFINITE.match(text[a.source[0] : a.source[1]])]
    return [DocAttribution(a.content, a.cue, resolve(text, a.source, names, newcomers) if a.source else None)
            for a in found if a.content is not None]
