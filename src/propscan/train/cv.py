"""5-fold cross-validation by article, through the same ONNX runtime that ships.

Each fold trains on four fifths of the articles, exports fp32 and int8 graphs, and saves
out-of-fold predictions for a grid of thresholds. `tune` then chooses the thresholds and
calibration on those predictions and reports the scores. Folds are resumable: a fold whose
predictions exist is skipped, so a long run can be continued or split across processes.
"""

from __future__ import annotations

import json
import logging
import random
from collections import defaultdict
from pathlib import Path

import numpy as np

from .. import techniques
from ..bundle import load_bundle
from ..decode import channel_spans
from ..predict import Predictor, candidate_spans
from ..ptc import LabelledArticle
from .export import crf_entry, export_onnx, write_model_card_json
from .loop import TrainConfig, train

log = logging.getLogger(__name__)

N_FOLDS = 5
GRID = [round(x, 2) for x in np.arange(0.20, 0.71, 0.05)]
EXTEND_GRID = [0.0, 0.1, 0.15, 0.2]
# per-technique token channels: (threshold, extension) pairs tried for each technique
CHANNEL_GRID = [(th, ext) for th in (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5) for ext in (0.0, 0.1) if th - ext >= 0.05]


def candidates_key(threshold: float, extend: float) -> str:
    return str(threshold) if not extend else f"{threshold}~{extend}"
VARIANTS = {"fp32": "detector.fp32.onnx", "int8": "detector.int8.onnx"}


def fold_of(articles: list[LabelledArticle], seed: int = 13) -> dict[str, int]:
    ids = sorted(a.id for a in articles)
    random.Random(seed).shuffle(ids)
    return {aid: i % N_FOLDS for i, aid in enumerate(ids)}


def out_of_fold(predictor: Predictor, articles: list[LabelledArticle], chunk: int = 16) -> dict:
    """Predictions on held-out articles for every threshold and extension (one encoder pass)."""
    result = {}
    for i in range(0, len(articles), chunk):
        part = articles[i : i + chunk]
        for art, scores in zip(part, predictor.score([a.text for a in part])):
            result[art.id] = oof_record(art, scores, predictor.labeller)
    return result


def oof_record(art: LabelledArticle, scores, labeller) -> dict:
    """One held-out article's candidates at every threshold, its channels and its TC rows."""
    per_threshold = {}
    for th, ext in ((th, ext) for th in GRID for ext in EXTEND_GRID if th - ext >= 0.05):
        spans, probs = candidate_spans(scores, labeller, th, ext)
        per_threshold[candidates_key(th, ext)] = [
            [s, e, round(p, 5), [round(float(x), 5) for x in row]] for (s, e, p), row in zip(spans, probs)
        ]
    channels = {
        name: {candidates_key(th, ext): [[s, e, round(p, 5)] for s, e, p in channel_spans(scores, k, th, ext)]
               for th, ext in CHANNEL_GRID}
        for k, name in enumerate(techniques.NAMES)
    }
    groups = sorted({(s, e) for _, s, e in art.spans})
    tc_probs = labeller.probabilities(scores, groups)
    return {
        "candidates": per_threshold,
        "channels": channels,
        "tc": [[s, e, [round(float(x), 5) for x in row]] for (s, e), row in zip(groups, tc_probs)],
    }


def run_fold(k: int, articles: list[LabelledArticle], run_dir: Path, cfg: TrainConfig, resume: bool = False) -> None:
    fold_dir = Path(run_dir) / f"fold{k}"
    if all((fold_dir / f"oof_{v}.json").is_file() for v in VARIANTS):
        log.info("fold %d already done", k)
        return
    folds = fold_of(articles)
    train_set = [a for a in articles if folds[a.id] != k]
    held_out = [a for a in articles if folds[a.id] == k]
    weights = fold_dir / "weights.safetensors"
    if not weights.is_file():
        train(train_set, fold_dir, cfg, resume=resume)
    onnx_dir = fold_dir / "onnx"
    if not (onnx_dir / VARIANTS["int8"]).is_file():
        export_onnx(weights, onnx_dir)
    for variant, detector in VARIANTS.items():
        write_model_card_json(onnx_dir, detector=detector, version=f"cv-fold{k}-{variant}", settings={},
                              extra={"window_tokens": cfg.window_tokens, **crf_entry(weights, cfg.crf)})
        predictor = Predictor(load_bundle(onnx_dir, detector_name=detector), threads=cfg.threads)
        oof = out_of_fold(predictor, held_out)
        tmp = fold_dir / f"oof_{variant}.json.tmp"
        tmp.write_text(json.dumps(oof))
        tmp.replace(fold_dir / f"oof_{variant}.json")
        log.info("fold %d %s: %d held-out articles predicted", k, variant, len(oof))


def load_oof(run_dir: Path, variant: str) -> dict:
    merged: dict = {}
    for k in range(N_FOLDS):
        path = Path(run_dir) / f"fold{k}" / f"oof_{variant}.json"
        if path.is_file():
            merged.update(json.loads(path.read_text()))
    return merged


def gold_tables(articles: list[LabelledArticle]):
    si = defaultdict(list)
    labelled = defaultdict(list)
    for a in articles:
        for t, s, e in a.spans:
            si[a.id].append((s, e))
            labelled[a.id].append((t, s, e))
    return dict(si), dict(labelled)
