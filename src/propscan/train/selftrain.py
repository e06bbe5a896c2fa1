"""Two-stage training: a teacher on gold articles, then a student on gold + teacher-labelled news.

`propscan train` and every cross-validation fold go through `train_model`, so the recipe
that is scored is the recipe that ships. Each stage is resumable: a teacher whose weights
exist is not trained again.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import replace
from pathlib import Path

from ..encoding import load_tokenizer
from ..ptc import LabelledArticle
from .base import base_model_dir
from .data import article_examples
from .export import export_onnx, write_model_card_json
from .loop import TrainConfig, train
from .silver import pick_texts, read_unlabelled, silver_examples

log = logging.getLogger(__name__)


def train_model(articles: list[LabelledArticle], out_dir: Path, cfg: TrainConfig,
                unlabelled: list[Path] | None = None) -> Path:
    """Weights trained on ``articles``; with ``unlabelled`` text and a silver share, self-trained."""
    if not unlabelled or cfg.silver_share <= 0:
        return train(articles, out_dir, cfg)
    teacher_dir = Path(out_dir) / "teacher"
    weights = teacher_dir / "weights.safetensors"
    if not weights.is_file():
        train(articles, teacher_dir, replace(cfg, silver_share=0.0))
    graphs = teacher_dir / "onnx"
    if not (graphs / "model.json").is_file():
        export_onnx(weights, graphs)
        write_model_card_json(graphs, detector="detector.int8.onnx", version="teacher", settings={})
    t0 = time.time()
    tokenizer = load_tokenizer(base_model_dir() / "tokenizer.json")
    gold_windows = sum(len(article_examples(tokenizer, a)) for a in articles)
    wanted = math.ceil(cfg.silver_share * gold_windows * cfg.epochs)
    texts = pick_texts(read_unlabelled(unlabelled), tokenizer, wanted, seed=cfg.seed)
    silver = silver_examples(texts, graphs, threads=cfg.threads)
    log.info("teacher labelled %d windows of %d unlabelled articles in %.0f s", len(silver), len(texts), time.time() - t0)
    return train(articles, out_dir, cfg, silver=silver)
