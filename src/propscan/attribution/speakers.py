"""Who said it: each source resolved to a person or organisation the article names, or to nobody.

A wrong name is worse than none, so a source gets a name only when the named-entity model says
the source is a person or organisation, or when it is a pronoun or a title ("he", "the senator")
that points to one without doubt:
- "he" / "she": a person of that gender who is the subject of the paragraph (most mentioned in it,
  then in the one before), never someone named only in the quotation itself, and never a person
  from further back (a president named once, paragraphs earlier, is not who "he" is);
- "I" / "we": inside someone's quotation, that quotation's speaker; outside any, the author
  (and the passage is the author's own voice); "you" outside quotations is the reader addressed
  by the author ("if you agree the ban is cruel"), so the author's voice too;
- "they", a common noun ("officials", "critics") or an indefinite description
  ("a spokesman"): unnamed. The reader still sees the passage as quoted.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .entities import Entity, entities_in

FIRST_PERSON = frozenset("i me my we us our".split())
SECOND_PERSON = frozenset("you your".split())  # the author speaking to the reader ("if you agree ...")
MALE, FEMALE = frozenset("he him".split()), frozenset("she".split())
POSSESSIVE = frozenset("his her hers their its".split())
_PRONOUNS = frozenset("he she they we i it you his her their its".split())

# titles a description can use for a named person ("the senator": Sen. Ted Cruz)
TITLES = {"sen": "senator", "rep": "representative", "gov": "governor", "gen": "general", "sec": "secretary",
          "lt": "lieutenant", "col": "colonel", "sgt": "sergeant", "atty": "attorney", "pres": "president",
          "dr": "doctor", "prof": "professor", "supt": "superintendent", "det": "detective", "insp": "inspector"}
_HONORIFIC = re.compile(r"\b(Mr|Mrs|Ms|Miss)\.?\s+$")
# a short list of common first names; gender otherwise comes from the pronouns the article uses
_MALE_NAMES = frozenset("""aaron abraham adam adrian al alan albert alex alexander alfred andrew andy anthony antonio
arthur austin barack barry ben benjamin bernard bernie bill billy bob bobby boris brad bradley brandon brett brian
bruce bryan carl carlos chad charles charlie chris christopher chuck clarence clint colin craig curtis dale dan
daniel danny darrell dave david dean dennis derek devin dick don donald doug douglas dwight earl ed eddie edward
elijah emmanuel eric ernest eugene evan frank fred frederick gabriel gary gene geoff george gerald glenn gordon
greg gregory harold harry hassan henry herbert howard hugh ian isaac jack jacob jake james jared jason jay jeb
jeff jeffrey jeremy jerome jerry jesse jim jimmy joe joel john johnny jon jonathan jordan jose joseph josh joshua
juan julian justin keith ken kenneth kevin kim_jong kirk kyle lamar larry lawrence leon lindsey lou louis luis luke
marco mark martin matt matthew max michael mike mitch mitt mohammed muhammad nathan neil newt nicholas nick nigel
noah norman oliver omar oscar patrick paul pete peter phil philip preet rahm ralph rand randy ray raymond recep
reince rex richard rick rob robert rod rodrigo roger ron ronald ross roy rudy russell ryan sam samuel scott sean
sebastian sergei seth shawn stephen steve steven stuart ted terry thomas tim timothy todd tom tommy tony travis
trey troy tucker tyler victor vince vincent vladimir walter warren wayne wesley will william xi""".split())
_FEMALE_NAMES = frozenset("""abigail alexandria alice alison allison amanda amber amy andrea angela ann anna anne
annie ashley barbara betsy betty beverly brenda brittany candace carly carol caroline carolyn catherine cathy
charlotte cheryl chloe christina christine cindy claire connie cynthia dana danielle deborah debbie debra denise
diana diane dianne donna doris dorothy edith elaine eleanor elena elise elizabeth ellen emily emma erin evelyn
frances gabby gabrielle gina gloria grace hannah heather heidi helen hillary hope ilhan irene ivanka jackie
jacqueline jan jane janet janice jean jeanne jennifer jessica jill joan joanne jodi joni joy joyce judith judy
julia julie karen kate katherine kathleen kathryn kathy katie kay kayleigh kellyanne kelly kim kirsten kristen
laura lauren linda lisa liz lois lori lorraine louise lucy lynn madeleine madison maggie mara margaret maria
marie marilyn marine marsha martha mary maureen maxine megan melania melanie melissa meryl mia michele michelle
mika miriam molly monica nancy natalie nicole nikki nina olivia pam pamela patricia patty paula pauline peggy
penny rachel rashida rebecca regina rita roberta rose rosie ruth samantha sandra sara sarah sharon sheila shirley
sonia sophia stacey stephanie sue susan suzanne tammy tara teresa theresa tiffany tina tulsi valerie vanessa
victoria virginia wendy whitney""".split())


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


SPEAKER_WEIGHT = 1.5
LOOK_BACK = 1500  # characters of context at most, for texts without paragraph breaks


_CAPITALISED = re.compile(r"\b[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|de|van|von|al|bin|da|del|la))*")
SOURCE_MARGIN = 8  # characters of context the NER model reads on each side of a source
NAME_MARGIN = 6  # and of a capitalised name it is asked about
# of a long source, only its head and its tail, where a name stands beside the appositive
LONG_SOURCE, SOURCE_HEAD, SOURCE_TAIL = 90, 60, 30


def context_ranges(text: str, sources: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Where the NER model reads: a little around each source, and, for a source that is a pronoun,
    a title or a surname, around the first mention of each full name in the paragraphs it may
    point back to. Reading only these
    (about a tenth of an article) keeps voice within the time budget; reading the whole context
    cost 50-70% of an analysis. Merged, so no character is read twice."""
    ranges = []
    for s, e in first_of_each(text, sources):
        if e - s > LONG_SOURCE:  # "Rep. Adam Schiff, the ranking Democrat on ..., which is investigating ...,"
            ranges += [(max(0, s - SOURCE_MARGIN), s + SOURCE_HEAD), (e - SOURCE_TAIL, min(len(text), e + SOURCE_MARGIN))]
        else:
            ranges.append((max(0, s - SOURCE_MARGIN), min(len(text), e + SOURCE_MARGIN)))
    seen: set[str] = set()
    for s, e in sources:
        words = text[s:e].split()
        if len(words) > 1 and words[0].lower() not in ("the", "this", "that"):
            continue  # "Sen. Ted Cruz", "a spokesman for the city": nothing to look back for
        start = max(_paragraph_start(text, s, back=1), s - LOOK_BACK)
        for m in _CAPITALISED.finditer(text, start, s):
            name = m.group()
            if name in seen or " " not in name.strip():
                continue  # a full name is asked about once; its surname alone is found by matching
            seen.add(name)
            ranges.append((max(0, m.start() - NAME_MARGIN), min(len(text), m.end() + NAME_MARGIN)))
    merged: list[tuple[int, int]] = []
    for s, e in sorted(ranges):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


# titles the NER model takes into a name ("Treasurer Paul Whitfield"): readers are shown the name
_TITLE_WORDS = frozenset(list(TITLES) + list(TITLES.values()) + """president mayor treasurer chairman chairwoman chair
speaker justice judge minister chancellor governor ambassador commissioner director chief former
mr mrs ms miss sir dame lord lady rev pope king queen prince princess""".split())


def _clean(name: str) -> str:
    name = re.split(r"[\"“”«»„]", " ".join(name.split()))[0].strip()  # Howard “The Scream” Dean -> Howard
    name = re.sub(r"['’]s?$", "", name)
    name = re.sub(r"^(?:the|The)\s+", "", name)
    words = name.split()
    while len(words) > 2 and words[0].lower().strip(".") in _TITLE_WORDS:
        words = words[1:]
    return " ".join(words)


class People:
    """The people and organisations the NER model found, with full names for surnames and genders."""

    def __init__(self, text: str, entities: list[Entity], quotes: list[tuple[int, int]] = ()):
        self.text = text
        self.quotes = list(quotes)
        self.speakers: list[tuple[int, str]] = []  # (where, name) of the sources resolved so far
        self.entities = sorted(entities, key=lambda x: x.start)
        self.fulls: dict[str, set[str]] = {}  # surname -> the full names that end with it
        for x in self.entities:
            name = _clean(x.text)
            if x.kind == "person" and len(name.split()) > 1:
                self.fulls.setdefault(name.split()[-1].lower(), set()).add(name)
        for x in self.entities:  # "Marlow", read by the model only here: "Alex Marlow" elsewhere in the text
            name = _clean(x.text)
            if x.kind == "person" and len(name.split()) == 1 and name.lower() not in self.fulls:
                self.fulls[name.lower()] = {self._full_name(name)}
        self._gender: dict[str, str | None] = {}

    def _full_name(self, surname: str) -> str:
        """The first "First Surname" in the text, where First is no title ("host Alex Marlow"); else the surname."""
        for m in re.finditer(rf"\b([A-Z][a-z]+)\s+{re.escape(surname)}\b", self.text):
            if m.group(1).lower() not in _TITLE_WORDS | {"the", "and", "but", "when", "as", "if", "said", "says"}:
                return f"{m.group(1)} {surname}"
        return surname

    def name_at(self, start: int, end: int, kind: str = "person") -> str:
        """The full name a mention stands for: "Trump" -> "Donald Trump"; "Mrs. Clinton" ->
        "Hillary Clinton" where Bill Clinton is named too; the mention itself when unsure."""
        name = _clean(self.text[start:end])
        if not name or len(name.split()) > 1 or kind != "person" and name.lower() not in self.fulls:
            return name
        options = self.fulls.get(name.lower(), set())
        whole = [o for o in options if self.text[max(0, end - len(o)) : end] == o]  # "Bill Clinton" itself
        if whole:
            return whole[0]
        if len(options) > 1:
            title = _HONORIFIC.search(self.text[max(0, start - 6) : start])
            if title:
                want = "m" if title.group(1) == "Mr" else "f"
                options = {o for o in options if _first_name_gender(o) == want}
        return next(iter(options)) if len(options) == 1 else name

    def canonical(self, ent: Entity) -> str:
        return self.name_at(ent.start, ent.end, ent.kind)

    def gender_of(self, full: str) -> str | None:
        if full not in self._gender:
            self._gender[full] = self._guess_gender(full)
        return self._gender[full]

    def _guess_gender(self, full: str) -> str | None:
        """A known first name, else Mr./Mrs. before a mention, else the pronouns after its mentions."""
        known = _first_name_gender(full)
        if known:
            return known
        votes = Counter()
        for pos, name in self.mentions(0, len(self.text), full.split()[-1].lower()):
            if name != full:
                continue
            title = _HONORIFIC.search(self.text[max(0, pos - 6) : pos])
            if title:
                return "m" if title.group(1) == "Mr" else "f"
            # the first subject pronoun after a mention, in the same paragraph ("Gina Miller ... She said")
            after = re.search(r"\b(he|she)\b", self.text[pos : pos + 150].split("\n")[0], re.IGNORECASE)
            if after:
                votes["m" if after.group(1).lower() == "he" else "f"] += 1
        return next(iter(votes)) if len(votes) == 1 else None

    def quoted(self, pos: int) -> bool:
        return any(a <= pos < b for a, b in self.quotes)

    def touching(self, start: int, end: int) -> list[Entity]:
        """Entities that overlap start..end ("columnist Charles" of "Charles Blow asked")."""
        return [x for x in self.entities if x.start < end and start < x.end and _clean(x.text)]

    def mentions(self, start: int, end: int, surname: str | None = None) -> list[tuple[int, str]]:
        """Where people are named between start and end, by full name or surname (the NER model
        tags "Bannon" in one sentence and misses it in the next): (offset, full name). With
        ``surname``, only the people of that surname, rather than a scan of the text per person."""
        out = []
        for key, options in self.fulls.items():
            if surname is not None and key != surname:
                continue
            last = next(iter(options)).split()[-1]  # a full name's surname, or a name known only by it
            for m in re.finditer(rf"\b{re.escape(last)}\b", self.text[start:end]):
                out.append((start + m.start(), self.name_at(start + m.start(), start + m.end())))
        return sorted(out)


def _first_name_gender(full: str) -> str | None:
    first = full.split()[0].lower()
    return "m" if first in _MALE_NAMES else "f" if first in _FEMALE_NAMES else None


def resolve_source(people: People, source: tuple[int, int], content: tuple[int, int], cue: tuple[int, int] | None = None) -> Found:
    text = people.text
    s, e = source
    said = " ".join(text[s:e].split())
    words = said.lower().replace("’", "'").split()
    if not words or "\n" in text[s:e].strip():
        return Found(None)
    if len(words) == 1 and words[0] in POSSESSIVE:
        return Found(None)  # "his habit of saying", "her claim": a thing of theirs, seldom their words
    named = people.touching(s, e)
    if words[0] in ("a", "an", "the") and named and min(x.start for x in named) > s + len(said.split()[0]) + 1:
        named = []  # "an Arizona conservative who called Ingraham's show", "the representative on the Board"
    if named:
        # "Trump's lawyer John Dowd", "Hillary Clinton's erstwhile rival": not who is followed by a possessive
        own = [x for x in named if not re.search(r"['’]s?$", x.text) and not re.match(r"['’]s\b", text[x.end : x.end + 2])]
        if not own:
            return Found(None)
        persons = [x for x in own if x.kind == "person"] or own
        first = persons[0]
        if first.start - s <= 15 and text[first.end : first.end + 1] == ",":
            best = first  # "J. Brien Comey, father of Jim Comey": the appositive describes the first
        else:  # "Clinton campaign chairman John Podesta said": the person nearest the cue
            at = cue[0] if cue else e
            best = min(persons, key=lambda x: abs((x.start + x.end) / 2 - at))
        return Found(people.canonical(best))
    if len(words) == 1 and words[0] in FIRST_PERSON | SECOND_PERSON:
        return Found(None, author=True)
    if len(words) == 1 and words[0] in MALE | FEMALE:
        return Found(_subject(people, s, content, "m" if words[0] in MALE else "f"))
    if words[0] in ("the", "this", "that") and len(words) <= 4:
        return Found(_titled(people, s, words[1:]))
    known = [full for _, full in people.mentions(s, e)]
    return Found(known[-1] if known and said[:1].isupper() else None)


def _subject(people: People, at: int, content: tuple[int, int], gender: str) -> str | None:
    """The person "he" or "she" stands for: of the people of that gender named in this paragraph
    (else the one before) outside quotations, the most mentioned, then the nearest. A name
    before a possessive ("Obama's order") counts half: the paragraph is seldom about them; one
    who was the source of a passage there counts more: a reporter follows one speaker."""
    text = people.text
    for back in (0, 1):
        start = max(_paragraph_start(text, at, back), at - LOOK_BACK)
        seen = [(pos, full) for pos, full in people.mentions(start, at)
                if not content[0] <= pos < content[1] and not people.quoted(pos)]
        seen += [(pos, full) for pos, full in people.speakers if start <= pos < at]
        word = "he" if gender == "m" else "she"
        first_pronoun = next((start + m.start() for m in re.finditer(rf"\b{word}\b", text[start:at], re.IGNORECASE)
                              if not people.quoted(start + m.start())), at)
        if back == 0 and first_pronoun < min((pos for pos, _ in seen), default=at):
            continue  # "He continued his critique of Moore. ... he said": the paragraph goes on about the one before's
        fits = [(pos, full) for pos, full in seen if people.gender_of(full) == gender]
        if fits:
            weight = Counter()
            for pos, full in fits:
                weight[full] += 0.5 if re.match(r"\w+['’]s\b", text[pos : pos + 40]) else 1.0
            for pos, full in people.speakers:  # who was speaking just before goes on speaking
                if start <= pos < at and full in weight:
                    weight[full] += SPEAKER_WEIGHT
            top = max(weight.values())
            return next(full for _, full in reversed(fits) if weight[full] == top)
        if any(people.gender_of(full) is None for _, full in seen):
            return None  # someone of unknown gender is nearer: not sure who
    return None


_TITLED = re.compile(rf"\b({'|'.join(sorted((w.capitalize() for w in _TITLE_WORDS), key=len, reverse=True))})\.?[ \t]+"
                     r"((?:(?:[A-Z][\w'’-]+\.?|de|van|von|al|bin|da|del|la)[ \t]+){0,3}[A-Z][\w'’-]+)")


def _titled(people: People, at: int, description: list[str]) -> str | None:
    """'the senator': the one person named with that title ("Sen. Ted Cruz") in this paragraph or
    the one before, else in the whole article before it; None when the description is no title
    ("the government of Iran") or two people hold it ("the president" after President Obama and
    President Trump)."""
    want = {TITLES.get(w.strip(".,"), w.strip(".,")) for w in description} & _TITLE_WORDS
    if not want:
        return None
    for start in (max(_paragraph_start(people.text, at, 1), at - LOOK_BACK), 0):
        titled = set()
        for m in _TITLED.finditer(people.text, start, at):
            title = m.group(1).lower().strip(".")
            if TITLES.get(title, title) in want:
                titled.add(people.name_at(m.start(2), m.end(2)) if " " not in m.group(2) else _clean(m.group(2)))
        if titled:
            return titled.pop() if len(titled) == 1 else None
    return None


def first_of_each(text: str, sources: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The sources the NER model reads: the first of each wording ("Mr. Trump" said twenty times is
    read once), and none without a capitalised word other than a pronoun ("he", "officials")."""
    seen, out = set(), []
    for s, e in sorted(sources):
        said = " ".join(text[s:e].split())
        if said not in seen and any(w[:1].isupper() and w.lower() not in _PRONOUNS for w in said.split()):
            seen.add(said)
            out.append((s, e))
    return out


def _repeated(text: str, sources: list[tuple[int, int]], entities: list[Entity]) -> list[Entity]:
    """The entities found in the first of each wording, copied to its repeats."""
    first: dict[str, tuple[int, int]] = {}
    out = list(entities)
    for s, e in sorted(sources):
        said = " ".join(text[s:e].split())
        if said not in first:
            first[said] = (s, e)
            continue
        a, b = first[said]
        if text[a:b] != text[s:e]:
            continue  # the same words spaced otherwise: offsets would not carry over
        out += [Entity(x.start - a + s, x.end - a + s, x.text, x.kind) for x in entities if a <= x.start and x.end <= b]
    return out


def resolve_all(text: str, pairs: list[tuple], quotes: list[tuple[int, int]] = ()) -> list[Found]:
    """Each (source, content[, cue]) resolved in reading order, with NER run once over the merged
    contexts. ``quotes``: quotations and reported words, whose names are what was said, not who said it."""
    if not pairs:
        return []
    sources = [p[0] for p in pairs]
    people = People(text, _repeated(text, sources, entities_in(text, context_ranges(text, sources))), quotes)
    found: dict[int, Found] = {}
    for i in sorted(range(len(pairs)), key=lambda i: pairs[i][0]):
        found[i] = resolve_source(people, *pairs[i])
        if found[i].name:
            people.speakers.append((pairs[i][0][0], found[i].name))
    return [found[i] for i in range(len(pairs))]
