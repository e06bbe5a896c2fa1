"""The shipped model as a folder: ONNX graphs, tokenizer and a model.json of settings.

model.json holds what was tuned by cross-validation (decision thresholds, calibration) and
the hashes of the graph files, so a corrupt or swapped file is caught before it is used.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import ModelError
from .segment import MAX_WINDOW, MIN_WINDOW, WINDOW_TOKENS

DEFAULT_DIR = Path(__file__).parent / "resources" / "model"


@dataclass
class Settings:
    si_threshold: float = 0.5  # token "inside propaganda" probability for SI output
    label_threshold: float = 0.5  # same, for labelled output (analyze, --format ptc)
    second_label: float = 1.01  # emit a span's 2nd technique when its probability is above this
    calib_a: float = 1.0  # Platt scaling of raw confidence log-odds: sigmoid(a * logit + b)
    calib_b: float = 0.0
    si_join_words: int = 0  # join SI spans separated by at most this many words of one sentence
    label_join_words: int = 0  # the same for labelled spans
    si_extend: float = 0.0  # SI spans grow over neighbouring tokens down to si_threshold - si_extend
    label_extend: float = 0.0  # the same for labelled spans
    # technique -> [threshold, extend]: that technique's spans come from its own token channel
    channels: dict[str, list[float]] = field(default_factory=dict)
    # technique -> least span-head probability for the span classifier to name that technique
    label_min: dict[str, float] = field(default_factory=dict)
    # techniques the span classifier names on whole sentences (their spans grow to the sentence)
    whole_sentence: list[str] = field(default_factory=list)
    # technique -> [a, b]: that technique's own Platt scaling (techniques not named use calib_a/b)
    calib: dict[str, list[float]] = field(default_factory=dict)
    # least confidence a reader is shown by default (the JSON keeps every span); chosen in CV
    # as the lowest cut where the spans kept are right at least DISPLAY_PRECISION of the time
    display_threshold: float = 0.0

    def calibration(self, technique: str) -> tuple[float, float]:
        return tuple(self.calib.get(technique, (self.calib_a, self.calib_b)))

    @classmethod
    def from_dict(cls, d: dict) -> Settings:
        fields = cls.__dataclass_fields__
        known = {}
        for k, v in d.items():
            if k not in fields:
                continue
            if k in ("channels", "calib"):
                known[k] = {str(t): [float(x) for x in pair] for t, pair in v.items()}
            elif k == "label_min":
                known[k] = {str(t): float(x) for t, x in v.items()}
            elif k == "whole_sentence":
                known[k] = [str(t) for t in v]
            else:
                known[k] = int(v) if fields[k].type in ("int", int) else float(v)
        return cls(**known)


@dataclass
class Bundle:
    folder: Path
    version: str
    detector: Path
    span_head: Path
    tokenizer: Path
    settings: Settings = field(default_factory=Settings)
    meta: dict = field(default_factory=dict)
    window_tokens: int = WINDOW_TOKENS  # content tokens per encoder window, as in training
    # (transitions (3, 3), start (3,)) of a CRF-trained tagger; None: its softmax is used as is
    crf: tuple[np.ndarray, np.ndarray] | None = None


def runs_detector(model_version: str, detector: str) -> bool:
    """Whether a model of `model_version` runs the fast detector `detector`: its own version, or
    the accurate tier's, which names the fast model it blends after a '+'."""
    return bool(detector) and detector in model_version.split("+")


def file_sha256(path: Path) -> str:
    """Read in 1 MiB blocks: the accurate tier's weights are 438 MB."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _window_tokens(meta: dict, folder: Path) -> int:
    """The window size in model.json (models from before it was recorded used 126)."""
    size = meta.get("window_tokens", WINDOW_TOKENS)
    if not isinstance(size, int) or isinstance(size, bool) or not MIN_WINDOW <= size <= MAX_WINDOW:
        raise ModelError(f"model.json in {folder}: window_tokens must be a whole number in {MIN_WINDOW}..{MAX_WINDOW}")
    return size


def _crf(meta: dict, folder: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """The tagger's CRF scores from model.json, if it was trained as a CRF."""
    crf = meta.get("crf")
    if crf is None:
        return None
    try:
        trans = np.array(crf["transitions"], dtype=np.float64)
        start = np.array(crf["start"], dtype=np.float64)
    except (TypeError, KeyError, ValueError):
        trans = start = np.zeros(0)
    if trans.shape != (3, 3) or start.shape != (3,) or not (np.isfinite(trans).all() and np.isfinite(start).all()):
        raise ModelError(f"model.json in {folder}: crf must hold finite 3x3 transitions and 3 start scores")
    return trans, start


def load_bundle(folder: Path | None = None, *, detector_name: str | None = None, verify: bool = True) -> Bundle:
    folder = Path(folder) if folder else DEFAULT_DIR
    card = folder / "model.json"
    if not card.is_file():
        raise ModelError(f"no model.json in {folder}; run `propscan train` or reinstall propscan")
    try:
        meta = json.loads(card.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"unreadable model.json in {folder}: {exc}") from None
    files = meta.get("files", {})
    detector = folder / (detector_name or meta.get("detector", "detector.onnx"))
    bundle = Bundle(
        folder=folder,
        version=str(meta.get("version", "unknown")),
        detector=detector,
        span_head=folder / meta.get("span_head", "span_head.onnx"),
        tokenizer=folder / "tokenizer.json",
        settings=Settings.from_dict(meta.get("settings", {})),
        meta=meta,
        window_tokens=_window_tokens(meta, folder),
        crf=_crf(meta, folder),
    )
    for path in (bundle.detector, bundle.span_head, bundle.tokenizer):
        if not path.is_file():
            raise ModelError(f"model file missing: {path}")
        expected = files.get(path.name)
        if verify and expected and file_sha256(path) != expected:
            raise ModelError(f"model file {path.name} does not match the sha256 in model.json")
    return bundle
