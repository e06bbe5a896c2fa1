"""Which model runs: the fast tier (shipped, the default), the accurate tier, or a folder.

Every command takes the same --model value and comes here, so a tier means the same thing in
analyze, predict, evaluate, serve and batch.
"""

from __future__ import annotations

from pathlib import Path

from .errors import ModelError
from .predict import Predictor

TIERS = ("fast", "accurate")


def load_predictor(model: str | Path | None = None, threads: int | None = None) -> Predictor:
    from .bundle import load_bundle

    if model is None or str(model) in ("", "fast"):
        return Predictor(load_bundle(), threads=threads)
    from .accurate.model import AccuratePredictor, is_accurate, load_accurate

    if str(model) == "accurate":
        return AccuratePredictor(load_accurate(), threads=threads)
    folder = Path(model)
    if not folder.is_dir():
        raise ModelError(f"--model {model}: not {' or '.join(TIERS)}, and no such model folder")
    if is_accurate(folder):
        return AccuratePredictor(load_accurate(folder), threads=threads)
    return Predictor(load_bundle(folder), threads=threads)


def model_version(model: str | Path | None = None) -> str:
    """The version a --model value names, read from its model.json without loading anything."""
    import json

    from .accurate.model import DEFAULT_DIR as ACCURATE_DIR
    from .bundle import DEFAULT_DIR as FAST_DIR

    folder = {None: FAST_DIR, "": FAST_DIR, "fast": FAST_DIR, "accurate": ACCURATE_DIR}.get(
        None if model is None else str(model), Path(str(model)))
    try:
        return str(json.loads((folder / "model.json").read_text(encoding="utf-8")).get("version", "unknown"))
    except (OSError, ValueError):
        return "unknown"
