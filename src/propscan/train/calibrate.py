"""Confidence a reader can use: Platt scaling per technique, a reliability table, a display cut.

All three are read from out-of-fold predictions. A technique with few predicted spans borrows
strength from the pooled fit (its scaling is pulled towards it), so a rare technique cannot
end up with a confidence fitted to a dozen spans. The reliability table is cross-fitted
(scaling fitted on one half of the articles, read on the other), so it shows what a new
article would see rather than how well the scaling fits its own data.
"""

from __future__ import annotations

import math

import numpy as np

from ..predict import calibrate

PRIOR_SPANS = 30  # a technique's own fit counts like this many spans of the pooled one
DISPLAY_PRECISION = 0.6  # shown by default: spans right at least this often in CV
F_TOLERANCE = 0.01  # cuts whose F0.5 is this close to the best are as good: the lowest shows most
BINS = [0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0001]


def _logit(r: float) -> float:
    r = min(max(r, 1e-6), 1 - 1e-6)
    return math.log(r / (1 - r))


def fit_platt(raw: list[float], correct: list[int], prior: tuple[float, float] = (1.0, 0.0),
              strength: float = 1e-6) -> tuple[float, float]:
    """Logistic regression of correctness on the raw confidence's log-odds (Newton steps), with a
    Gaussian pull of ``strength`` towards ``prior``."""
    if not raw:
        return prior
    x = np.array([_logit(r) for r in raw])
    y = np.array(correct, dtype=float)
    theta = np.array(prior, dtype=float)
    for _ in range(50):
        p = 1 / (1 + np.exp(-(theta[0] * x + theta[1])))
        g = np.array([np.sum((p - y) * x), np.sum(p - y)]) + strength * (theta - prior)
        w = p * (1 - p) + 1e-9
        h = np.array([[np.sum(w * x * x), np.sum(w * x)], [np.sum(w * x), np.sum(w)]]) + (strength + 1e-6) * np.eye(2)
        step = np.linalg.solve(h, g)
        theta = theta - step
        if np.abs(step).max() < 1e-8:
            break
    return float(theta[0]), float(theta[1])


def fit_per_technique(raw: list[float], correct: list[int], names: list[str]) -> tuple[tuple[float, float], dict]:
    """The pooled scaling and each technique's own, shrunk towards it."""
    pooled = fit_platt(raw, correct) if len(set(correct)) == 2 else (1.0, 0.0)
    # the pull is worth PRIOR_SPANS spans' curvature (about 1/4 each at p = 0.5, times x^2 ~ 1)
    strength = PRIOR_SPANS / 4
    own = {}
    for name in sorted(set(names)):
        idx = [i for i, n in enumerate(names) if n == name]
        own[name] = list(fit_platt([raw[i] for i in idx], [correct[i] for i in idx], pooled, strength))
    return pooled, own


def apply(raw: list[float], names: list[str], pooled: tuple[float, float], own: dict) -> list[float]:
    return [calibrate(r, *own.get(n, pooled)) for r, n in zip(raw, names)]


def reliability(conf: list[float], correct: list[int]) -> list[dict]:
    """Predicted confidence against observed precision, bin by bin."""
    c, y = np.array(conf), np.array(correct, dtype=float)
    rows = []
    for lo, hi in zip(BINS, BINS[1:]):
        m = (c >= lo) & (c < hi)
        if m.any():
            rows.append({"bin": f"{lo:.1f}-{min(hi, 1.0):.1f}", "spans": int(m.sum()),
                         "mean_confidence": round(float(c[m].mean()), 3), "precision": round(float(y[m].mean()), 3)})
    return rows


def display_threshold(conf: list[float], correct: list[int], target: float = DISPLAY_PRECISION) -> dict:
    """The lowest cut (in steps of 0.05) where the spans at or above it are right ``target`` of the
    time. Where no cut gets there, the cut with the best F0.5 (precision weighted over the share
    of right spans kept), or the lowest cut within F_TOLERANCE of it: within noise, show more."""
    c, y = np.array(conf), np.array(correct, dtype=float)
    cuts = []
    for cut in np.arange(0.0, 1.0, 0.05):
        m = c >= cut
        if m.sum() < 20 or not y.any():
            break
        p, r = y[m].mean(), y[m].sum() / y.sum()
        row = {"threshold": round(float(cut), 2), "precision": round(float(p), 3), "kept": round(float(m.mean()), 3),
               "right_spans_kept": round(float(r), 3), "f0.5": round(float(1.25 * p * r / (0.25 * p + r)), 4)}
        if p >= target:
            return {**row, "rule": f"precision reaches {target}"}
        cuts.append(row)
    if not cuts:
        return {"threshold": 0.0, "precision": None, "kept": 1.0, "rule": "too few spans to choose"}
    best = max(r["f0.5"] for r in cuts)
    chosen = next(r for r in cuts if r["f0.5"] >= best - F_TOLERANCE)
    return {**chosen, "rule": f"precision never reaches {target}: the lowest cut within {F_TOLERANCE} of the best F0.5"}


def cross_fitted(raw: list[float], correct: list[int], names: list[str], groups: list[str],
                 per_technique: bool = True) -> list[float]:
    """Each span's confidence under a scaling fitted on the other half of the articles
    (``per_technique`` False: the pooled scaling only, to compare with)."""
    halves = [hash_half(g) for g in groups]
    out = [0.0] * len(raw)
    for half in (0, 1):
        fit = [i for i, h in enumerate(halves) if h != half]
        pooled, own = fit_per_technique([raw[i] for i in fit], [correct[i] for i in fit], [names[i] for i in fit])
        own = own if per_technique else {}
        for i in (i for i, h in enumerate(halves) if h == half):
            out[i] = calibrate(raw[i], *own.get(names[i], pooled))
    return out


def expected_calibration_error(conf: list[float], correct: list[int], bins: int = 10) -> float:
    conf_a, corr_a = np.array(conf), np.array(correct, dtype=float)
    ece = 0.0
    for lo in np.linspace(0, 1, bins, endpoint=False):
        m = (conf_a >= lo) & (conf_a < lo + 1 / bins)
        if m.any():
            ece += m.mean() * abs(conf_a[m].mean() - corr_a[m].mean())
    return float(ece)


def technique_ece(conf: list[float], correct: list[int], names: list[str], bins: int = 10) -> float:
    """Expected calibration error within each technique, averaged with the techniques' span counts
    as weights: what per-technique scaling should lower (the pooled ECE cannot see a technique
    that is over-confident while another is under-confident)."""
    total = 0.0
    for name in set(names):
        idx = [i for i, n in enumerate(names) if n == name]
        total += len(idx) * expected_calibration_error([conf[i] for i in idx], [correct[i] for i in idx], bins)
    return total / max(len(conf), 1)


def hash_half(article_id: str) -> int:
    """A stable split of articles in two (by the digits of the id)."""
    return sum(ord(ch) for ch in article_id) % 2
