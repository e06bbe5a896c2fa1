"""Choose thresholds and calibration on out-of-fold predictions, and report CV scores.

Tuning on the same out-of-fold predictions that are then scored makes the reported
figures slightly optimistic (a handful of scalars are fitted); the model card says so.
"""

from __future__ import annotations

import math

import numpy as np

from .. import techniques
from ..bundle import Settings
from ..evaluate.metrics import labelled_score, si_score, tc_score
from ..predict import labelled_from_candidates, tc_labels
from ..ptc import LabelledArticle
from .cv import GRID, gold_tables

SECOND_LABEL_GRID = [0.25, 0.3, 0.35, 0.4, 0.5, 1.01]


def _labelled(oof: dict, settings: Settings) -> dict:
    out = {}
    for aid, rec in oof.items():
        cands = rec["candidates"][str(settings.label_threshold)]
        spans = [(s, e, p) for s, e, p, _ in cands]
        probs = np.array([row for *_, row in cands]).reshape(len(cands), len(techniques.NAMES))
        out[aid] = [(x.technique, x.start, x.end, x.confidence) for x in labelled_from_candidates(spans, probs, settings)]
    return out


def fit_platt(raw: list[float], correct: list[int]) -> tuple[float, float]:
    """Logistic regression of correctness on the log-odds of the raw confidence (Newton steps)."""
    if len(set(correct)) < 2:
        return 1.0, 0.0
    x = np.array([math.log(min(max(r, 1e-6), 1 - 1e-6) / (1 - min(max(r, 1e-6), 1 - 1e-6))) for r in raw])
    y = np.array(correct, dtype=float)
    a, b = 1.0, 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-(a * x + b)))
        g = np.array([np.sum((p - y) * x), np.sum(p - y)])
        w = p * (1 - p) + 1e-9
        h = np.array([[np.sum(w * x * x), np.sum(w * x)], [np.sum(w * x), np.sum(w)]]) + 1e-6 * np.eye(2)
        step = np.linalg.solve(h, g)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-8:
            break
    return float(a), float(b)


def expected_calibration_error(conf: list[float], correct: list[int], bins: int = 10) -> float:
    conf_a, corr_a = np.array(conf), np.array(correct, dtype=float)
    ece = 0.0
    for lo in np.linspace(0, 1, bins, endpoint=False):
        m = (conf_a >= lo) & (conf_a < lo + 1 / bins)
        if m.any():
            ece += m.mean() * abs(conf_a[m].mean() - corr_a[m].mean())
    return float(ece)


def _correctness(pred: dict, gold_lab: dict) -> tuple[list[float], list[int]]:
    """A labelled span is correct when it overlaps a gold span of the same technique."""
    conf, correct = [], []
    for aid, spans in pred.items():
        gold = gold_lab.get(aid, [])
        for t, s, e, c in spans:
            conf.append(c)
            correct.append(int(any(gt == t and min(e, ge) > max(s, gs) for gt, gs, ge in gold)))
    return conf, correct


def tune(oof: dict, articles: list[LabelledArticle]) -> dict:
    arts = [a for a in articles if a.id in oof]
    gold_si, gold_lab = gold_tables(arts)
    gold_si = {a.id: gold_si.get(a.id, []) for a in arts}
    gold_lab = {a.id: gold_lab.get(a.id, []) for a in arts}
    # SI threshold
    si_by_th = {}
    for th in GRID:
        pred = {aid: [(s, e) for s, e, _, _ in rec["candidates"][str(th)]] for aid, rec in oof.items()}
        si_by_th[th] = si_score(pred, gold_si)
    si_th = max(GRID, key=lambda th: si_by_th[th].f1)
    # labelled threshold and second-label threshold
    best = None
    for th in GRID:
        for second in SECOND_LABEL_GRID:
            st = Settings(si_threshold=si_th, label_threshold=th, second_label=second)
            pred = _labelled(oof, st)
            score, _ = labelled_score({a: [(t, s, e) for t, s, e, _ in v] for a, v in pred.items()}, gold_lab)
            if best is None or score.f1 > best[0]:
                best = (score.f1, st)
    settings = best[1]
    raw_pred = _labelled(oof, settings)
    conf, correct = _correctness(raw_pred, gold_lab)
    settings.calib_a, settings.calib_b = fit_platt(conf, correct)
    pred = _labelled(oof, settings)
    cal_conf, cal_correct = _correctness(pred, gold_lab)
    lab, lab_per = labelled_score({a: [(t, s, e) for t, s, e, _ in v] for a, v in pred.items()}, gold_lab)
    # TC
    lines = [(a.id, s, e, t) for a in arts for t, s, e in a.spans]
    tc_pred = []
    for a in arts:
        rec = {(s, e): row for s, e, row in oof[a.id]["tc"]}
        groups: dict = {}
        for i, (t, s, e) in enumerate(a.spans):
            groups.setdefault((s, e), []).append(i)
        keys = list(groups)
        labels = tc_labels(np.array([rec[k] for k in keys]), [groups[k] for k in keys])
        tc_pred.extend(labels)
    tc_micro, tc_per = tc_score(lines, tc_pred)
    si = si_by_th[si_th]
    return {
        "articles": len(arts),
        "settings": settings.__dict__,
        "si": si.to_dict(),
        "si_by_threshold": {str(k): round(v.f1, 4) for k, v in si_by_th.items()},
        "tc_micro_f1": tc_micro,
        "labelled": lab.to_dict(),
        "per_technique": {
            t: {"tc_f1": tc_per[t].f1 if t in tc_per else 0.0,
                "labelled_f1": lab_per[t].f1 if t in lab_per else 0.0,
                "gold_spans": lab_per[t].n_gold if t in lab_per else 0}
            for t in techniques.NAMES
        },
        "calibration": {
            "ece_before": expected_calibration_error(conf, correct),
            "ece_after": expected_calibration_error(cal_conf, cal_correct),
        },
    }
