"""`propscan evaluate`: score the model (or a prediction file) against gold PTC labels."""

from __future__ import annotations

import logging
from collections import defaultdict
from pathlib import Path

from .. import techniques
from ..corpus import tc_labels_in_order
from ..errors import InputError
from ..ptc import LabelLine
from ..tiers import model_version
from ..workers import default_workers
from .inputs import GOLD_COLUMNS, PRED_COLUMNS, Articles, Warn, checked_lines, usable
from .metrics import labelled_score, si_score, tc_score

log = logging.getLogger("propscan.evaluate")


def _by_article(lines: list[LabelLine]):
    """What each metric reads: spans per article (SI), labelled spans per article, and the lines in file order (TC)."""
    si, lab = defaultdict(list), defaultdict(list)
    for x in lines:
        si[x.article].append((x.start, x.end))
        lab[x.article].append((x.technique, x.start, x.end))
    return dict(si), dict(lab), [(x.article, x.start, x.end, x.technique) for x in lines]


def _skipped(counts: dict[str, int], lenient: bool) -> dict:
    """With --lenient the report says how many lines each file lost (zero included), so it is never silent."""
    return {"skipped_lines": counts} if lenient else {}


def _report(si=None, tc=None, lab=None) -> dict:
    out: dict = {}
    if si is not None:
        out["si"] = si.to_dict()
    if tc is not None:
        micro, per = tc
        out["tc_micro_f1"] = micro
        out["tc_per_technique"] = {t: p.f1 for t, p in per.items()}
    if lab is not None:
        pooled, per = lab
        out["labelled"] = pooled.to_dict()
        out["labelled_per_technique"] = {t: p.f1 for t, p in per.items()}
    return out


def evaluate_model(articles_dir: Path, gold_path: Path, model: str | Path | None = None, *,
                   lenient: bool = False, warn: Warn = log.warning) -> dict:
    articles = Articles(articles_dir)
    all_gold = checked_lines(gold_path, GOLD_COLUMNS, articles)
    gold = usable(gold_path, all_gold, lenient=lenient, warn=warn, gold=True)
    gold_si, gold_lab, lines = _by_article(gold)
    # Every article counts, including those without gold spans (predictions there are errors).
    ids = set(articles.lengths)
    pred_si, pred_lab = {}, {}

    def spans_of(pred):
        pred_si[pred.id] = pred.si
        pred_lab[pred.id] = [(x.technique, x.start, x.end) for x in pred.labelled]

    tc_pred = tc_labels_in_order([(a, s, e) for a, s, e, _ in lines], articles.found, each=spans_of,
                                 model=model, workers=default_workers())
    return _report(
        si=si_score(pred_si, {a: gold_si.get(a, []) for a in ids}),
        tc=tc_score(lines, tc_pred),
        lab=labelled_score(pred_lab, {a: gold_lab.get(a, []) for a in ids}),
    ) | {"articles": len(ids), "model_version": model_version(model)} | _skipped(
        {"gold": len(all_gold) - len(gold)}, lenient)


def _aligned_tc(gold_path: Path, gold: list[LabelLine], pred_path: Path, pred: list[LabelLine],
                lenient: bool, warn: Warn) -> tuple[list[LabelLine], list[LabelLine]]:
    """TC pairs lines by position: a line skipped in either file takes its partner with it."""
    if len(pred) != len(gold):
        raise InputError(f"--pred has {len(pred)} lines but --gold has {len(gold)}; TC lines must align")
    usable(gold_path, gold, lenient=lenient, warn=warn, gold=True)
    usable(pred_path, pred, lenient=lenient, warn=warn, gold=False)
    pairs = [(g, p) for g, p in zip(gold, pred) if not g.problem and not p.problem]
    for g, p in pairs:
        if (p.article, p.start, p.end) != (g.article, g.start, g.end):
            raise InputError(f"{pred_path}:{p.number}: {p.article} {p.start}-{p.end} does not match "
                             f"{gold_path}:{g.number} ({g.article} {g.start}-{g.end}); TC lines must align")
    return [g for g, _ in pairs], [p for _, p in pairs]


def evaluate_files(gold_path: Path, pred_path: Path, task: str, articles_dir: Path | None = None, *,
                   lenient: bool = False, warn: Warn = log.warning) -> dict:
    """Score a prediction file; with the articles beside it, offsets are checked against their text too."""
    if task not in PRED_COLUMNS:
        raise InputError(f"unknown --task {task!r}; use si, labelled or tc")
    articles = Articles(articles_dir) if articles_dir is not None else None
    all_gold = checked_lines(gold_path, GOLD_COLUMNS, articles)
    all_pred = checked_lines(pred_path, PRED_COLUMNS[task], articles)
    if task == "tc":
        gold, pred = _aligned_tc(gold_path, all_gold, pred_path, all_pred, lenient, warn)
    else:
        gold = usable(gold_path, all_gold, lenient=lenient, warn=warn, gold=True)
        pred = usable(pred_path, all_pred, lenient=lenient, warn=warn, gold=False)
    skipped = _skipped({"gold": sum(bool(x.problem) for x in all_gold),
                        "pred": sum(bool(x.problem) for x in all_pred)}, lenient)
    gold_si, gold_lab, lines = _by_article(gold)
    pred_si, pred_lab, _ = _by_article(pred)
    if task == "si":
        return _report(si=si_score(pred_si, gold_si)) | skipped
    if task == "labelled":
        return _report(si=si_score(pred_si, gold_si), lab=labelled_score(pred_lab, gold_lab)) | skipped
    return _report(tc=tc_score(lines, [x.technique for x in pred])) | skipped


def format_report(report: dict) -> str:
    if report.get("task") in ("hyperpartisan", "checkworthy"):
        return format_binary(report)
    if report.get("task") == "attribution":
        return format_attribution(report)
    out = []
    if "articles" in report:
        out.append(f"articles: {report['articles']}" + (f"  model: {report['model_version']}" if "model_version" in report else ""))
    if "si" in report:
        si = report["si"]
        out.append(f"SI        F1 {si['f1']:.4f}  P {si['precision']:.4f}  R {si['recall']:.4f}")
    if "tc_micro_f1" in report:
        out.append(f"TC        micro-F1 {report['tc_micro_f1']:.4f}")
    if "labelled" in report:
        lab = report["labelled"]
        out.append(f"Labelled  F1 {lab['f1']:.4f}  P {lab['precision']:.4f}  R {lab['recall']:.4f}")
    if "skipped_lines" in report:
        names = {"gold": "gold", "pred": "prediction"}
        out.append("skipped (--lenient): " + ", ".join(
            f"{n} {names[k]} line{'s' * (n != 1)}" for k, n in report["skipped_lines"].items()))
    per_tc = report.get("tc_per_technique", {})
    per_lab = report.get("labelled_per_technique", {})
    if per_tc or per_lab:
        out.append(f"\n{'technique':40} {'TC F1':>7} {'span F1':>8}")
        for t in techniques.NAMES:
            tc = f"{per_tc[t]:.3f}" if t in per_tc else "-"
            lab = f"{per_lab[t]:.3f}" if t in per_lab else "-"
            out.append(f"{t:40} {tc:>7} {lab:>8}")
    return "\n".join(out)


def format_binary(report: dict) -> str:
    """A reading aid's scores: the positive class's F1 first (CheckThat!'s measure), then the rest."""
    unit = "articles" if report["task"] == "hyperpartisan" else "sentences"
    c = report["confusion"]
    lines = [f"{report['task']}: {report['n']} {unit} ({report['positives']} positive)  model: {report['model_version']}",
             f"accuracy {report['accuracy']:.4f}  macro-F1 {report['macro_f1']:.4f}",
             f"positive class  F1 {report['f1']:.4f}  P {report['precision']:.4f}  R {report['recall']:.4f}",
             f"confusion  TP {c['true_positive']}  FP {c['false_positive']}  FN {c['false_negative']}  TN {c['true_negative']}"]
    if report.get("without_reading"):
        lines.append(f"{report['without_reading']} articles got no reading (too short or not English): counted as not hyperpartisan")
    if "threshold" in report:
        lines.append(f"threshold {report['threshold']:.2f}")
    return "\n".join(lines)


def format_attribution(report: dict) -> str:
    lines = [f"attribution: {report['articles']} articles, {report['gold_attributions']} gold attributions, "
             f"{report['predicted_attributions']} found  model: {report['model_version']}",
             f"{'role':10} {'overlap F1':>10} {'P':>7} {'R':>7} {'exact F1':>9}"]
    for role in ("content", "cue", "source"):
        o, e = report[role]["overlap"], report[role]["exact"]
        lines.append(f"{role:10} {o['f1']:>10.4f} {o['precision']:>7.4f} {o['recall']:>7.4f} {e['f1']:>9.4f}")
    lines.append(f"source-content pairing accuracy {report['pairing_accuracy']:.4f}")
    return "\n".join(lines)
