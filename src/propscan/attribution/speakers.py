"""Who said it: each source resolved to a person or organisation the article names, or to nobody.

A wrong name is worse than none, so a source gets a name only when the named-entity model says
the source is a person or organisation, or when it is a pronoun or a title ("he", "the senator")
that points to one without doubt:
- "he" / "she": a person of that gender who is the subject of the paragraph (most mentioned in it,
  then in the one before), never someone named only in the quotation itself, and never a person
  from further back (a president named once, paragraphs earlier, is not who "he" is);
- "I" / "we": inside someone's quotation, that quotation's speaker; outside any, the author
  (and the passage is the author's own voice, see reported.py);
- "they", "you", a common noun ("officials", "critics") or an indefinite description
  ("a spokesman"): unnamed. The reader still sees the passage as quoted.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .entities import Entity, entities_in

FIRST_PERSON = frozenset("i me my we us our".split())
MALE, FEMALE = frozenset("he him his".split()), frozenset("she her hers".split())

# titles a description can use for a named person ("the senator": Sen. Ted Cruz)
TITLES = {"sen": "senator", "rep": "representative", "gov": "governor", "gen": "general", "sec": "secretary",
          "lt": "lieutenant", "col": "colonel", "sgt": "sergeant", "atty": "attorney", "pres": "president",
          "dr": "doctor", "prof": "professor", "supt": "superintendent", "det": "detective", "insp": "inspector"}
_HONORIFIC = re.compile(r"\b(Mr|Mrs|Ms|Miss)\.?\s+$")
# a short list of common first names; gender otherwise comes from the pronouns the article uses
_MALE_NAMES = frozenset("""donald barack bill joe mike mitch chuck paul ted bernie john james robert michael william david
richard joseph thomas charles christopher daniel matthew anthony mark steven steve kevin brian george jeff jeffrey ryan
jacob gary eric jonathan stephen larry justin scott brandon frank benjamin gregory samuel raymond patrick jack dennis
jerry tyler aaron jose adam henry nathan douglas zachary peter kyle walter ethan jeremy harold keith christian roger
noah gerald carl terry sean austin arthur lawrence jesse dylan bryan jordan billy bruce albert willie gabriel logan
alan juan wayne roy ralph randy eugene vincent russell elijah louis bobby philip johnny rudy newt lindsey marco rand
rex jared rod reince sean devin jim tim tom kim vladimir xi emmanuel boris justin nigel recep bashar hassan benjamin
""".split()) - {"kim"}
_FEMALE_NAMES = frozenset("""hillary nancy elizabeth kamala michelle melania ivanka sarah kellyanne betsy nikki susan
mary patricia jennifer linda barbara jessica margaret karen lisa betty sandra ashley dorothy kimberly emily donna
carol amanda melissa deborah stephanie rebecca laura sharon cynthia kathleen amy shirley angela helen anna brenda
pamela nicole samantha katherine christine debra rachel catherine carolyn janet ruth maria heather diane virginia
julie joyce victoria olivia kelly christina lauren joan evelyn judith megan cheryl andrea hannah martha jacqueline
frances gloria ann teresa kathryn sara janice jean alice madison doris abigail julia judy grace denise amber marilyn
beverly danielle theresa sophia marie diana brittany natalie isabella charlotte rose alexis kayla dianne maxine
alexandria ilhan rashida theresa angela marine""".split())


@dataclass(frozen=True)
class Found:
    """A source's resolution: the name shown (None: unnamed), or `author` for "I"/"we" outside quotes."""

    name: str | None
    author: bool = False


def _paragraph_start(text: str, pos: int, back: int = 0) -> int:
    """Start of the paragraph holding pos; with back=1, of the one before it (blank lines skipped)."""
    start = text.rfind("\n", 0, pos) + 1
    for _ in range(back):
        prev = text[:start].rstrip()
        if not prev:
            break
        start = text.rfind("\n", 0, len(prev)) + 1
    return start


LOOK_BACK = 1500  # characters of context at most, for texts without paragraph breaks


def context_ranges(text: str, sources: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Where the NER model must read: each source's paragraph so far and the paragraph before it, to
    the end of the source's line. Merged, so no character is read twice."""
    ranges = []
    for s, e in sources:
        start = max(_paragraph_start(text, s, back=1), s - LOOK_BACK)
        end = text.find("\n", e)
        ranges.append((start, len(text) if end < 0 else min(end, e + 300)))
    merged: list[tuple[int, int]] = []
    for s, e in sorted(ranges):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _clean(name: str) -> str:
    name = re.split(r"[\"“”«»„]", " ".join(name.split()))[0].strip()  # Howard “The Scream” Dean -> Howard
    name = re.sub(r"['’]s?$", "", name)
    return re.sub(r"^(?:the|The)\s+", "", name)


class People:
    """The people and organisations the NER model found, with full names for surnames and genders."""

    def __init__(self, text: str, entities: list[Entity]):
        self.text = text
        self.entities = sorted(entities, key=lambda x: x.start)
        persons = [p for p in (_clean(x.text) for x in self.entities if x.kind == "person") if p]
        self.full: dict[str, str] = {}
        for p in sorted(persons, key=lambda p: len(p.split())):
            self.full[p.split()[-1].lower()] = p  # the fullest name wins: "Trump" -> "Donald Trump"
        self._gender = {key: self._guess_gender(key) for key in self.full}

    def canonical(self, ent: Entity) -> str:
        name = _clean(ent.text)
        if not name or ent.kind != "person" and len(name.split()) > 1:
            return name
        return self.full.get(name.split()[-1].lower(), name)  # "Trump", even where tagged ORG

    def gender_of(self, full: str) -> str | None:
        return self._gender.get(full.split()[-1].lower())

    def _guess_gender(self, surname: str) -> str | None:
        """Mr./Mrs. before a mention, else a known first name, else the pronouns after its mentions."""
        mentions = [x for x in self.entities if x.kind == "person" and _clean(x.text).lower().endswith(surname)]
        for x in mentions:
            m = _HONORIFIC.search(self.text[max(0, x.start - 6) : x.start])
            if m:
                return "m" if m.group(1) == "Mr" else "f"
        first = self.full[surname].split()[0].lower()
        if first in _MALE_NAMES:
            return "m"
        if first in _FEMALE_NAMES:
            return "f"
        votes = Counter()
        for x in mentions:
            after = re.search(r"\b(he|him|his|she|her|hers)\b", self.text[x.end : x.end + 150], re.IGNORECASE)
            if after:
                votes["m" if after.group(1).lower() in MALE else "f"] += 1
        if votes and len(votes) == 1:
            return next(iter(votes))
        return None

    def within(self, start: int, end: int, kinds: tuple[str, ...] = ("person",)) -> list[Entity]:
        return [x for x in self.entities if start <= x.start and x.end <= end and x.kind in kinds]

    def touching(self, start: int, end: int) -> list[Entity]:
        """Entities that overlap start..end ("columnist Charles" of "Charles Blow asked")."""
        return [x for x in self.entities if x.start < end and start < x.end and _clean(x.text)]

    def mentions(self, start: int, end: int) -> list[tuple[int, str]]:
        """Where the people found anywhere are named between start and end, by full name or surname
        (the NER model tags "Bannon" in one sentence and misses it in the next): (offset, full name)."""
        out = []
        for surname, full in self.full.items():
            for m in re.finditer(rf"\b{re.escape(full.split()[-1])}\b", self.text[start:end]):
                out.append((start + m.start(), full))
        return sorted(out)


def _inside(span: tuple[int, int], outer: tuple[int, int]) -> bool:
    return outer[0] <= span[0] and span[1] <= outer[1]


def resolve_source(people: People, source: tuple[int, int], content: tuple[int, int]) -> Found:
    text = people.text
    s, e = source
    said = " ".join(text[s:e].split())
    words = said.lower().replace("’", "'").split()
    if not words or "\n" in text[s:e].strip():
        return Found(None)
    named = people.touching(s, e)
    if named:
        # "Trump's lawyer John Dowd": the person not followed by a possessive
        own = [x for x in named if not re.match(r"['’]s\b", text[x.end : x.end + 2])] or named
        best = next((x for x in own if x.kind == "person"), own[0])
        return Found(people.canonical(best))
    if len(words) == 1 and words[0] in FIRST_PERSON:
        return Found(None, author=True)
    if len(words) == 1 and words[0] in MALE | FEMALE:
        return Found(_subject(people, s, content, "m" if words[0] in MALE else "f"))
    if words[0] in ("the", "this", "that") and len(words) <= 4:
        return Found(_titled(people, s, words[1:]))
    known = [full for _, full in people.mentions(s, e)]
    return Found(known[-1] if known and said[:1].isupper() else None)


def _subject(people: People, at: int, content: tuple[int, int], gender: str) -> str | None:
    """The person "he" or "she" stands for: of the people of that gender named in this paragraph
    (else the one before) outside the quotation, the most mentioned, then the nearest. A name
    before a possessive ("Obama's order") counts half: the paragraph is seldom about them."""
    text = people.text
    for back in (0, 1):
        start = max(_paragraph_start(text, at, back), at - LOOK_BACK)
        seen = [(pos, full) for pos, full in people.mentions(start, at) if not content[0] <= pos < content[1]]
        fits = [(pos, full) for pos, full in seen if people.gender_of(full) == gender]
        if fits:
            weight = Counter()
            for pos, full in fits:
                weight[full] += 0.5 if re.match(r"\w+['’]s\b", text[pos : pos + 40]) else 1.0
            top = max(weight.values())
            return next(full for _, full in reversed(fits) if weight[full] == top)
        if any(people.gender_of(full) is None for _, full in seen):
            return None  # someone of unknown gender is nearer: not sure who
    return None


def _titled(people: People, at: int, description: list[str]) -> str | None:
    """'the senator': the latest person named with that title before it ("Sen. Ted Cruz")."""
    want = {w.strip(".,") for w in description}
    for x in reversed(people.within(0, at)):
        before = people.text[max(0, x.start - 40) : x.start].lower().split()[-3:]
        titles = {TITLES.get(w.strip(".,"), w.strip(".,")) for w in before}
        if want & titles:
            return people.canonical(x)
    return None


def resolve_all(text: str, pairs: list[tuple[tuple[int, int], tuple[int, int]]]) -> list[Found]:
    """Each (source, content) pair resolved, with NER run once over the merged contexts."""
    if not pairs:
        return []
    people = People(text, entities_in(text, context_ranges(text, [s for s, _ in pairs])))
    return [resolve_source(people, s, c) for s, c in pairs]
