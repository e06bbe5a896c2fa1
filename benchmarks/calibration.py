"""Confidence a reader can use: per-technique calibration, its reliability table, the display cut.

  python benchmarks/calibration.py --fold-work cv-work --fold 0 [--write-model]

Reads the fold's out-of-fold predictions (from `benchmarks/accuracy.py --folds K`), decodes them
with the shipped settings and the precision guards, and fits Platt scaling per technique (shrunk
towards the pooled fit). The reliability table and the display threshold are cross-fitted:
the scaling is fitted on one half of the articles and read on the other. `--write-model` puts
the fitted scaling and the display threshold into the shipped model.json. Writes
benchmarks/results/calibration.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from report import ROOT, save

from propscan import techniques
from propscan.bundle import DEFAULT_DIR, Settings, load_bundle
from propscan.ptc import load_corpus
from propscan.train import calibrate
from propscan.train.cv import gold_tables, load_oof
from propscan.train.tune import _correctness, _labelled


def card_section(r: dict) -> str:
    """The model card's confidence section, from these results."""
    rows = "\n".join(f"| {x['bin']} | {x['spans']} | {x['mean_confidence']:.2f} | {x['precision']:.2f} |"
                     for x in r["reliability_cross_fitted"])
    d, a, w = r["display"], r["ece_all_spans_cross_fitted"], r["ece_within_technique_cross_fitted"]
    return f"""## Confidence: per-technique calibration and what readers see first
Platt scaling is fitted per technique, each pulled towards the pooled fit with the weight of 30 spans
(`src/propscan/train/calibrate.py`), on the out-of-fold predictions of CV fold 0 ({r['oof_articles']} articles,
{r['spans']} labelled spans after the precision guards). "Right" means: overlaps a gold span of the
same technique. Reliability, cross-fitted (scaling fitted on one half of the articles, read on the
other; `python benchmarks/calibration.py --fold-work cv-work --write-model`):

| confidence | spans | mean confidence | observed precision |
|---|---|---|---|
{rows}

Expected calibration error, cross-fitted, over all spans: raw {a['raw']:.3f}, pooled scaling
{a['pooled scaling']:.3f}, per-technique {a['per-technique scaling']:.3f}; within techniques (span-weighted):
raw {w['raw']:.3f}, pooled {w['pooled scaling']:.3f}, per-technique {w['per-technique scaling']:.3f}.

Display threshold **{d['threshold']:.2f}** ({d['rule']}): readable outputs (terminal, HTML report, web
page) show spans at or above it first; JSON and PTC lines keep every span. It keeps {d['kept']:.0%} of
the spans, right {d['precision']:.0%} of the time, and {d['right_spans_kept']:.0%} of the right ones.

"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--fold-work", type=Path, required=True)
    ap.add_argument("--variant", default="int8")
    ap.add_argument("--write-model", action="store_true")
    args = ap.parse_args()
    articles = load_corpus(args.data / "ptc" / "train-articles", args.data / "ptc" / "train-task-flc-tc.labels")
    oof = load_oof(args.fold_work, args.variant)
    arts = [a for a in articles if a.id in oof]
    gold_lab = {a.id: gold_tables(arts)[1].get(a.id, []) for a in arts}
    shipped = load_bundle().settings
    raw_settings = dataclasses.replace(shipped, calib_a=1.0, calib_b=0.0, calib={})
    raw_pred = _labelled(oof, raw_settings, {a.id: a.text for a in arts})
    conf, correct, names, groups = _correctness(raw_pred, gold_lab)
    pooled, own = calibrate.fit_per_technique(conf, correct, names)
    held = calibrate.cross_fitted(conf, correct, names, groups)
    held_pooled = calibrate.cross_fitted(conf, correct, names, groups, per_technique=False)
    shown = calibrate.display_threshold(held, correct)
    per_technique = {}
    for name in techniques.NAMES:
        idx = [i for i, n in enumerate(names) if n == name]
        if idx:
            per_technique[name] = {"spans": len(idx), "precision": round(sum(correct[i] for i in idx) / len(idx), 3),
                                   "mean_confidence_cross_fitted": round(sum(held[i] for i in idx) / len(idx), 3),
                                   "scaling": [round(x, 4) for x in own[name]]}
    result = {
        "oof_articles": len(arts), "spans": len(conf), "variant": args.variant,
        "correct_means": "overlaps a gold span of the same technique",
        "ece_all_spans_cross_fitted": {
            "raw": round(calibrate.expected_calibration_error(conf, correct), 4),
            "pooled scaling": round(calibrate.expected_calibration_error(held_pooled, correct), 4),
            "per-technique scaling": round(calibrate.expected_calibration_error(held, correct), 4)},
        "ece_within_technique_cross_fitted": {
            "raw": round(calibrate.technique_ece(conf, correct, names), 4),
            "pooled scaling": round(calibrate.technique_ece(held_pooled, correct, names), 4),
            "per-technique scaling": round(calibrate.technique_ece(held, correct, names), 4)},
        "reliability_cross_fitted": calibrate.reliability(held, correct),
        "display": shown,
        "pooled_scaling": [round(x, 4) for x in pooled],
        "per_technique": per_technique,
    }
    if args.write_model:
        card = DEFAULT_DIR / "model.json"
        meta = json.loads(card.read_text(encoding="utf-8"))
        meta["settings"].update(calib_a=pooled[0], calib_b=pooled[1], display_threshold=shown["threshold"],
                                calib={n: [round(a, 6), round(b, 6)] for n, (a, b) in own.items()})
        meta["calibration"] = {k: result[k] for k in ("oof_articles", "ece_all_spans_cross_fitted",
                                                      "ece_within_technique_cross_fitted", "reliability_cross_fitted", "display")}
        card.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        Settings.from_dict(meta["settings"])  # what the loader will read
        card_path = DEFAULT_DIR / "MODEL_CARD.md"
        card_text = card_path.read_text(encoding="utf-8")
        start = card_text.find("## Confidence: per-technique")
        end = card_text.index("## Known limits")
        card_path.write_text(card_text[: start if start >= 0 else end] + card_section(result) + card_text[end:],
                             encoding="utf-8")
    save(result, ROOT / "benchmarks" / "results" / "calibration.json")


if __name__ == "__main__":
    main()
