"""Linear-chain CRF over the tagger's O/B/I scores: posterior marginals at run time.

A CRF-trained tagger scores tags jointly along the window (I only after B or I), so its
per-token probabilities are the chain's marginals, computed here by forward-backward from
the graph's per-token probabilities and the transition scores kept in model.json.
"""

from __future__ import annotations

import numpy as np


def marginals(windows: list[np.ndarray], transitions: np.ndarray, start: np.ndarray) -> list[np.ndarray]:
    """(n, 3) posterior tag probabilities of each window from its (n, 3) per-token softmax.

    A softmax differs from the emission scores by a per-token constant, which the chain's
    normalisation cancels, so the probabilities serve as emissions. All windows go through
    one padded forward-backward pass: a Python loop per window cost 0.7 ms a window, about a
    tenth of predict. einsum, not @: these tiny products sent to a threaded
    BLAS fought ONNX Runtime's threads for the cores (predict in one process took 23 s instead of 18).
    """
    lengths = [len(w) for w in windows]
    width = max(lengths, default=0)
    if width == 0:
        return [w.astype(np.float32) for w in windows]
    em = np.ones((len(windows), width, 3))
    valid = np.zeros((len(windows), width), dtype=bool)
    for k, w in enumerate(windows):
        p = np.clip(w.astype(np.float64), 1e-12, 1.0)
        em[k, : len(w)] = p / p.max(axis=1, keepdims=True)
        valid[k, : len(w)] = True
    trans = np.exp(transitions - transitions.max())
    alpha = np.empty_like(em)
    beta = np.ones_like(em)
    a = np.exp(start - start.max()) * em[:, 0]
    alpha[:, 0] = a / a.sum(axis=1, keepdims=True)
    for i in range(1, width):
        a = np.einsum("wi,ij->wj", alpha[:, i - 1], trans) * em[:, i]
        alpha[:, i] = a / a.sum(axis=1, keepdims=True)
    for i in range(width - 2, -1, -1):
        b = np.einsum("wj,ij->wi", em[:, i + 1] * beta[:, i + 1], trans)
        beta[:, i] = np.where(valid[:, i + 1, None], b / b.sum(axis=1, keepdims=True), 1.0)
    m = alpha * beta
    m /= m.sum(axis=2, keepdims=True)
    return [m[k, :n].astype(np.float32) for k, n in enumerate(lengths)]
