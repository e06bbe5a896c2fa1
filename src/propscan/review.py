"""A reader's review of an analysis: a decision on each passage the model proposed, and passages added.

Decisions are keyed by the span they are about (start, end, technique), so they survive the
analysis being made again: a newer model that proposes the same span exactly meets the same
decision (`carry_over`). The reviewed annotation (`Review.spans`) is what was accepted, relabelled,
extended or added; a shown passage left undecided counts as rejected once the review is finished.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from . import techniques
from .errors import InputError

DECISIONS = ("accept", "reject", "relabel", "extend", "add")
MAX_REVIEWER = 100
SpanKey = tuple[int, int, str]  # start, end (half-open, code points), technique


@dataclass(frozen=True)
class Decision:
    start: int
    end: int
    technique: str
    decision: str  # one of DECISIONS
    new_start: int | None = None  # extend: the passage's new extent
    new_end: int | None = None
    new_technique: str | None = None  # relabel (or extend and relabel at once): the technique it really uses
    model_version: str | None = None  # the model that proposed the span; None for a passage the reviewer added
    decided_at: str = ""

    @property
    def key(self) -> SpanKey:
        return (self.start, self.end, self.technique)

    def result(self) -> SpanKey | None:
        """The span this decision leaves in the reviewed annotation (None: rejected)."""
        if self.decision == "reject":
            return None
        if self.decision == "extend":
            return (self.new_start, self.new_end, self.new_technique or self.technique)
        return (self.start, self.end, self.new_technique if self.decision == "relabel" else self.technique)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Review:
    analysis_id: str
    reviewer: str
    decisions: tuple[Decision, ...] = ()
    updated_at: str = ""
    finished_at: str | None = None  # set when the reviewer said the review is done

    @property
    def finished(self) -> bool:
        return self.finished_at is not None

    def spans(self) -> list[SpanKey]:
        """The reviewed annotation: every span a decision leaves, once each, by position."""
        return sorted({r for d in self.decisions if (r := d.result()) is not None})

    def to_dict(self) -> dict:
        return {"analysis_id": self.analysis_id, "reviewer": self.reviewer, "finished": self.finished,
                "finished_at": self.finished_at, "updated_at": self.updated_at,
                "decisions": [d.to_dict() for d in self.decisions],
                "spans": [{"start": s, "end": e, "technique": t} for s, e, t in self.spans()]}


@dataclass(frozen=True)
class Proposed:
    """What the reviewed analysis offers to decide on: its text, the model's spans and which are shown."""

    text: str
    model_version: str
    spans: frozenset[SpanKey]
    shown: frozenset[SpanKey] = field(default_factory=frozenset)

    @classmethod
    def of(cls, doc) -> Proposed:
        return cls(doc.text, doc.model_version, frozenset((s.start, s.end, s.technique) for s in doc.spans),
                   frozenset((s.start, s.end, s.technique) for s in doc.spans if s.confidence >= doc.min_confidence))


def check_reviewer(name: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise InputError("the reviewer's name is empty")
    if len(name) > MAX_REVIEWER:
        raise InputError(f"the reviewer's name is over {MAX_REVIEWER} characters")
    return name


def _check_extent(start, end, length: int, what: str) -> None:
    if not (isinstance(start, int) and isinstance(end, int)):
        raise InputError(f"{what}: start and end must be whole numbers")
    if not 0 <= start < end <= length:
        raise InputError(f"{what}: {start}-{end} is not a passage of the text (0-{length}, start before end)")


def _check_technique(name, what: str) -> None:
    if name not in techniques.INDEX:
        raise InputError(f"{what}: unknown technique {name!r}; known: {', '.join(techniques.NAMES)}")


def checked(decisions: list[Decision], proposed: Proposed) -> list[Decision]:
    """The decisions, each checked against the analysis, with the proposing model's version filled in.
    Raises InputError naming the first decision that does not fit."""
    seen: set[SpanKey] = set()
    out = []
    for i, d in enumerate(decisions):
        what = f"decision {i + 1} ({d.decision} {d.start}-{d.end} {d.technique})"
        if d.decision not in DECISIONS:
            raise InputError(f"{what}: the decision must be one of {', '.join(DECISIONS)}")
        _check_extent(d.start, d.end, len(proposed.text), what)
        _check_technique(d.technique, what)
        if d.key in seen:
            raise InputError(f"{what}: this span has a decision already")
        seen.add(d.key)
        if d.decision == "add":
            if d.key in proposed.spans:
                raise InputError(f"{what}: the model proposed this passage; accept it instead of adding it")
            if d.new_start is not None or d.new_end is not None or d.new_technique is not None:
                raise InputError(f"{what}: an added passage has no new extent or technique; give its own")
        elif d.key not in proposed.spans:
            raise InputError(f"{what}: the model proposed no such passage (only 'add' may name a new one)")
        if d.decision == "relabel":
            _check_technique(d.new_technique, what)
            if d.new_technique == d.technique or d.new_start is not None or d.new_end is not None:
                raise InputError(f"{what}: relabel gives a different new_technique, and no new extent (use extend)")
        elif d.decision == "extend":
            _check_extent(d.new_start, d.new_end, len(proposed.text), what)
            if d.new_technique is not None:
                _check_technique(d.new_technique, what)
            if (d.new_start, d.new_end) == (d.start, d.end):
                raise InputError(f"{what}: extend gives a different new_start or new_end")
        elif d.decision in ("accept", "reject") and (d.new_start, d.new_end, d.new_technique) != (None, None, None):
            raise InputError(f"{what}: {d.decision} takes no new extent or technique")
        out.append(replace(d, model_version=None if d.decision == "add" else (d.model_version or proposed.model_version)))
    return out


def decisions_between(proposed: Proposed, reviewed: list[SpanKey], decided_at: str) -> list[Decision]:
    """The decisions that turn the model's spans into a reviewed annotation made elsewhere (an import):
    a proposed span the annotation has is accepted, a shown one it lacks is rejected, the rest are added."""
    wanted = set(reviewed)
    out = [Decision(*key, "accept" if key in wanted else "reject", model_version=proposed.model_version,
                    decided_at=decided_at)
           for key in sorted(proposed.spans) if key in wanted or key in proposed.shown]
    out += [Decision(*key, "add", decided_at=decided_at) for key in sorted(wanted - proposed.spans)]
    return out


def carry_over(review: Review, proposed: Proposed, analysis_id: str) -> Review | None:
    """An earlier analysis's review moved onto a new analysis of the same text: decisions on spans the
    new model proposes exactly are kept, added passages stay added (accepted, where the new model now
    proposes them); the rest is dropped. It stays finished only if it decides every shown new span,
    since an unseen passage must not count as rejected. None when nothing carries over."""
    kept = []
    for d in review.decisions:
        if d.decision == "add":
            kept.append(replace(d, decision="accept", model_version=proposed.model_version)
                        if d.key in proposed.spans else d)
        elif d.key in proposed.spans:
            kept.append(d)
    if not kept:
        return None
    decided = {d.key for d in kept}
    finished = review.finished_at if proposed.shown <= decided else None
    return Review(analysis_id, review.reviewer, tuple(kept), review.updated_at, finished)
