"""ingest -> segment -> detect -> label -> assess (reading aids) -> AnalysedDocument, for any number of articles.

Very long texts are analysed in sections of whole sentences, so memory stays bounded
(the encoder's hidden states are kept only for one section at a time) and nothing is cut.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .assess.aids import AidOptions, ReadingAids, add_readings, load_aids
from .assess.evidence import SectionEvidence, gather, summarise
from .attribution.model import load_attribution
from .attribution.voice import add_voices, shifted
from .doc import AnalysedDocument, Span
from .ingest.sources import RawArticle
from .language import detect_language
from .predict import Predictor
from .tiers import load_predictor
from .segment import sentence_bounds

SECTION_CHARS = 60_000


def sections(text: str, limit: int = SECTION_CHARS) -> list[tuple[int, int]]:
    """Cut text into consecutive ranges of whole sentences of at most ~limit characters."""
    if len(text) <= limit:
        return [(0, len(text))]
    out = []
    start = 0
    for _, e in sentence_bounds(text):
        if e - start >= limit:
            out.append((start, e))
            start = e
    if start < len(text):
        out.append((start, len(text)))
    return out


class Analyzer:
    """Holds the loaded model; analyse as many articles as you like with it."""

    def __init__(self, predictor: Predictor | None = None, min_confidence: float | None = None,
                 aids: AidOptions = AidOptions(), reading_aids: ReadingAids | None = None):
        self.predictor = predictor or Predictor()
        self.min_confidence = self.predictor.settings.display_threshold if min_confidence is None else min_confidence
        self.aids = aids
        wanted = aids.partisanship or aids.claims
        self.reading_aids = (reading_aids or load_aids()) if wanted else None
        self.attribution = load_attribution() if aids.attribution else None

    @classmethod
    def load(cls, model: Path | str | None = None, threads: int | None = None,
             min_confidence: float | None = None, aids: AidOptions = AidOptions()) -> Analyzer:
        """A tier ('fast', 'accurate') or a model folder (default: fast), checked against its hashes.
        ``min_confidence``: what readable outputs show by default (None: the model's choice);
        ``aids``: which reading aids (partisanship, claims) to add."""
        return cls(load_predictor(model, threads), min_confidence, aids)

    @property
    def model_version(self) -> str:
        return self.predictor.bundle.version

    def analyze(self, articles: list[RawArticle], pause: Callable[[], None] | None = None) -> list[AnalysedDocument]:
        """`pause` is called between encoder batches (see Detector.score)."""
        parts = [(i, s, e) for i, a in enumerate(articles) for s, e in sections(a.text)]
        spans: list[list[Span]] = [[] for _ in articles]
        evidence: list[list[SectionEvidence]] = [[] for _ in articles]
        quoted: list[list] = [[] for _ in articles]
        attributing = self.attribution is not None and self.attribution.fits(self.model_version)
        batch = 24  # sections scored together: enough to fill encoder batches, bounded memory
        for k in range(0, len(parts), batch):
            chunk = parts[k : k + batch]
            scored = self.predictor.score([articles[i].text[s:e] for i, s, e in chunk], pause)
            for (i, s, _), scores in zip(chunk, scored):
                for x in self.predictor.labelled(scores):
                    spans[i].append(Span(x.start + s, x.end + s, x.technique, x.confidence))
                if self.reading_aids is not None:
                    evidence[i].append(summarise(s, scores))
                if attributing:
                    quoted[i] += [shifted(a, s) for a in self.attribution.find(scores)]
        docs = []
        for art, found, parts, said in zip(articles, spans, evidence, quoted):
            lang = detect_language(art.text)
            warnings = list(art.warnings)
            if lang != "en":
                warnings.append(
                    f"text looks non-English (detected: {lang}); the model was trained on English news, "
                    "so results are unreliable"
                )
            doc = AnalysedDocument(text=art.text, source=art.source, title=art.title, language=lang,
                                   model_version=self.model_version, spans=found, warnings=warnings,
                                   min_confidence=self.min_confidence)
            if self.reading_aids is not None and parts:
                add_readings(doc, gather(art.text, parts), self.reading_aids, self.aids)
            if self.attribution is not None:
                add_voices(doc, said, attributing, reported_only=not self.aids.polnear_attributions)
            docs.append(doc)
        return docs
