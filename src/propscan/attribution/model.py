"""The shipped attribution tagger: a small ONNX graph over the detector's token states."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..assess.features import token_features
from ..bundle import file_sha256, runs_detector
from ..detect import TokenScores, session
from ..errors import ModelError
from .extract import attributions_from
from .polnear import Attribution
from .tags import TAGS

CHUNK = 256  # tokens per piece, as in training (train/attribution.py)

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "resources" / "attribution"


@dataclass
class AttributionModel:
    session: object
    detector: str
    version: str

    def fits(self, model_version: str) -> bool:
        return runs_detector(model_version, self.detector)

    def probabilities(self, scores: TokenScores) -> np.ndarray:
        """Tag probabilities per token. The head was trained on pieces of CHUNK tokens, so it reads
        the text in the same pieces: the full ones together in one batch (the GRU steps through
        CHUNK positions instead of the whole text), then the remainder."""
        feats = token_features(scores)
        n = len(feats)
        full = n // CHUNK * CHUNK
        parts = []
        if full:
            batch = feats[:full].reshape(full // CHUNK, CHUNK, feats.shape[1])
            parts.append(self.session.run(None, {"features": batch})[0].reshape(full, -1))
        if n > full:
            parts.append(self.session.run(None, {"features": feats[None, full:]})[0][0])
        return np.exp(np.concatenate(parts)) if parts else np.zeros((0, len(TAGS)), dtype=np.float32)

    def find(self, scores: TokenScores) -> list[Attribution]:
        """Attributions in the scored text (offsets into scores.text)."""
        return attributions_from(scores.text, self.probabilities(scores), scores.encoded.offsets)


def load_attribution(folder: Path = DEFAULT_DIR, threads: int = 1) -> AttributionModel | None:
    """One thread: the GRU steps one position at a time, so a second thread gains little, and its
    spinning pool would compete with the detector's threads between calls."""
    meta_path, graph = folder / "attribution.json", folder / "attribution.onnx"
    if not meta_path.exists():
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{meta_path}: not readable ({exc})") from None
    if not graph.exists() or file_sha256(graph) != meta.get("sha256"):
        raise ModelError(f"{graph} is missing or does not match the sha256 in attribution.json")
    return AttributionModel(session(graph, threads), str(meta.get("detector", "")), str(meta.get("version", "")))
