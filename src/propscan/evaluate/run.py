"""`propscan evaluate`: score the model (or a prediction file) against gold PTC labels."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from .. import techniques
from ..corpus import tc_labels_in_order
from ..errors import InputError
from ..ptc import list_articles, read_labels
from ..tiers import model_version
from ..workers import default_workers
from .metrics import labelled_score, si_score, tc_score


def _gold(gold_path: Path):
    gold = read_labels(gold_path)
    si = {a: [(s, e) for _, s, e in v] for a, v in gold.items()}
    lab = {a: list(v) for a, v in gold.items()}
    lines = [(a, s, e, t) for a, v in gold.items() for t, s, e in v]
    return si, lab, lines


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


def evaluate_model(articles_dir: Path, gold_path: Path, model: str | Path | None = None) -> dict:
    gold_si, gold_lab, lines = _gold(gold_path)
    # Every article counts, including those without gold spans (predictions there are errors).
    found = list_articles(articles_dir) if articles_dir.is_dir() else []
    if not found:
        raise InputError("no articleNNN.txt files", source=str(articles_dir))
    ids = {a for a, _ in found}
    pred_si, pred_lab = {}, {}

    def spans_of(pred):
        pred_si[pred.id] = pred.si
        pred_lab[pred.id] = [(x.technique, x.start, x.end) for x in pred.labelled]

    kept = [line for line in lines if line[0] in ids]
    tc_pred = tc_labels_in_order([(a, s, e) for a, s, e, _ in kept], found, each=spans_of,
                                 model=model, workers=default_workers())
    return _report(
        si=si_score(pred_si, {a: gold_si.get(a, []) for a in ids}),
        tc=tc_score(kept, tc_pred),
        lab=labelled_score(pred_lab, {a: gold_lab.get(a, []) for a in ids}),
    ) | {"articles": len(ids), "model_version": model_version(model)}


def evaluate_files(gold_path: Path, pred_path: Path, task: str) -> dict:
    gold_si, gold_lab, lines = _gold(gold_path)
    rows = [ln.split("\t") for ln in pred_path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    try:
        if task == "si":
            pred: dict = defaultdict(list)
            for r in rows:
                pred[r[0]].append((int(r[-2]), int(r[-1])))
            return _report(si=si_score(dict(pred), gold_si))
        if task == "labelled":
            pred = defaultdict(list)
            for r in rows:
                pred[r[0]].append((r[1], int(r[2]), int(r[3])))
            return _report(si=si_score({a: [(s, e) for _, s, e in v] for a, v in pred.items()}, gold_si),
                           lab=labelled_score(dict(pred), gold_lab))
        if task == "tc":
            if len(rows) != len(lines):
                raise InputError(f"--pred has {len(rows)} lines but --gold has {len(lines)}; TC lines must align")
            for r, (a, s, e, _) in zip(rows, lines):
                if (r[0], int(r[2]), int(r[3])) != (a, s, e):
                    raise InputError(f"--pred line for {r[0]} {r[2]}-{r[3]} does not match gold {a} {s}-{e}")
            return _report(tc=tc_score(lines, [r[1] for r in rows]))
    except (IndexError, ValueError):
        raise InputError(f"{pred_path}: malformed line for task {task}") from None
    raise InputError(f"unknown --task {task!r}; use si, labelled or tc")


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
