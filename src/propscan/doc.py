"""The one data model: an analysed document and its technique spans.

Every output (terminal, JSON, HTML, PTC lines) and later the web app and batch runner read
this, and nothing else. Offsets are half-open character offsets into `text`, which is the
exact text that was analysed (for a plain-text file, the file's own characters).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from . import techniques

SCHEMA_VERSION = "1.4"
_SPACE = re.compile(r"\s+")


def _counts(spans) -> dict[str, int]:
    c = Counter(s.technique for s in spans)
    return {name: c[name] for name in techniques.NAMES if c[name]}


@dataclass(frozen=True)
class Speaker:
    """Who an attribution names as its source, and the person or organisation it is (see
    attribution/speakers.py): a name the article gives, or the one a pronoun or title stands for."""

    start: int
    end: int
    text: str
    resolved: str | None = None  # None: not a named person or organisation ("officials", "they")

    @property
    def name(self) -> str | None:
        """What a reader is told; None when the source names nobody."""
        return self.resolved

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "text": self.text, "resolved": self.resolved, "name": self.name}


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    technique: str
    confidence: float
    voice: str | None = None  # "author" or "quoted"; None where attribution was not run
    speaker: Speaker | None = None  # the quoted passage's source, where it has one

    def to_dict(self, text: str) -> dict:
        d = {
            "start": self.start,
            "end": self.end,
            "technique": self.technique,
            "confidence": self.confidence,
            "text": text[self.start : self.end],
        }
        if self.voice is not None:
            d["voice"] = self.voice
            d["speaker"] = self.speaker.to_dict() if self.speaker else None
        return d


@dataclass(frozen=True)
class Attribution:
    """Someone's words or thoughts in the article: what (content), the verb or phrase that
    attributes it (cue), and who (source)."""

    content: tuple[int, int]
    cue: tuple[int, int] | None = None
    source: Speaker | None = None

    def to_dict(self) -> dict:
        return {"content": {"start": self.content[0], "end": self.content[1]},
                "cue": {"start": self.cue[0], "end": self.cue[1]} if self.cue else None,
                "source": self.source.to_dict() if self.source else None}


PARTISAN_CAUTION = ("It measures how much the article reads like hyperpartisan outlets of 2016-18 US news; "
                    "not a judgement of truth, nor of the author.")


@dataclass(frozen=True)
class Reason:
    kind: str  # "phrase", "passage" or "technique"
    text: str
    weight: float  # share of the log-odds it added
    start: int | None = None
    end: int | None = None

    def to_dict(self) -> dict:
        d = {"kind": self.kind, "text": self.text, "weight": round(self.weight, 4)}
        if self.start is not None:
            d.update(start=self.start, end=self.end)
        return d


@dataclass
class PartisanReading:
    probability: float
    label: str  # "hyperpartisan" or "not hyperpartisan"
    reasons: list[Reason] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"probability": round(self.probability, 4), "label": self.label,
                "reasons": [r.to_dict() for r in self.reasons], "caution": PARTISAN_CAUTION}


@dataclass(frozen=True)
class Claim:
    start: int
    end: int
    score: float

    def to_dict(self, text: str) -> dict:
        return {"start": self.start, "end": self.end, "text": text[self.start : self.end], "score": round(self.score, 4)}


@dataclass
class AnalysedDocument:
    text: str
    source: str
    title: str = ""
    language: str = "en"
    model_version: str = ""
    spans: list[Span] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # readable outputs (terminal, HTML, web page) hide spans below this by default; data outputs
    # (JSON, PTC lines) keep every span. From the model's display threshold or --min-confidence.
    min_confidence: float = 0.0
    # reading aids (schema 1.2): None where not computed (switched off, too short, not English)
    hyperpartisan: PartisanReading | None = None
    claims: list[Claim] | None = None
    attributions: list[Attribution] | None = None  # None where attribution was not run

    def __post_init__(self):
        for s in self.spans:
            if not (0 <= s.start < s.end <= len(self.text)):
                raise ValueError(f"span {s.start}-{s.end} lies outside the text (length {len(self.text)})")
            techniques.get(s.technique)
        for c in self.claims or []:
            if not (0 <= c.start < c.end <= len(self.text)):
                raise ValueError(f"claim {c.start}-{c.end} lies outside the text (length {len(self.text)})")

    @property
    def counts(self) -> dict[str, int]:
        return _counts(self.spans)

    def is_shown(self, span: Span) -> bool:
        return span.confidence >= self.min_confidence

    @property
    def shown_spans(self) -> list[Span]:
        return [s for s in self.spans if self.is_shown(s)]

    @property
    def shown_counts(self) -> dict[str, int]:
        """Spans per technique at or above the display threshold (what readable views show first)."""
        return _counts(self.shown_spans)

    @property
    def n_hidden(self) -> int:
        """Spans below the display threshold."""
        return len(self.spans) - len(self.shown_spans)

    @property
    def density(self) -> float:
        """Share of non-space characters that lie inside at least one span."""
        return self._density(self.spans, self._non_space())

    def _non_space(self) -> np.ndarray:
        visible = np.ones(len(self.text), dtype=bool)
        for m in _SPACE.finditer(self.text):
            visible[m.start() : m.end()] = False
        return visible

    def _density(self, spans, visible: np.ndarray) -> float:
        """Share of the `visible` characters that lie inside at least one of `spans`."""
        covered = np.zeros(len(self.text), dtype=bool)
        for s in spans:
            covered[s.start : s.end] = True
        n = int(visible.sum())
        return round(float((covered & visible).sum()) / n, 4) if n else 0.0

    @property
    def quoted_ranges(self) -> list[tuple[int, int]]:
        return [a.content for a in self.attributions or []]

    @property
    def voice_figures(self) -> dict | None:
        """Density in the author's own voice (over the text outside quoted material) and in quoted
        material (over the quoted text), and spans per technique in each; None without attribution."""
        if self.attributions is None:
            return None
        quoted = np.zeros(len(self.text), dtype=bool)
        for a, b in self.quoted_ranges:
            quoted[a:b] = True
        visible = self._non_space()
        by_voice = {v: [s for s in self.spans if s.voice == v] for v in ("author", "quoted")}
        return {"density_author": self._density(by_voice["author"], visible & ~quoted),
                "density_quoted": self._density(by_voice["quoted"], visible & quoted),
                "quoted_share": round(float((visible & quoted).sum()) / max(1, int(visible.sum())), 4),
                "counts_author": _counts(by_voice["author"]), "counts_quoted": _counts(by_voice["quoted"])}

    def to_dict(self) -> dict:
        return {
            "schema_version": SCHEMA_VERSION,
            "source": self.source,
            "title": self.title,
            "language": self.language,
            "model_version": self.model_version,
            "text": self.text,
            "length": len(self.text),
            "spans": [s.to_dict(self.text) for s in sorted(self.spans, key=lambda s: (s.start, s.end, s.technique))],
            "counts": self.counts,
            "density": self.density,
            "warnings": list(self.warnings),
            "min_confidence": self.min_confidence,
            "hyperpartisan": self.hyperpartisan.to_dict() if self.hyperpartisan else None,
            "claims": None if self.claims is None else [c.to_dict(self.text) for c in self.claims],
            "attributions": None if self.attributions is None else [a.to_dict() for a in self.attributions],
            "voice": self.voice_figures,
        }

    @classmethod
    def from_dict(cls, d: dict) -> AnalysedDocument:
        major = str(d.get("schema_version", "")).split(".")[0]
        if major != SCHEMA_VERSION.split(".")[0]:
            raise ValueError(f"unsupported schema_version {d.get('schema_version')!r}; expected {SCHEMA_VERSION}")
        text = d["text"]
        spans = []
        for s in d.get("spans", []):
            span = Span(int(s["start"]), int(s["end"]), s["technique"], float(s["confidence"]), s.get("voice"),
                        speaker_from_dict(s.get("speaker")))
            if "text" in s and text[span.start : span.end] != s["text"]:
                raise ValueError(f"span {span.start}-{span.end}: text does not match the offsets")
            spans.append(span)
        return cls(
            text=text,
            source=d.get("source", ""),
            title=d.get("title", ""),
            language=d.get("language", ""),
            model_version=d.get("model_version", ""),
            spans=spans,
            warnings=list(d.get("warnings", [])),
            min_confidence=float(d.get("min_confidence", 0.0)),
            hyperpartisan=reading_from_dict(d.get("hyperpartisan")),
            claims=_claims_from_dict(text, d.get("claims")),
            attributions=attributions_from_dict(d.get("attributions")),
        )


def speaker_from_dict(d: dict | None) -> Speaker | None:
    if not d:
        return None
    if "name" in d:
        return Speaker(int(d["start"]), int(d["end"]), str(d["text"]), d["name"])
    # schema 1.3 and before: resolved was None where the source was a name already
    old = d.get("resolved") or " ".join(str(d["text"]).split(",")[0].split()) or None
    return Speaker(int(d["start"]), int(d["end"]), str(d["text"]), old)


def attributions_from_dict(rows: list | None) -> list[Attribution] | None:
    if rows is None:
        return None
    return [Attribution((int(a["content"]["start"]), int(a["content"]["end"])),
                        (int(a["cue"]["start"]), int(a["cue"]["end"])) if a.get("cue") else None,
                        speaker_from_dict(a.get("source"))) for a in rows]


def reading_from_dict(d: dict | None) -> PartisanReading | None:
    if not d:
        return None
    reasons = [Reason(str(r["kind"]), str(r["text"]), float(r["weight"]), r.get("start"), r.get("end"))
               for r in d.get("reasons", [])]
    return PartisanReading(float(d["probability"]), str(d["label"]), reasons)


def _claims_from_dict(text: str, rows: list | None) -> list[Claim] | None:
    if rows is None:
        return None
    claims = []
    for c in rows:
        claim = Claim(int(c["start"]), int(c["end"]), float(c["score"]))
        if "text" in c and text[claim.start : claim.end] != c["text"]:
            raise ValueError(f"claim {claim.start}-{claim.end}: text does not match the offsets")
        claims.append(claim)
    return claims
