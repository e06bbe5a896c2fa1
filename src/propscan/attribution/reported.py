"""Which attributions are someone else's words or thoughts, as a reader means "quoted".

The tagger follows PolNeAR, which also annotates beliefs, intentions and deeds ("is targeting 500
elections", "has supported", "released"). A reader asks a narrower question: whose words are these?
So a passage is shown in another's voice only when it is a quotation (quote marks, longer than a
scare quote) or reported speech or thought after a verb of saying or thinking ("said", "told",
"believes", "according to"). Everything else is the author's narration.
"""

from __future__ import annotations

import re

from ..sentences import headline, sentence_bounds
from .link import MAX_CUE_GAP, gap, overlaps
from .polnear import Attribution
from .quotes import QUOTE_MARKS

# Verbs of saying and thinking, as base forms; inflections are made below. Chosen for precision:
# verbs of doing that PolNeAR also annotates (release, support, target, back, call for) are left out.
SAYING = """say tell state claim argue add write insist warn announce explain note ask reply respond answer suggest
acknowledge admit deny declare vow promise predict contend assert maintain allege report tweet comment testify
recall confirm concede complain accuse urge demand proclaim exclaim shout yell scream whisper mutter joke quip boast
brag lament remark observe emphasize emphasise stress reiterate repeat retort caution threaten pledge swear
assure reassure inform advise recommend propose reveal disclose imply opine posit agree disagree
protest plead rant mock scoff sneer speculate conclude""".split()
THINKING = """think believe feel hope fear worry expect suspect doubt wonder reckon assume presume imagine guess
suppose""".split()
# cues that are phrases rather than one verb ("according to", "in a statement")
PHRASES = ("according to", "in a statement", "in an interview", "in a letter", "in an op-ed", "in a tweet",
           "in a post", "told reporters", "quoted as")

_IRREGULAR = {"say": ["said"], "tell": ["told"], "write": ["wrote", "written"], "think": ["thought"],
              "feel": ["felt"], "swear": ["swore", "sworn"], "plead": ["pled"]}


def _forms(verb: str) -> set[str]:
    """A regular verb's inflections, good enough for a closed list ("argue" -> argues, argued, arguing)."""
    stem = verb[:-1] if verb.endswith("e") else verb
    out = {verb, verb + ("es" if verb.endswith(("s", "sh", "ch", "x")) else "s"), stem + "ing", *_IRREGULAR.get(verb, [])}
    if re.search(r"[^aeiou][aeiou][bdgklmnprt]$", verb):  # admit -> admitted, admitting; plan -> planned
        out |= {verb + verb[-1] + "ed", verb + verb[-1] + "ing"}
    if verb.endswith("y") and verb[-2] not in "aeiou":
        out |= {verb[:-1] + "ies", verb[:-1] + "ied"}
    else:
        out.add(verb + "d" if verb.endswith("e") else verb + "ed")
    return out


REPORTING_WORDS = frozenset(f for v in SAYING + THINKING for f in _forms(v))
_WORD = re.compile(r"[a-z]+")


def is_reporting_cue(cue: str) -> bool:
    """A cue made with a verb of saying or thinking ("said", "told reporters", "according to",
    "has long believed"); not a deed ("is targeting"), a noun ("warnings") or bare punctuation (":")."""
    low = " ".join(cue.lower().replace("’", "'").split())
    return any(p in low for p in PHRASES) or any(w in REPORTING_WORDS for w in _WORD.findall(low))


MIN_WORDS = 4  # reported speech: "too timid to say no to her" reports nothing
# a quotation no cue of saying stands beside: shorter ones were headlines and the author's own
# scare quotes ("keeping American citizens safe", "four Pinocchios") on the tuning half of the real-news set
LONE_QUOTE_WORDS = 5
_WORDS = re.compile(r"\w+")
MIN_QUOTE_WORDS = 3  # a quotation: "“The View,”" after "tweeted" is a title, not what was tweeted


def _outside(content: tuple[int, int], cue: tuple[int, int], source: tuple[int, int] | None) -> list[tuple[int, int]]:
    """A content that took in its own cue and source ("ratings remain low, Bannon said," or
    "A," she told us. "B.") is the words on either side of them."""
    inner = [r for r in (cue, source) if r and overlaps(r, content)]
    if not inner:
        return [content]
    return [(content[0], min(r[0] for r in inner)), (max(r[1] for r in inner), content[1])]


_LEADING = re.compile(r"(?:(?:and|but)\s+)?that\s+|(?:--|—|–)\s*", re.IGNORECASE)  # used with .match(text, pos)
_OPENERS, _CLOSERS = "\"“‘«„", "\"”’»"


def _word_edges(text: str, start: int, end: int) -> tuple[int, int]:
    """A passage never starts or ends inside a word (a token run that took half a word gives it
    up), nor with the "that" that introduces reported speech, nor with a quote mark that opens
    or closes nothing inside it ('Trump. “' left over beside a cue)."""
    for _ in range(4):
        while start < end and start > 0 and text[start - 1].isalnum() and text[start].isalnum():
            start += 1
        while end > start and end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
            end -= 1
        while start < end and (text[start].isspace() or text[start] in ",;:.)"):  # ", turnout rose" after "According to X"
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        m = _LEADING.match(text, start, end)
        if m:
            start = m.end()
        piece = text[start:end]
        if piece[:1] in _CLOSERS and not any(c in _OPENERS for c in piece[1:]) and piece[:1] != '"':
            start += 1
        elif piece[-1:] in _OPENERS and not any(c in _CLOSERS for c in piece[:-1]) and piece[-1:] != '"':
            end -= 1
        elif piece.count('"') % 2 and piece[:1] == '"' and '"' not in piece[1:]:
            start += 1
        elif piece.count('"') % 2 and piece[-1:] == '"' and '"' not in piece[:-1]:
            end -= 1
        else:
            break
    return start, end


# a clause, not a noun phrase ("his decision to send more troops" after "praised" is no speech):
# reported speech without quote marks holds a finite verb, seen here as an auxiliary, a modal or a
# past tense that no determiner stands before ("the supposed pointlessness")
_FINITE = re.compile(r"\b(?:is|are|was|were|am|be|been|has|have|had|do|does|did|will|would|can|could|shall|should|"
                     r"may|might|must|won't|can't|isn't|aren't|wasn't|weren't|doesn't|don't|didn't|hasn't|haven't|"
                     r"wouldn't|couldn't|shouldn't|[a-z]+n't|[a-z]+'(?:re|ll|ve|d)|(?:it|he|she|that|there|what|who)'s)\b",
                     re.IGNORECASE)  # not "Trump's": a possessive
_PAST = re.compile(r"(?<!\bthe )(?<!\ba )(?<!\ban )(?<!\bhis )(?<!\bher )(?<!\btheir )(?<!\bits )\b[a-z]{3,}ed\b")


_IRREGULAR_PAST = frozenset("""went came ran shot took gave made said told got saw knew thought left kept felt paid lost won met
sent built spent held brought bought began became wrote broke chose fell fought found led meant put set sat stood
struck understood wore hit cut let quit hid drove flew grew threw ate drank forgot sold spoke stole swore taught woke
""".split())
_SUBJECT_START = re.compile(r"^(?:he|she|they|we|i|you|it|there)\b", re.IGNORECASE)
_NAME_VERB = re.compile(r"^(?:[A-Z][\w.'’-]*\s+){1,3}[a-z]+s\b")  # "Mrs. Clinton wants", "Moore has"


def is_clause(piece: str) -> bool:
    piece = re.sub(r"[\"“”«»„]|(?<!\w)['‘’]|['‘’](?!\w)", "", piece).replace("’", "'").strip()
    words = set(re.findall(r"[a-z]+", piece))
    return bool(_FINITE.search(piece) or _PAST.search(piece) or _SUBJECT_START.match(piece)
                or _NAME_VERB.search(piece) or words & _IRREGULAR_PAST)


def _whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        end += 1
    return start, end


def _without_stubs(text: str, start: int, end: int) -> tuple[int, int]:
    """A passage that took in the tail of the sentence before it ('Trump. “We will ...') or the
    head of the one after gives up that stub of fewer than three words."""
    bounds = sentence_bounds(text[start:end])
    if len(bounds) > 1 and len(_WORDS.findall(text[start + bounds[0][0] : start + bounds[0][1]])) < 3:
        start += bounds[1][0]
        bounds = bounds[1:]
    if len(bounds) > 1 and len(_WORDS.findall(text[start + bounds[-1][0] : start + bounds[-1][1]])) < 3:
        end = start + bounds[-2][1]
    return start, end


_PASSIVE = re.compile(r"\b(?:is|are|was|were|be|been|being)\s+(?:\w+ly\s+|already\s+|not\s+)?(\w+)\b")
_SENTENCE_END = re.compile(r"[.!?][\"”’)]?\s|\n")


def is_passive(cue: str) -> bool:
    """"was promised to", "is said", "were told": whoever is named beside it did not say it."""
    m = _PASSIVE.search(cue.lower().replace("’", "'"))
    return bool(m) and m.group(1) in REPORTING_WORDS and not m.group(1).endswith("ing")


def _between(text: str, a: tuple[int, int], b: tuple[int, int]) -> str:
    return text[min(a[1], b[1]) : max(a[0], b[0])] if not overlaps(a, b) else ""


def _nearest_content(text: str, contents: list[tuple[int, int]], cue: tuple[int, int]) -> tuple[int, int] | None:
    """The content a cue reports: the nearest one in its own paragraph ("According to a chef, the
    report is made up" reports what follows, not the end of the paragraph before)."""
    near = [c for c in contents if "\n" not in _between(text, c, cue) and not overlaps(c, cue)]
    best = min(near, key=lambda c: gap(c, cue), default=None)
    return best if best is not None and gap(best, cue) <= MAX_CUE_GAP else None


_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I’m|I've|I’ve|we|We|my|My|our|Our|me|us)\b")
_SIGNATURE = re.compile(r"^[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}$")  # "Maria Delgado" alone on a line


def _opens_statement(text: str, cue: tuple[int, int]) -> bool:
    """A cue that ends its line with a colon ("In it, she wrote:") introduces a letter or statement
    quoted whole, without quote marks, in the paragraphs that follow."""
    rest = text[cue[1] : cue[1] + 3].lstrip(" \t")
    return text[cue[0] : cue[1]].rstrip().endswith(":") and rest[:1] in ("\n", "\r") or rest.startswith(":\n")


def statement_block(text: str, after: int) -> tuple[int, int] | None:
    """The paragraphs after `after` that speak in the first person, up to a signature or the first
    paragraph that does not (the article's own voice again)."""
    start = end = None
    for m in re.finditer(r"[^\r\n]+", text[after:]):
        line = m.group().strip()
        if not line or line == ":":
            continue
        if _SIGNATURE.match(line) or not _FIRST_PERSON.search(line):
            break
        if start is None:
            start = after + m.start() + (len(m.group()) - len(m.group().lstrip()))
        end = after + m.start() + len(m.group().rstrip())
    return (start, end) if start is not None else None


_PREPOSITION_END = re.compile(r"\s(?:on|in|at|to|during|for|with|from)$", re.IGNORECASE)


def _venue(text: str, cue: tuple[int, int], content: tuple[int, int]) -> bool:
    """A content that follows a cue ending in a preposition names a place, a programme or a listener."""
    return bool(_PREPOSITION_END.search(text[cue[0] : cue[1]])) and 0 <= content[0] - cue[1] <= 3


def reported(text: str, found: list[Attribution], quotes: list[tuple[int, int]]) -> list[Attribution]:
    """The attributions a reader would call someone else's words or thoughts, once per content.

    Reported speech or thought: a cue of saying or thinking, active ("was promised" is not), with a
    source in the same sentence; the content it reports is the nearest in its paragraph, and is
    kept whole. Otherwise only the quotations inside a content (longer than a scare quote) are kept,
    with no cue or source: quote marks say the words are someone's, but a cue such as "contains" or
    "is targeting" does not say whose."""
    long_quotes = [q for q in quotes if len(_WORDS.findall(text[q[0] : q[1]])) >= LONE_QUOTE_WORDS]
    contents = sorted({a.content for a in found if a.content is not None})
    blocks = []
    chosen: dict[tuple[int, int], Attribution] = {}
    for a in found:
        if a.cue is None or a.source is None:
            continue
        a = Attribution(a.content, _whole_words(text, *a.cue), a.source)  # "wee" of "tweeted" is "tweeted"
        cue = text[a.cue[0] : a.cue[1]]
        if not is_reporting_cue(cue) or is_passive(cue) or _SENTENCE_END.search(_between(text, a.source, a.cue)):
            continue
        if any(q[0] <= a.source[0] and a.source[1] <= q[1] for q in quotes):
            continue  # a source inside quote marks ("[Reagan]", "Flashlights?") is part of what was said
        if _opens_statement(text, a.cue):
            content = statement_block(text, a.cue[1])
        elif a.content and "\n" not in _between(text, a.content, a.cue):
            content = a.content
        else:
            content = _nearest_content(text, contents, a.cue)
        if content is not None and _venue(text, a.cue, content):
            continue  # 'said on “State of the Union”': where it was said, not what
        if content is not None and (content not in chosen or gap(content, a.cue) < gap(content, chosen[content].cue)):
            chosen[content] = Attribution(content, a.cue, a.source)
            if content not in contents:
                blocks.append(content)
    contents = sorted(set(contents) | set(blocks), key=lambda c: (c[0], -c[1]))  # a block before what lies in it
    top = headline(text)
    out, taken = [], []
    for content in contents:
        said = chosen.get(content)
        if said is not None:
            pieces = [(p, said.cue, said.source) for p in _outside(content, said.cue, said.source)]
        else:
            pieces = [(q, None, None) for q in long_quotes if overlaps(q, content)]
        for piece, cue, source in pieces:
            piece = _word_edges(text, *_without_stubs(text, *piece))
            words = len(text[piece[0] : piece[1]].split())
            quoted = text[piece[0] : piece[0] + 1] in QUOTE_MARKS
            if words < (MIN_QUOTE_WORDS if quoted else MIN_WORDS) or any(overlaps(piece, t) for t in taken):
                continue
            if not quoted and (not is_clause(text[piece[0] : piece[1]]) or top and overlaps(piece, top)):
                continue  # a noun phrase; or the headline, which reports nobody's words
            taken.append(piece)
            out.append(Attribution(piece, cue, source))
    return sorted(out, key=lambda a: a.content)
