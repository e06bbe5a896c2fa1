"""Precision guards: rules a reader would apply to a highlight before trusting it.

The tagger's errors that cost most trust are small and visible: "the" flagged as name calling, a
span starting with a comma, "by the" hanging in front of "evil, foolish law", Repetition on a
phrase that occurs once. These rules run after decoding, on every span, in prediction and in
cross-validation tuning alike (`benchmarks/guards.py` measures what each one changes).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, fields

# Closed-class English words: articles, pronouns, prepositions, conjunctions, auxiliaries.
FUNCTION_WORDS = frozenset("""
a an the this that these those some any each every no all both either neither such what which whose
i me my mine we us our ours you your yours he him his she her hers it its they them their theirs one
myself ourselves yourself yourselves himself herself itself themselves who whom
of in on at by for with from to into onto upon about above below over under between among through
during before after since until till against within without around across along toward towards
behind beyond off out up down via per than as like
and or but nor so yet if then else because while whereas although though unless whether
is am are was were be been being do does did doing have has had having will would shall should
can could may might must ought
not n't 's 're 've 'd 'll 'm there here where when why how very just too also only even
""".split())
# contractions of the words above ("It's" as Flag-waving is the same bug as "the"), with either apostrophe
_CONTRACTIONS = """it's that's there's here's what's who's he's she's let's i'm i've i'd i'll we're we've we'd we'll
you're you've you'd you'll they're they've they'd they'll he'd he'll she'd she'll it'll that'll isn't aren't wasn't
weren't don't doesn't didn't hasn't haven't hadn't won't wouldn't can't couldn't shouldn't mustn't""".split()
FUNCTION_WORDS = FUNCTION_WORDS | {w for c in _CONTRACTIONS for w in (c, c.replace("'", "’"))}
OPENING_QUOTES = "\"'“‘«‹„"
CLOSING_QUOTES = "\"'”’»›“"
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
# Techniques marked on single words or short phrases: a leading determiner or preposition is
# never part of what annotators mark for these. (Sentence-level techniques keep their sentence.)
WORD_LEVEL = frozenset({"Loaded_Language", "Name_Calling,Labeling", "Flag-Waving", "Repetition"})


# Fixed expressions of political news that a highlight must not cut ("a social" out of "a social
# justice warrior"). Written for propscan (PTC's own spans repeat too rarely to learn them from).
MULTIWORD_EXPRESSIONS = (
    "social justice warrior", "fake news", "fake news media", "deep state", "mainstream media", "radical left",
    "far left", "far right", "alt right", "alt-right", "open borders", "open border", "illegal aliens",
    "illegal alien", "illegal immigrants", "witch hunt", "drain the swamp", "lock her up", "cancel culture",
    "woke mob", "globalist elite", "coastal elite", "political correctness", "politically correct",
    "virtue signalling", "virtue signaling", "identity politics", "big government", "nanny state",
    "welfare queen", "death panels", "radical islam", "radical islamic terrorism", "enemy of the people",
    "sanctuary cities", "sanctuary city", "chain migration", "anchor babies", "white supremacist",
    "white privilege", "hate speech", "useful idiots", "useful idiot", "basket of deplorables", "police state",
    "banana republic", "gun grabbers", "baby killers", "war on women", "war on christmas", "crooked hillary",
    "lying media", "swamp creatures", "snowflake generation", "thought police", "mob rule",
)
_EXPRESSION = re.compile(r"\b(?:" + "|".join(re.escape(x) + "s?" for x in sorted(MULTIWORD_EXPRESSIONS, key=len,
                                                                                        reverse=True)) + r")\b",
                         re.IGNORECASE)


@dataclass(frozen=True)
class GuardOptions:
    """Each rule can be switched off, so its effect can be measured on its own."""

    trim_edges: bool = True
    drop_function_only: bool = True
    repetition_needs_repeat: bool = True  # the phrase recurs in the article, or a word recurs inside it
    trim_leading_function_words: bool = True  # and trailing ones of any technique: 'band of' -> 'band'
    grow_to_expressions: bool = True
    whole_words: bool = True  # 'called "transport' inside 'so-called' grows to the whole compound
    balance_quotes: bool = True  # a quote opened inside a span is closed inside it
    join_neighbours: bool = True  # 'Fighter' + 'Follower' of 'A Fighter, Not a Follower' -> one span
    whole_names: bool = True  # a name-calling span that cuts a capitalised name grows to it ('Crooked Hillary')

    @classmethod
    def off(cls) -> GuardOptions:
        return cls(**{f.name: False for f in fields(cls)})


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def only_function_words(fragment: str) -> bool:
    """No content word: nothing but function words, numbers and punctuation."""
    return all(w.lower() in FUNCTION_WORDS or w.isdigit() for w in words(fragment))


def _quoted(text: str, start: int, end: int) -> bool:
    return end - 1 > start and text[start] in OPENING_QUOTES and text[end - 1] in CLOSING_QUOTES


_WORD_CHAR = re.compile(r"[^\W_]")
QUOTE_REACH = 80  # characters a span may grow to reach the quote mark that closes (or opens) it


def whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Grow edges that fall inside a word, or inside a hyphenated compound ('so-|called'), to it."""
    def inside(i: int) -> bool:  # is the boundary before text[i] inside a word?
        if i <= 0 or i >= len(text):
            return False
        a, b = text[i - 1], text[i]
        if _WORD_CHAR.match(a) and _WORD_CHAR.match(b):
            return True
        return (a == "-" and i >= 2 and _WORD_CHAR.match(text[i - 2]) and _WORD_CHAR.match(b)) or (
            b == "-" and i + 1 < len(text) and _WORD_CHAR.match(a) and _WORD_CHAR.match(text[i + 1]))

    while inside(start):
        start -= 1
    while inside(end):
        end += 1
    return start, end


def _quote_marks(fragment: str) -> tuple[int | None, int | None]:
    """Where the fragment's first unmatched closing and last unmatched opening double quote are.
    Straight and curly quotes are one family (articles mix them: “a new dimension of terror,");
    a straight quote opens when a word follows it and none precedes it."""
    opened: list[int] = []
    first_close = None
    for i, ch in enumerate(fragment):
        if ch == "“" or (ch == '"' and _WORD_CHAR.match(fragment[i + 1 : i + 2] or " ")
                         and not _WORD_CHAR.match(fragment[i - 1 : i] or " ")):
            opened.append(i)
        elif ch in '"”':
            if opened:
                opened.pop()
            elif first_close is None:
                first_close = i
    return first_close, (opened[-1] if opened else None)


def unpaired_quote(fragment: str) -> str:
    """'open', 'close' or '' for the double quote marks of a fragment."""
    close, opening = _quote_marks(fragment)
    return "open" if opening is not None else "close" if close is not None else ""


def balance_quotes(text: str, start: int, end: int) -> tuple[int, int]:
    """A span holding half of a quotation ('so-called "transport experts') grows to the quote mark
    that completes it, when that is near and in the same sentence; otherwise the half quote and
    what lies beyond it is cut off, so no highlight shows a dangling quote mark."""
    close, opening = _quote_marks(text[start:end])
    if opening is not None:
        m = re.compile(r'[^"“”.!?\n]{0,%d}["”]' % QUOTE_REACH).match(text, end)
        end = m.end() if m else start + opening
    if close is not None and close < end - start:
        head = text[max(0, start - QUOTE_REACH) : start]
        m = re.search(r'["“][^"“”.!?\n]*$', head)
        start = start - (len(head) - m.start()) if m else start + close + 1
    return start, end


def trim_edges(text: str, start: int, end: int) -> tuple[int, int]:
    """Move the edges inward past spaces and punctuation. Kept: quote marks that pair inside the
    span (a quoted phrase is marked with its quotes; 'so-called "experts"' keeps its last one), a
    hashtag's or handle's sign, a censored word's asterisks ("f***"). Other punctuation goes
    first, so '“quoted”.' keeps its quotes."""
    def word_start() -> bool:
        return text[start].isalnum() or (text[start] in "#@" and text[start + 1 : start + 2].isalnum())

    def word_end() -> bool:
        return text[end - 1].isalnum() or (text[end - 1] == "*" and text[start:end].rstrip("*")[-1:].isalnum())

    def paired_start() -> bool:  # single curly quotes pair by count ('’' is also an apostrophe)
        rest = text[start + 1 : end]
        if text[start] == "‘":
            return rest.count("’") > rest.count("‘")
        return text[start] in OPENING_QUOTES and unpaired_quote(rest) == "close"

    def paired_end() -> bool:
        head = text[start : end - 1]
        if text[end - 1] == "’":
            return head.count("‘") > head.count("’")
        return text[end - 1] in CLOSING_QUOTES and unpaired_quote(head) == "open"

    while start < end and not _quoted(text, start, end):
        if not word_end() and text[end - 1] not in CLOSING_QUOTES:
            end -= 1
        elif not word_start() and text[start] not in OPENING_QUOTES:
            start += 1
        elif not (word_end() or paired_end()):  # a closing quote with no opening one
            end -= 1
        elif not (word_start() or paired_start()):  # an opening quote with no closing one
            start += 1
        else:
            break
    return start, end


def trim_leading_function_words(text: str, start: int, end: int) -> tuple[int, int]:
    """'by the evil, foolish law' -> 'evil, foolish law' (stops at the first content word, or at
    a word that begins a compound: 'so-called')."""
    for k, m in enumerate(_WORD.finditer(text, start, end)):
        if m.group().lower() not in FUNCTION_WORDS or text[m.end() : m.end() + 1] == "-":
            return (m.start() if k else start), end
    return start, end


def trim_trailing_function_words(text: str, start: int, end: int) -> tuple[int, int]:
    """'true patriot of this' -> 'true patriot' (stops at the last content word, or at a word that
    ends a compound: 'so-called')."""
    found = list(_WORD.finditer(text, start, end))
    for k in range(len(found) - 1, -1, -1):
        m = found[k]
        if m.group().lower() not in FUNCTION_WORDS or text[m.start() - 1 : m.start()] == "-":
            if k == len(found) - 1:
                return start, end
            stop = m.end()
            if text[stop : stop + 1] in ('"', "”") and unpaired_quote(text[start:stop]) == "open":
                stop += 1  # '"Hollywood elites" of' keeps the quote that closes
            return start, stop
    return start, end


def ends_sentence(text: str, end: int) -> bool:
    """Sentence-ending punctuation or a line end follows (a closing quote or bracket may come first)."""
    rest = text[end : end + 4].lstrip(" ").lstrip("\"”’)")
    return not rest or rest[0] in ".!?…\n"


_CAPITALISED = re.compile(r"[ \t]+([A-Z][\w'’-]*)")
NAME_WORDS = 3  # at most this many capitalised words a name-calling span grows over


def whole_names(text: str, start: int, end: int) -> tuple[int, int]:
    """'Crooked' of 'Crooked Hillary Clinton', 'Real' of 'Real Greyporters': a label that ends on a
    capitalised word followed by more capitalised words is the name it makes."""
    last = words(text[start:end])[-1:]
    if not last or not last[0][:1].isupper() or not text[end - 1 : end].isalnum():
        return start, end
    for _ in range(NAME_WORDS):
        m = _CAPITALISED.match(text, end)
        if not m or m.group(1).lower() in FUNCTION_WORDS:
            break
        end = m.end()
    return start, end


JOIN_GAP_WORDS = 2  # at most this many words, all function words, between two spans that become one


def joinable_gap(gap: str) -> bool:
    """Between two spans of one technique, only a comma, 'and'/'or' and the like: one passage."""
    if len(gap) > 20 or any(c in gap for c in ".!?;:\n\"“”()"):
        return False
    found = words(gap)
    return len(found) <= JOIN_GAP_WORDS and all(w.lower() in FUNCTION_WORDS for w in found)


def join_neighbours(text: str, spans: list[tuple[int, int, str, float]]) -> list[tuple[int, int, str, float]]:
    """(start, end, technique, confidence) spans with same-technique neighbours joined across a
    joinable gap; a joined span keeps the higher confidence."""
    out: list[list] = []
    for s, e, name, conf in sorted(spans, key=lambda x: (x[2], x[0], x[1])):
        last = out[-1] if out and out[-1][2] == name else None
        if last is not None and s >= last[1] and joinable_gap(text[last[1] : s]):
            last[1], last[3] = max(last[1], e), max(last[3], conf)
        else:
            out.append([s, e, name, conf])
    return [tuple(x) for x in out]


def phrase_key(fragment: str) -> tuple[str, ...]:
    """Lower-cased words with a light plural/verb ending stripped: 'Safe streets' ~ 'safe street'."""
    out = []
    for w in words(fragment.lower()):
        for suffix in ("ies", "es", "s", "ed", "ing"):
            if len(w) > len(suffix) + 2 and w.endswith(suffix):
                w = w[: -len(suffix)]
                break
        out.append(w)
    return tuple(out)


def occurrences(keys: tuple[str, ...], phrase: tuple[str, ...]) -> int:
    """How often `phrase` (a phrase_key) occurs in `keys` (the text's phrase_key)."""
    n = len(phrase)
    return sum(1 for i in range(len(keys) - n + 1) if keys[i : i + n] == phrase) if n else 0


class Guards:
    """The rules for one text (its phrase key and fixed expressions are found once, when first needed)."""

    def __init__(self, text: str, options: GuardOptions = GuardOptions()):
        self.text = text
        self.options = options
        self._keys: tuple[str, ...] | None = None
        self._expressions: list[tuple[int, int]] | None = None

    def grow_to_expressions(self, start: int, end: int) -> tuple[int, int]:
        """A span that cuts a fixed expression is grown to cover it."""
        if self._expressions is None:
            self._expressions = [m.span() for m in _EXPRESSION.finditer(self.text)]
        for a, b in self._expressions:
            if a < end and start < b and not (start <= a and b <= end):
                start, end = min(start, a), max(end, b)
        return start, end

    def fix(self, start: int, end: int, technique: str | None = None) -> tuple[int, int] | None:
        """The span's fixed edges, or None when it should not be shown (technique None: an SI span)."""
        text, opt = self.text, self.options
        start, end = max(start, 0), min(end, len(text))
        if opt.whole_words:
            start, end = whole_words(text, start, end)
        if opt.balance_quotes and technique is not None:  # what readers see; SI spans are scored, not shown
            start, end = balance_quotes(text, start, end)
        if opt.whole_names and technique == "Name_Calling,Labeling":
            start, end = whole_names(text, start, end)
        if opt.trim_edges:
            start, end = trim_edges(text, start, end)
        if opt.grow_to_expressions and technique in WORD_LEVEL:
            start, end = self.grow_to_expressions(start, end)
        if opt.trim_leading_function_words and technique is not None:
            before = start, end
            if technique in WORD_LEVEL:  # a sentence-level span may open with "The" or "If"
                start, end = trim_leading_function_words(text, start, end)
            if not ends_sentence(text, end):  # "What are they hiding from us?" keeps "from us"
                start, end = trim_trailing_function_words(text, start, end)  # none ends on "of our"
            if opt.trim_edges:  # '"the elites"' lost its opening quote: drop the closing one too
                start, end = trim_edges(text, start, end)
            if opt.balance_quotes and unpaired_quote(text[start:end]):  # '“we will win” loudly' stays whole
                start, end = before
        if end <= start or (opt.drop_function_only and only_function_words(text[start:end])):
            return None
        if opt.repetition_needs_repeat and technique == "Repetition":
            if self._keys is None:
                self._keys = phrase_key(text)
            key = phrase_key(text[start:end])
            inner = Counter(w for w in key if w not in FUNCTION_WORDS)  # "the tunnel, the tunnel, ..."
            if not key or (occurrences(self._keys, key) < 2 and not any(n >= 2 for n in inner.values())):
                return None
        return start, end
