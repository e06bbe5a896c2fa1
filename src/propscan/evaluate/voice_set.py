"""Scoring propscan's voice against the hand-marked real-news set (docs/voice-set.md).

Voice is scored by characters because a passage half shown as quoted is half right; whitespace is
left out of both sides so that paragraph breaks and the spaces around a cue do not count. Speaker
accuracy is judged only where propscan both shows the passage as quoted and names someone, so it
measures the names a reader is shown, apart from whether the passage was found at all.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

from ..assess.datasets import LabelledArticle
from ..errors import InputError

Predicted = tuple[int, int, str | None]  # start, end, speaker name or None
KINDS = ("quote", "reported", "statement")
# "heldout" was scored once and has since been tuned on; "fresh" is the held-out half for the final score
SPLITS = ("tune", "heldout", "fresh")
# the next articles of each label after the first 15, for the fresh split (45 in all: 23 + 22)
FRESH_PER_LABEL = {True: 8, False: 7}
# words that never make a predicted name match a longer gold name on their own ("the", "He")
FUNCTION_WORDS = frozenset("a an the this that these those he she it they we i you his her its their our my your "
                           "him them us me who mr mrs ms dr".split())


@dataclass(frozen=True)
class GoldPassage:
    start: int
    end: int
    text: str
    speaker: str | None
    aliases: tuple[str, ...]
    kind: str


@dataclass(frozen=True)
class MarkedArticle:
    id: str
    split: str
    hyperpartisan: bool
    passages: tuple[GoldPassage, ...]


def select_articles(articles: list[LabelledArticle], per_label: int = 15,
                    fresh_per_label: dict[bool, int] = FRESH_PER_LABEL) -> list[tuple[str, bool, str]]:
    """(id, hyperpartisan, split) of the set, by the rule written in docs/voice-set.md: 250-1,000
    words with a quote mark or a said/says/told/wrote, ranked by crc32 of the id within each label.
    The first `per_label` alternate tune/heldout (hyperpartisan from tune, mainstream from heldout);
    the next `fresh_per_label[label]` are the fresh split, so adding it left the first 30 as they were."""
    def fits(a: LabelledArticle) -> bool:
        text = a.text
        return 250 <= len(text.split()) <= 1000 and bool(
            re.search(r'["“”]', text) or re.search(r"\b(said|says|told|wrote)\b", text))

    chosen = []
    for label in (True, False):
        ranked = sorted((a for a in articles if a.hyperpartisan is label and fits(a)),
                        key=lambda a: (zlib.crc32(a.id.encode()), a.id))
        for i, a in enumerate(ranked[:per_label]):
            chosen.append((a.id, label, "tune" if (i % 2 == 0) == label else "heldout"))
        for a in ranked[per_label:per_label + fresh_per_label[label]]:
            chosen.append((a.id, label, "fresh"))
    return chosen


def load_marks(path: Path) -> list[MarkedArticle]:
    """The marks file, checked for shape (not against the texts: see check_against_texts)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        out = []
        for a in raw["articles"]:
            if a["split"] not in SPLITS:
                raise ValueError(f"article {a['id']}: split {a['split']!r}")
            passages = []
            for p in a["passages"]:
                if p["kind"] not in KINDS or not 0 <= p["start"] < p["end"]:
                    raise ValueError(f"article {a['id']}: passage {p['start']}-{p['end']} kind {p['kind']!r}")
                passages.append(GoldPassage(int(p["start"]), int(p["end"]), str(p["text"]), p["speaker"],
                                            tuple(p["aliases"]), p["kind"]))
            out.append(MarkedArticle(str(a["id"]), a["split"], bool(a["hyperpartisan"]), tuple(passages)))
        return out
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read ({exc})") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: not a voice-set marks file ({exc})") from None


def check_against_texts(marks: list[MarkedArticle], texts: dict[str, str]) -> list[str]:
    """Problems with the marks against the article texts: missing ids, snippets that are not
    text[start:end], overlapping passages. Empty when all is well."""
    problems = []
    for art in marks:
        text = texts.get(art.id)
        if text is None:
            problems.append(f"{art.id}: no such article")
            continue
        ordered = sorted(art.passages, key=lambda p: p.start)
        for p in ordered:
            if text[p.start:p.end] != p.text:
                problems.append(f"{art.id}: {p.start}-{p.end} is {text[p.start:p.end][:40]!r}, not {p.text[:40]!r}")
        for a, b in zip(ordered, ordered[1:]):
            if b.start < a.end:
                problems.append(f"{art.id}: passages {a.start}-{a.end} and {b.start}-{b.end} overlap")
    return problems


def _chars(text: str, ranges) -> set[int]:
    return {i for s, e in ranges for i in range(max(s, 0), min(e, len(text))) if not text[i].isspace()}


@dataclass
class VoiceCounts:
    """Pooled character counts and speaker judgements; add articles with `add`."""
    predicted: int = 0
    gold: int = 0
    overlap: int = 0
    speakers_judged: int = 0
    speakers_right: int = 0

    @property
    def precision(self) -> float:
        return self.overlap / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.overlap / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def speaker_accuracy(self) -> float:
        return self.speakers_right / self.speakers_judged if self.speakers_judged else 0.0

    def add(self, other: VoiceCounts) -> None:
        for name in ("predicted", "gold", "overlap", "speakers_judged", "speakers_right"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class SpeakerJudgement:
    passage: GoldPassage
    predicted: str
    right: bool


def _words(name: str) -> list[str]:
    return re.findall(r"[\w@]+", name.lower())


def _contains(outer: list[str], inner: list[str]) -> bool:
    n = len(inner)
    return n > 0 and any(outer[i:i + n] == inner for i in range(len(outer) - n + 1))


def speaker_matches(predicted: str, gold: str, aliases: tuple[str, ...] | list[str] = ()) -> bool:
    """True when the predicted name contains the gold speaker, an alias or the gold surname (its last
    word) as whole words, or is itself contained in the gold speaker or an alias; case-insensitive.
    A predicted name of only determiners and pronouns ('the', 'He') matches nothing."""
    pred = _words(predicted)
    if not [w for w in pred if w not in FUNCTION_WORDS]:
        return False
    names = [_words(n) for n in (gold, *aliases)]
    surname = _words(gold)[-1:]
    return any(_contains(pred, n) or _contains(n, pred) for n in names) or _contains(pred, surname)


def score_article(text: str, gold: tuple[GoldPassage, ...] | list[GoldPassage],
                  predicted: list[Predicted]) -> tuple[VoiceCounts, list[SpeakerJudgement]]:
    """Character counts for one article and the speaker judgements behind its speaker accuracy."""
    pred_chars = _chars(text, [(s, e) for s, e, _ in predicted])
    gold_chars = _chars(text, [(p.start, p.end) for p in gold])
    counts = VoiceCounts(predicted=len(pred_chars), gold=len(gold_chars), overlap=len(pred_chars & gold_chars))
    judged = []
    for p in gold:
        own = _chars(text, [(p.start, p.end)])
        if p.speaker is None or not own or len(own & pred_chars) * 2 <= len(own):
            continue
        speaker = _covering_speaker(text, own, predicted)
        if speaker:
            judged.append(SpeakerJudgement(p, speaker, speaker_matches(speaker, p.speaker, p.aliases)))
    counts.speakers_judged = len(judged)
    counts.speakers_right = sum(j.right for j in judged)
    return counts, judged


def _covering_speaker(text: str, own: set[int], predicted: list[Predicted]) -> str | None:
    """The speaker of the predicted passage that covers most of `own` (None when it has none)."""
    best, best_n = None, 0
    for s, e, name in predicted:
        n = len(own & _chars(text, [(s, e)]))
        if n > best_n:
            best, best_n = name, n
    return best


def false_positives(text: str, gold: tuple[GoldPassage, ...] | list[GoldPassage],
                    predicted: list[Predicted]) -> list[tuple[int, int, str | None]]:
    """The stretches of predicted passages outside every gold passage (whitespace-only ones dropped)."""
    inside = _chars(text, [(p.start, p.end) for p in gold])
    out = []
    for s, e, name in predicted:
        run = None
        for i in range(s, e):
            if i in inside:
                if run is not None:
                    out.append((run, i, name))
                    run = None
            elif run is None:
                run = i
        if run is not None:
            out.append((run, e, name))
    return [(s, e, n) for s, e, n in out if text[s:e].strip(" \n\t.,;:\"'“”‘’")]


def missed(text: str, gold: tuple[GoldPassage, ...] | list[GoldPassage], predicted: list[Predicted]) -> list[GoldPassage]:
    """Gold passages of which no more than half the characters are shown as quoted."""
    pred_chars = _chars(text, [(s, e) for s, e, _ in predicted])
    return [p for p in gold if (own := _chars(text, [(p.start, p.end)])) and len(own & pred_chars) * 2 <= len(own)]
