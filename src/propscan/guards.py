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
    trim_leading_function_words: bool = True
    grow_to_expressions: bool = True

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


def trim_edges(text: str, start: int, end: int) -> tuple[int, int]:
    """Move the edges inward past spaces and punctuation. Kept: quote marks that pair across the
    span (a quoted phrase is marked with its quotes), a hashtag's or handle's sign, a censored
    word's asterisks ("f***"). Other punctuation goes first, so '“quoted”.' keeps its quotes."""
    def keep_start() -> bool:
        return text[start].isalnum() or (text[start] in "#@" and text[start + 1 : start + 2].isalnum())

    def keep_end() -> bool:
        return text[end - 1].isalnum() or (text[end - 1] == "*" and text[start:end].rstrip("*")[-1:].isalnum())

    while start < end and not _quoted(text, start, end):
        if not keep_end() and text[end - 1] not in CLOSING_QUOTES:
            end -= 1
        elif not keep_start() and text[start] not in OPENING_QUOTES:
            start += 1
        elif not keep_end():  # a closing quote with no opening one
            end -= 1
        elif not keep_start():  # an opening quote with no closing one
            start += 1
        else:
            break
    return start, end


def trim_leading_function_words(text: str, start: int, end: int) -> tuple[int, int]:
    """'by the evil, foolish law' -> 'evil, foolish law' (stops at the first content word)."""
    for m in _WORD.finditer(text, start, end):
        if m.group().lower() not in FUNCTION_WORDS:
            return m.start(), end
    return start, end


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
        if opt.trim_edges:
            start, end = trim_edges(text, start, end)
        if opt.grow_to_expressions and technique in WORD_LEVEL:
            start, end = self.grow_to_expressions(start, end)
        if opt.trim_leading_function_words and technique in WORD_LEVEL:
            start, end = trim_leading_function_words(text, start, end)
            if opt.trim_edges:  # '"the elites"' lost its opening quote: drop the closing one too
                start, end = trim_edges(text, start, end)
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
