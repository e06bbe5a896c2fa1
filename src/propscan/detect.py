"""Run the encoder over an article's windows: token probabilities and hidden states.

This is the expensive stage, so it batches windows across articles (sorted by length to
avoid padding) and owns the ONNX Runtime session. It never changes a document; the
decode and label stages turn its scores into spans.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import onnxruntime as ort

from .bundle import Bundle
from .crf import marginals
from .encoding import EncodedArticle, batch_arrays, encode, load_tokenizer
from .segment import Window, windows_for

PAUSE_EVERY = 8  # windows (~1,000 tokens, ~0.15 s on 2 cores) between pauses


@dataclass
class TokenScores:
    """Encoder output for one article."""

    text: str
    encoded: EncodedArticle
    windows: list[Window]
    bio: np.ndarray  # (n_tokens, 3) probabilities of O, B, I
    tech: np.ndarray  # (n_tokens, 14) per-technique token probabilities
    hidden: list[np.ndarray]  # per window: (len + 2, 384), [CLS] first
    extra: list[np.ndarray] | None = None  # the accurate tier's base-encoder states, laid out as hidden

    @property
    def inside(self) -> np.ndarray:
        """Probability that each token is inside some propaganda span."""
        return self.bio[:, 1] + self.bio[:, 2]


def session(path, threads: int | None = None) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads or min(2, os.cpu_count() or 1)
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


class Detector:
    def __init__(self, bundle: Bundle, threads: int | None = None):
        self.bundle = bundle
        self.tokenizer = load_tokenizer(bundle.tokenizer)
        self.session = session(bundle.detector, threads)

    def score(self, texts: list[str], pause: Callable[[], None] | None = None) -> list[TokenScores]:
        """Token scores for each text, batching windows of all texts together.

        `pause`, if given, is called every few windows, so a server can answer short
        requests in the middle of a long article.
        """
        encoded = [encode(self.tokenizer, t) for t in texts]
        size = self.bundle.window_tokens
        windows = [windows_for(t, e.offsets, size) if e.offsets else [] for t, e in zip(texts, encoded)]
        jobs = [(a, w) for a, ws in enumerate(windows) for w in ws]
        outputs = self.encode_windows([encoded[a].ids[w.start : w.stop] for a, w in jobs], pause)
        results = []
        pos = 0
        for text, enc, ws in zip(texts, encoded, windows):
            n = len(enc.offsets)
            bio = np.zeros((n, 3), dtype=np.float32)
            tech = np.zeros((n, self._n_tech), dtype=np.float32)
            seen = np.zeros((n, 1), dtype=np.float32)
            hidden = []
            for w in ws:
                h, b, t = outputs[pos]
                pos += 1
                bio[w.start : w.stop] += b
                tech[w.start : w.stop] += t
                seen[w.start : w.stop] += 1
                hidden.append(h)
            seen[seen == 0] = 1
            results.append(TokenScores(text, enc, ws, bio / seen, tech / seen, hidden))
        return results

    @property
    def _n_tech(self) -> int:
        return self.session.get_outputs()[2].shape[-1]

    def encode_windows(self, rows: list[np.ndarray], pause: Callable[[], None] | None = None):
        """Encoder outputs per row, trimmed to the row's own tokens (hidden keeps [CLS]).

        One window per call: int8 dynamic quantization scales activations by the range of the
        whole input tensor, so batching windows together (or padding them) would make a
        window's scores depend on its neighbours. One at a time, an article gets the same
        result whatever it is analysed with, and on these CPUs it is no slower.
        """
        out = []
        for k, row in enumerate(rows):
            if pause is not None and k and k % PAUSE_EVERY == 0:
                pause()
            ids, mask = batch_arrays([row])
            hidden, bio, tech = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
            n = len(row)
            out.append((hidden[0, : n + 2], bio[0, 1 : n + 1], tech[0, 1 : n + 1]))
        if self.bundle.crf is not None:
            bios = marginals([b for _, b, _ in out], *self.bundle.crf)
            out = [(h, b, t) for (h, _, t), b in zip(out, bios)]
        return out
