"""`propscan evaluate` for the reading aids, on their own labelled formats.

Hyperpartisan: SemEval-2019 Task 4 articles XML + ground-truth XML; each article goes through
the whole pipeline, as `analyze` would see it. An article left without a reading (under 100
words, not English) counts as "not hyperpartisan", and the report says how many there were.
Check-worthiness: a CheckThat! 2024 Task 1 TSV; each sentence is scored alone, as in training.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

from ..assess.aids import AidOptions, load_aids
from ..assess.datasets import read_checkthat, read_semeval2019, read_truth
from ..assess.features import lone_sentence_vectors
from ..errors import InputError, ModelError
from ..ingest.sources import RawArticle
from .metrics import binary_scores

BATCH = 16
log = logging.getLogger("propscan.evaluate")


def _analysed(analyzer, raws: list[RawArticle]):
    """Each article's document, through the whole pipeline, BATCH at a time (bounded memory)."""
    for k in range(0, len(raws), BATCH):
        yield from analyzer.analyze(raws[k : k + BATCH])


def evaluate_hyperpartisan(articles: Path, truth: Path, model: str | Path | None = None, *,
                           lenient: bool = False, warn: Callable[[str], None] = log.warning) -> dict:
    from ..pipeline import Analyzer

    read = read_semeval2019(articles, truth)
    # A truth label without its article would be dropped without a word, and the score be of fewer articles.
    missing = sorted(set(read_truth(truth)) - {a.id for a in read})
    if missing:
        listed = f"{len(missing)} article id{'s' * (len(missing) != 1)} not in {articles}: {', '.join(missing[:5])}"
        if not lenient:
            raise InputError(f"{truth}: names {listed}{' ...' * (len(missing) > 5)} (--lenient skips them)")
        warn(f"--lenient: skipped the labels of {listed}{' ...' * (len(missing) > 5)}")
    items = [a for a in read if a.hyperpartisan is not None]
    if not items:
        raise InputError(f"{truth}: names none of the articles in {articles}")
    analyzer = Analyzer.load(model, aids=AidOptions(claims=False, attribution=False))
    raws = [RawArticle(source=a.id, text=a.text, title=a.title, kind="text") for a in items]
    probabilities = [d.hyperpartisan.probability if d.hyperpartisan else None for d in _analysed(analyzer, raws)]
    scores = binary_scores([a.hyperpartisan for a in items], [p is not None and p >= 0.5 for p in probabilities])
    return {"task": "hyperpartisan", "articles": len(items), "without_reading": probabilities.count(None),
            "model_version": analyzer.model_version, **scores}


def evaluate_checkworthy(path: Path, model: str | Path | None = None, threshold: float | None = None) -> dict:
    from ..tiers import load_predictor

    rows = [r for r in read_checkthat(path) if r.checkworthy is not None]
    if not rows:
        raise InputError(f"{path}: no labelled sentences (class_label Yes/No)")
    aids = load_aids()
    if aids.claims is None:
        raise ModelError("no check-worthiness model is installed (resources/assess/claims.json)")
    predictor = load_predictor(model)
    if not aids.fits(predictor.bundle.version):
        raise ModelError(f"the claims model reads the states of detector {aids.detector}; "
                         f"this model is {predictor.bundle.version}")
    cut = aids.claims.threshold if threshold is None else threshold
    texts = [r.text for r in rows]
    scores = aids.claims.scores(texts, lone_sentence_vectors(predictor, texts))
    return {"task": "checkworthy", "sentences": len(rows), "threshold": cut,
            "model_version": predictor.bundle.version,
            **binary_scores([r.checkworthy for r in rows], [s >= cut for s in scores])}


def evaluate_attribution(folder: Path, model: str | Path | None = None) -> dict:
    """PolNeAR-format input (a folder with text/ and attributions/): every article through the whole
    pipeline, its attributions scored per role (overlap and exact F1) and by source-content pairing."""
    from ..attribution.polnear import Attribution, read_split
    from ..attribution.score import attribution_scores
    from ..pipeline import Analyzer

    articles = read_split(folder)
    analyzer = Analyzer.load(model, aids=AidOptions(partisanship=False, claims=False, polnear_attributions=True))
    if analyzer.attribution is None:
        raise ModelError("no attribution model is installed (resources/attribution)")
    raws = [RawArticle(source=a.name, text=a.text, title="", kind="text") for a in articles]
    pred = {a.name: [Attribution(x.content, x.cue, (x.source.start, x.source.end) if x.source else None)
                     for x in doc.attributions or []] for a, doc in zip(articles, _analysed(analyzer, raws))}
    return {"task": "attribution", "model_version": analyzer.model_version,
            **attribution_scores(pred, {a.name: a.attributions for a in articles})}
