"""Choose thresholds and calibration on out-of-fold predictions, and report CV scores.

Tuning on the same out-of-fold predictions that are then scored makes the reported
figures slightly optimistic (a handful of scalars are fitted); the model card says so.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from .. import techniques
from ..bundle import Settings
from ..evaluate.metrics import f1_from, labelled_score, si_score, tc_score
from ..guards import GuardOptions
from ..predict import (guarded, guarded_si, join_fragments, labelled_from_candidates, labelled_from_channels,
                       named_spans, tc_labels)
from ..ptc import LabelledArticle
from ..segment import sentence_bounds, sentence_cover
from . import calibrate
from .cv import CHANNEL_GRID, EXTEND_GRID, GRID, candidates_key, gold_tables

SECOND_LABEL_GRID = [0.25, 0.3, 0.35, 0.4, 0.5, 1.01]
JOIN_GRID = [0, 1, 2, 3, 5, 8, 12]
LABEL_MIN_GRID = [0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
WHOLE_SENTENCE = 0.6  # median share of its sentence a technique's gold spans cover


def _candidates(rec: dict, threshold: float, text: str, join_words: int, extend: float = 0.0):
    cands = rec["candidates"][candidates_key(threshold, extend)]
    spans = [(s, e, p) for s, e, p, _ in cands]
    probs = np.array([row for *_, row in cands]).reshape(len(cands), len(techniques.NAMES))
    return join_fragments(text, spans, probs, join_words)


def _labelled(oof: dict, settings: Settings, texts: dict, guards: GuardOptions = GuardOptions()) -> dict:
    out = {}
    for aid, rec in oof.items():
        spans, probs = _candidates(rec, settings.label_threshold, texts[aid], settings.label_join_words,
                                   settings.label_extend)
        channels = {name: rec["channels"][name][candidates_key(th, ext)] for name, (th, ext) in settings.channels.items()}
        found = labelled_from_candidates(texts[aid], spans, probs, settings) + labelled_from_channels(channels, settings)
        out[aid] = [(x.technique, x.start, x.end, x.confidence) for x in guarded(texts[aid], found, guards)]
    return out


def _score_labelled(pred: dict, gold_lab: dict):
    return labelled_score({a: [(t, s, e) for t, s, e, _ in v] for a, v in pred.items()}, gold_lab)


def labelled_with(oof: dict, settings: Settings, articles: list[LabelledArticle]):
    """Labelled-span score of fixed settings on out-of-fold predictions: how settings chosen on
    other folds fare on these (benchmarks/nested_tuning.py)."""
    arts = [a for a in articles if a.id in oof]
    gold = gold_tables(arts)[1]
    pred = _labelled(oof, settings, {a.id: a.text for a in arts})
    return _score_labelled(pred, {a.id: gold.get(a.id, []) for a in arts})[0]


def si_with(oof: dict, settings: Settings, articles: list[LabelledArticle]):
    """SI score of fixed settings on out-of-fold predictions (see labelled_with)."""
    arts = [a for a in articles if a.id in oof]
    gold = gold_tables(arts)[0]
    pred = {a.id: guarded_si(a.text, _candidates(oof[a.id], settings.si_threshold, a.text, settings.si_join_words,
                                                 settings.si_extend)[0]) for a in arts}
    return si_score(pred, {a.id: gold.get(a.id, []) for a in arts})


def _per_technique(oof: dict, settings: Settings, texts: dict, gold_lab: dict) -> None:
    """Choose, technique by technique, where its labelled spans come from: the span classifier
    (naming it only above a minimum probability) or the technique's own token channel (at a
    threshold). Greedy rounds over the pooled labelled F1; sets ``settings.channels``/``label_min``.
    """
    named = {}  # (technique, s, e, classifier probability) of every span-classifier label
    for aid, rec in oof.items():
        spans, probs = _candidates(rec, settings.label_threshold, texts[aid], settings.label_join_words,
                                   settings.label_extend)
        named[aid] = [(name, s, e, p) for name, s, e, _, p in named_spans(texts[aid], spans, probs, settings)]
    credits = {}  # (technique, option) -> raw sums of that technique's labelled score
    for name in techniques.NAMES:
        gold = {aid: [g for g in gold_lab[aid] if g[0] == name] for aid in oof}
        options = {("min", m): {aid: sorted({(t, s, e) for t, s, e, r in v if t == name and r >= m})
                                for aid, v in named.items()} for m in LABEL_MIN_GRID}
        for th, ext in CHANNEL_GRID:
            options[("channel", th, ext)] = {
                aid: [(name, s, e) for s, e, _ in rec["channels"][name][candidates_key(th, ext)]] for aid, rec in oof.items()}
        for opt, pred in options.items():
            r = labelled_score(pred, gold)[1].get(name)
            n_pred = sum(len(v) for v in pred.values())
            n_gold = sum(len(v) for v in gold.values())
            credits[(name, opt)] = (r.p_credit, r.n_pred, r.r_credit, r.n_gold) if r else (0.0, n_pred, 0.0, n_gold)

    def pooled(choice: dict) -> float:
        sums = np.sum([credits[(name, opt)] for name, opt in choice.items()], axis=0)
        return f1_from(sums[0], int(sums[1]), sums[2], int(sums[3])).f1

    def own_f1(name: str, opt: tuple) -> float:
        return pooled({name: opt})

    # A channel setting may stand in for the classifier only where it names the technique better
    # on its own; otherwise "read it from a channel at a high threshold" would just switch a
    # technique off (Repetition, which only the classifier's article features can see) to lift
    # the pool. Each setting is checked: one good setting does not admit the others.
    options = {}
    for name in techniques.NAMES:
        classifier = own_f1(name, ("min", 0.0))
        options[name] = [("min", m) for m in LABEL_MIN_GRID] + [
            ("channel", th, ext) for th, ext in CHANNEL_GRID if own_f1(name, ("channel", th, ext)) > classifier]
    choice = {name: ("min", 0.0) for name in techniques.NAMES}
    for _ in range(3):
        for name in techniques.NAMES:
            choice[name] = max(options[name], key=lambda o: (pooled({**choice, name: o}), o == choice[name]))
    settings.channels = {n: [o[1], o[2]] for n, o in choice.items() if o[0] == "channel"}
    settings.label_min = {n: o[1] for n, o in choice.items() if o[0] == "min" and o[1] > 0}


def whole_sentence_techniques(articles: list[LabelledArticle]) -> list[str]:
    """Techniques whose gold spans usually fill their sentence (median share >= WHOLE_SENTENCE):
    argument-level techniques that annotators mark sentence by sentence (Doubt, Causal
    Oversimplification, ...). Read from the data rather than tuned: in a nested check it was
    as good as choosing the set on the folds and has nothing to overfit."""
    shares = defaultdict(list)
    for a in articles:
        sentences = sentence_bounds(a.text)
        for t, s, e in a.spans:
            cs, ce = sentence_cover(sentences, s, e)
            shares[t].append((e - s) / max(1, ce - cs))
    return [t for t in techniques.NAMES if shares[t] and float(np.median(shares[t])) >= WHOLE_SENTENCE]


def _extended(threshold: float) -> list[tuple[float, float]]:
    """(threshold, extension) pairs near a threshold found without extension: a grown span's
    core is stricter, so its threshold is looked for at and above the one without."""
    near = [t for t in GRID if threshold <= t <= threshold + 0.15]
    return [(t, e) for t in near for e in EXTEND_GRID if t - e >= 0.05]


def _correctness(pred: dict, gold_lab: dict) -> tuple[list[float], list[int], list[str], list[str]]:
    """Each labelled span's confidence, whether it is right (it overlaps a gold span of the same
    technique), its technique and its article."""
    conf, correct, names, groups = [], [], [], []
    for aid, spans in pred.items():
        gold = gold_lab.get(aid, [])
        for t, s, e, c in spans:
            conf.append(c)
            correct.append(int(any(gt == t and min(e, ge) > max(s, gs) for gt, gs, ge in gold)))
            names.append(t)
            groups.append(aid)
    return conf, correct, names, groups


def tune(oof: dict, articles: list[LabelledArticle], guards: GuardOptions = GuardOptions()) -> dict:
    """Settings chosen on out-of-fold predictions, and their scores. `guards`: which precision
    guards run on the spans (all, as in prediction; fewer to measure what one changes)."""
    arts = [a for a in articles if a.id in oof]
    gold_si, gold_lab = gold_tables(arts)
    gold_si = {a.id: gold_si.get(a.id, []) for a in arts}
    gold_lab = {a.id: gold_lab.get(a.id, []) for a in arts}
    texts = {a.id: a.text for a in arts}
    # SI: threshold and joining, then how far spans grow below the threshold, then joining again
    si_by_th = {}

    def si_f1(th: float, join: int, ext: float = 0.0) -> float:
        if (th, join, ext) not in si_by_th:
            pred = {aid: guarded_si(texts[aid], _candidates(rec, th, texts[aid], join, ext)[0], guards) for aid, rec in oof.items()}
            si_by_th[(th, join, ext)] = si_score(pred, gold_si)
        return si_by_th[(th, join, ext)].f1

    si_th, si_join = max(((t, j) for t in GRID for j in JOIN_GRID), key=lambda k: si_f1(*k))
    si_th, si_ext = max(_extended(si_th), key=lambda k: si_f1(k[0], si_join, k[1]))
    si_join = max(JOIN_GRID, key=lambda j: si_f1(si_th, j, si_ext))

    def lab_f1(st: Settings) -> float:
        return _score_labelled(_labelled(oof, st, texts, guards), gold_lab)[0].f1

    # labelled: the same three steps, then the second-label threshold
    base = dict(si_threshold=si_th, si_join_words=si_join, si_extend=si_ext,
                whole_sentence=whole_sentence_techniques(arts))
    th, join = max(((t, j) for t in GRID for j in JOIN_GRID),
                   key=lambda k: lab_f1(Settings(**base, label_threshold=k[0], label_join_words=k[1])))
    th, ext = max(_extended(th), key=lambda k: lab_f1(
        Settings(**base, label_threshold=k[0], label_join_words=join, label_extend=k[1])))
    join = max(JOIN_GRID, key=lambda j: lab_f1(
        Settings(**base, label_threshold=th, label_join_words=j, label_extend=ext)))
    second = max(SECOND_LABEL_GRID, key=lambda x: lab_f1(
        Settings(**base, label_threshold=th, label_join_words=join, label_extend=ext, second_label=x)))
    settings = Settings(**base, label_threshold=th, label_join_words=join, label_extend=ext, second_label=second)
    if all("channels" in rec for rec in oof.values()):  # predictions made before channels existed have none
        _per_technique(oof, settings, texts, gold_lab)
    raw_pred = _labelled(oof, settings, texts, guards)
    conf, correct, names, groups = _correctness(raw_pred, gold_lab)
    (settings.calib_a, settings.calib_b), settings.calib = calibrate.fit_per_technique(conf, correct, names)
    held_conf = calibrate.cross_fitted(conf, correct, names, groups)
    shown = calibrate.display_threshold(held_conf, correct)
    settings.display_threshold = shown["threshold"]
    pred = _labelled(oof, settings, texts, guards)
    cal_conf, cal_correct, *_ = _correctness(pred, gold_lab)
    lab, lab_per = _score_labelled(pred, gold_lab)
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
    si = si_by_th[(si_th, si_join, si_ext)]
    return {
        "articles": len(arts),
        "settings": settings.__dict__,
        "si": si.to_dict(),
        "si_by_threshold_join_extend": {f"{k[0]}/{k[1]}/{k[2]}": round(v.f1, 4) for k, v in si_by_th.items()},
        "tc_micro_f1": tc_micro,
        "labelled": lab.to_dict(),
        "per_technique": {
            t: {"tc_f1": tc_per[t].f1 if t in tc_per else 0.0,
                "labelled_f1": lab_per[t].f1 if t in lab_per else 0.0,
                "gold_spans": lab_per[t].n_gold if t in lab_per else 0}
            for t in techniques.NAMES
        },
        "calibration": {
            "ece_before": calibrate.expected_calibration_error(conf, correct),
            "ece_after": calibrate.expected_calibration_error(cal_conf, cal_correct),
            "ece_cross_fitted": calibrate.expected_calibration_error(held_conf, correct),
            "reliability_cross_fitted": calibrate.reliability(held_conf, correct),
            "display": shown,
        },
    }
