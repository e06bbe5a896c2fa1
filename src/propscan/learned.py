"""Models learned from a user's reviews: where they live, which one is in use, and how they predict.

A learned model is the shipped fast model (its files copied, so an upgrade of propscan does not
change it) plus a small token head over the encoder's last-layer states, read with numpy: no torch
is needed to use one. For each technique the head was kept for, its spans either replace the fast
model's spans of that technique or are added beside them, with their own calibration. Models are
folders under the user data folder (PROPSCAN_MODELS_DIR overrides it); the file `in-use` names the
model every command runs when no --model is given.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from . import techniques
from .decode import channel_spans
from .detect import TokenScores
from .errors import InputError, ModelError
from .guards import GuardOptions
from .predict import Labelled, Predictor, calibrate, guarded

MODELS_ENV = "PROPSCAN_MODELS_DIR"
IN_USE_FILE = "in-use"
BUILTIN = ("fast", "accurate")
HEAD_FILE = "learned_head.npz"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def models_root() -> Path:
    """Where learned models are kept: $PROPSCAN_MODELS_DIR, else the user data folder's models/."""
    if os.environ.get(MODELS_ENV):
        return Path(os.environ[MODELS_ENV])
    from platformdirs import user_data_path

    return user_data_path("propscan", appauthor=False) / "models"


def check_name(name: str) -> str:
    if not _NAME.match(name or "") or name in BUILTIN:
        raise InputError(f"model name {name!r}: use letters, digits, '.', '_' or '-' (at most 64), not "
                         f"{' or '.join(BUILTIN)}")
    return name


def learned_folder(name: str) -> Path | None:
    """The folder of the learned model ``name``, or None when there is none."""
    if not _NAME.match(name or "") or name in BUILTIN:
        return None
    folder = models_root() / name
    return folder if (folder / "model.json").is_file() else None


def is_learned(folder: Path) -> bool:
    try:
        return "learned" in json.loads((Path(folder) / "model.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False


def learned_names() -> list[str]:
    root = models_root()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if _NAME.match(p.name) and (p / "model.json").is_file())


def next_name(prefix: str = "learned") -> str:
    """The next free version name: learned-1, learned-2, ..."""
    taken = set(learned_names())
    n = 1
    while f"{prefix}-{n}" in taken or (models_root() / f"{prefix}-{n}").exists():
        n += 1
    return f"{prefix}-{n}"


def in_use() -> str:
    """The model every command runs when no --model is given ('fast' unless `models use` chose another)."""
    try:
        name = (models_root() / IN_USE_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return "fast"
    return name or "fast"


def _known(name: str) -> bool:
    return name in BUILTIN or learned_folder(name) is not None


def unknown_model(name: str) -> InputError:
    names = [*BUILTIN, *learned_names()]
    return InputError(f"no model named {name!r}; there are: {', '.join(names)}")


def use(name: str) -> str:
    """Make ``name`` the model in use (written atomically); returns it."""
    if not _known(name):
        raise unknown_model(name)
    root = models_root()
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".{IN_USE_FILE}.tmp"
    tmp.write_text(name + "\n", encoding="utf-8")
    tmp.replace(root / IN_USE_FILE)
    return name


def remove(name: str) -> bool:
    """Delete a learned model; returns whether it was in use (the fast model is then in use again)."""
    if name in BUILTIN:
        raise InputError(f"{name} ships with propscan and cannot be removed (propscan models use switches models)")
    folder = learned_folder(name)
    if folder is None:
        raise unknown_model(name)
    was_in_use = in_use() == name
    if was_in_use:
        use("fast")
    trash = folder.with_name(f".{name}.removing")
    folder.rename(trash)  # a stop half-way leaves no half model under the name
    shutil.rmtree(trash)
    return was_in_use


# --- predicting -----------------------------------------------------------------------------------

def head_features(scores: TokenScores) -> np.ndarray:
    """(n_tokens, 384 + 14 + 3) what the head reads per token: the encoder's last-layer state (from
    the window that holds the token) and the fast model's own technique and B/I/O probabilities."""
    n = len(scores.encoded.offsets)
    width = scores.hidden[0].shape[-1] if scores.hidden else 384
    states = np.zeros((n, width), dtype=np.float32)
    for w, h in zip(scores.windows, scores.hidden):
        states[w.start : w.stop] = h[1 : 1 + w.stop - w.start]
    return np.concatenate([states, scores.tech.astype(np.float32), scores.bio.astype(np.float32)], axis=1)


def article_vector(features: np.ndarray) -> np.ndarray:
    """What the genre test reads of a text: its tokens' features averaged, and its length."""
    mean = features.mean(0) if len(features) else np.zeros(features.shape[1], dtype=np.float32)
    return np.concatenate([mean.astype(np.float32), [np.log1p(len(features))]]).astype(np.float32)


@dataclass
class TokenHead:
    """Linear, ReLU, linear: per-token probabilities of the 14 techniques; and a logistic genre test
    (gw, gb) on the article vector: is this text like the reviewed ones rather than the user's other
    analyses? The head's rules apply only to texts that are (no test: to every text)."""

    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray
    gw: np.ndarray | None = None
    gb: np.ndarray | None = None

    @classmethod
    def load(cls, path: Path) -> TokenHead:
        try:
            with np.load(path) as z:
                head = cls(*(z[k].astype(np.float32) for k in ("w1", "b1", "w2", "b2")),
                           *((z["gw"].astype(np.float32), z["gb"].astype(np.float32)) if "gw" in z else ()))
        except (OSError, KeyError, ValueError) as exc:
            raise ModelError(f"unreadable learned head {path}: {exc}") from None
        if head.w2.shape[1] != len(techniques.NAMES) or head.w1.shape[1] != head.w2.shape[0] or (
                head.gw is not None and head.gw.shape != (head.w1.shape[0] + 1,)):
            raise ModelError(f"learned head {path} does not have the expected shapes")
        return head

    def save(self, path: Path) -> None:
        genre = {} if self.gw is None else {"gw": self.gw, "gb": self.gb}
        with open(path, "wb") as f:
            np.savez(f, w1=self.w1, b1=self.b1, w2=self.w2, b2=self.b2, **genre)

    def in_genre(self, features: np.ndarray) -> bool:
        if self.gw is None:
            return True
        return float(article_vector(features) @ self.gw + self.gb) > 0.0

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        if len(features) == 0:
            return np.zeros((0, len(techniques.NAMES)), dtype=np.float32)
        z = np.maximum(features @ self.w1 + self.b1, 0.0) @ self.w2 + self.b2
        return (1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))).astype(np.float32)


@dataclass(frozen=True)
class TechniqueRule:
    """How a kept technique's spans are found: the head's channel at ``threshold`` (grown down to
    threshold - extend), replacing the fast model's spans of it or added beside them; calibrated by
    (a, b) on the head's mean probability."""

    mode: str  # "replace" or "add"
    threshold: float
    extend: float = 0.0
    calib: tuple[float, float] = (1.0, 0.0)


def head_spans(scores: TokenScores, probs: np.ndarray, rules: dict[str, TechniqueRule]) -> list[Labelled]:
    """The spans the head finds for each technique in ``rules``, confidence calibrated."""
    as_tech = replace(scores, tech=probs)
    out = []
    for name, rule in rules.items():
        for s, e, p in channel_spans(as_tech, techniques.INDEX[name], rule.threshold, rule.extend):
            out.append(Labelled(s, e, name, round(calibrate(p, *rule.calib), 4)))
    return out


def combine(base: list[Labelled], found: list[Labelled], rules: dict[str, TechniqueRule]) -> list[Labelled]:
    """The fast model's spans with the head's: a 'replace' technique comes only from the head; an
    'add' technique keeps the fast model's spans and gains the head's that overlap none of them."""
    kept = [x for x in base if rules.get(x.technique, TechniqueRule("add", 1.0)).mode != "replace"]
    by_tech: dict[str, list[Labelled]] = {}
    for x in kept:
        by_tech.setdefault(x.technique, []).append(x)
    out = list(kept)
    for x in found:
        rule = rules[x.technique]
        if rule.mode == "add" and any(y.start < x.end and x.start < y.end for y in by_tech.get(x.technique, [])):
            continue
        out.append(x)
    return sorted(set(out), key=lambda x: (x.start, x.end, x.technique))


def load_rules(meta: dict, folder: Path) -> dict[str, TechniqueRule]:
    try:
        return {str(name): TechniqueRule(str(r["mode"]), float(r["threshold"]), float(r.get("extend", 0.0)),
                                         tuple(float(x) for x in r.get("calib", (1.0, 0.0))))
                for name, r in meta["learned"]["techniques"].items() if name in techniques.INDEX}
    except (KeyError, TypeError, ValueError):
        raise ModelError(f"model.json in {folder}: 'learned' must name techniques with mode and threshold") from None


class LearnedPredictor(Predictor):
    """The fast model with a learned head: the same encoder pass, more (or other) labelled spans."""

    def __init__(self, bundle, threads: int | None = None):
        super().__init__(bundle, threads)
        self.rules = load_rules(bundle.meta, bundle.folder)
        self.head = TokenHead.load(bundle.folder / bundle.meta["learned"].get("head", HEAD_FILE))

    def labelled(self, scores: TokenScores, guards: GuardOptions = GuardOptions()) -> list[Labelled]:
        base = super().labelled(scores, guards)
        features = head_features(scores)
        if not self.head.in_genre(features):
            return base
        found = guarded(scores.text, head_spans(scores, self.head.probabilities(features), self.rules), guards)
        return combine(base, found, self.rules)
