"""Which model runs: the fast tier (shipped, the default), the accurate tier, a model learned from
reviews (by name, see learned.py), or a folder. No --model means the model `propscan models use` chose.

Every command takes the same --model value and comes here, so a tier means the same thing in
analyze, predict, evaluate, serve and batch.
"""

from __future__ import annotations

import json
from pathlib import Path

from .errors import ModelError
from .predict import Predictor

TIERS = ("fast", "accurate")


def resolve(model: str | Path | None) -> tuple[Path, bool]:
    """The model folder a --model value names, and whether it holds an accurate-tier model."""
    from .accurate.model import DEFAULT_DIR as ACCURATE_DIR
    from .accurate.model import is_accurate
    from .bundle import DEFAULT_DIR as FAST_DIR
    from .learned import in_use, learned_folder

    if model is None or str(model) == "":
        model = in_use()  # `propscan models use` chose it; "fast" unless it did
        if model not in TIERS and learned_folder(model) is None:
            raise ModelError(f"the model in use, {model}, is not there any more; propscan models use fast")
    if str(model) == "fast":
        return FAST_DIR, False
    if str(model) == "accurate":
        return ACCURATE_DIR, True
    learned = learned_folder(str(model))
    if learned is not None:
        return learned, False
    folder = Path(model)
    if not folder.is_dir():
        raise ModelError(f"--model {model}: not {' or '.join(TIERS)}, and no such model folder")
    return folder, is_accurate(folder)


def load_predictor(model: str | Path | None = None, threads: int | None = None) -> Predictor:
    folder, accurate = resolve(model)
    if accurate:
        from .accurate.model import AccuratePredictor, load_accurate

        return AccuratePredictor(load_accurate(folder), threads=threads)
    from .bundle import load_bundle
    from .learned import LearnedPredictor, is_learned

    if is_learned(folder):
        return LearnedPredictor(load_bundle(folder), threads=threads)
    return Predictor(load_bundle(folder), threads=threads)


def model_version(model: str | Path | None = None) -> str:
    """The version a --model value names, read from its model.json without loading anything."""
    try:
        folder, _ = resolve(model)
        return str(json.loads((folder / "model.json").read_text(encoding="utf-8")).get("version", "unknown"))
    except (ModelError, OSError, ValueError):
        return "unknown"
