"""The plain shapes the format modules read and write, so that none of them touches the store."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..review import SpanKey


@dataclass(frozen=True)
class Prediction:
    start: int
    end: int
    technique: str
    confidence: float


@dataclass(frozen=True)
class Annotation:
    """One reviewer's finished review: the spans that make the reviewed annotation."""

    reviewer: str
    spans: list[SpanKey]


@dataclass(frozen=True)
class ExportDocument:
    id: str
    title: str
    source: str
    text: str
    model_version: str
    predictions: list[Prediction] = field(default_factory=list)  # the passages shown at the display threshold
    annotations: list[Annotation] = field(default_factory=list)  # finished reviews, latest first

    def spans(self) -> list[SpanKey]:
        """What a format with one layer of spans writes: the latest finished review, else the model's."""
        if self.annotations:
            return self.annotations[0].spans
        return sorted((p.start, p.end, p.technique) for p in self.predictions)


@dataclass(frozen=True)
class RawSpan:
    """A span as a file gives it: a label not yet mapped, offsets not yet checked."""

    start: object
    end: object
    label: object
    text: str | None = None  # the span's text where the format keeps it
    number: int = 0  # 1-based, in the document's order, for messages


@dataclass
class RawDocument:
    where: str  # how a message names it: "tasks.json: task 3 (id 'abc')"
    text: str
    spans: list[RawSpan]
    id: str = ""
    title: str = ""
    source: str = ""
    # spans may count UTF-16 code units (JavaScript tools); the text check tells, where the format has span texts
    text_compare: str = "exact"  # or "brat": newlines in a span's text are written as spaces
