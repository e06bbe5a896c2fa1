"""Both tiers on articles their decoding settings never saw: tune on one half of a fold's
held-out articles, score the other half, and the reverse, pooling the credits.

  python benchmarks/tiers_heldout.py --fast cv-work/fold0/oof_int8.json \
      --accurate train-work/accurate-fold0/oof.json

The in-sample figure (settings tuned and scored on the same predictions, as CV reports) is
printed beside it: the gap is how much tuning flatters each tier. TC has no settings to tune.
Writes benchmarks/results/tiers_heldout.json (or --out).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from report import ROOT, save

from propscan.bundle import Settings
from propscan.evaluate.metrics import f1_from
from propscan.ptc import load_corpus
from propscan.train.calibrate import hash_half
from propscan.train.tune import labelled_with, si_with, tune


def pooled(parts) -> float:
    return round(f1_from(sum(p.p_credit for p in parts), sum(p.n_pred for p in parts),
                         sum(p.r_credit for p in parts), sum(p.n_gold for p in parts)).f1, 4)


def measure(oof: dict, articles) -> dict:
    whole = tune(oof, articles)
    si_parts, lab_parts = [], []
    for half in (0, 1):
        tune_on = {a: r for a, r in oof.items() if hash_half(a) == half}
        score_on = {a: r for a, r in oof.items() if hash_half(a) != half}
        settings = Settings.from_dict(tune(tune_on, articles)["settings"])
        si_parts.append(si_with(score_on, settings, articles))
        lab_parts.append(labelled_with(score_on, settings, articles))
    return {"articles": len(oof),
            "in_sample": {"SI_F1": round(whole["si"]["f1"], 4), "labelled_F1": round(whole["labelled"]["f1"], 4)},
            "held_out_halves": {"SI_F1": pooled(si_parts), "labelled_F1": pooled(lab_parts)},
            "TC_micro_F1": round(whole["tc_micro_f1"], 4)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--fast", type=Path, required=True)
    ap.add_argument("--accurate", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "tiers_heldout.json")
    args = ap.parse_args()
    articles = load_corpus(args.data / "ptc" / "train-articles", args.data / "ptc" / "train-task-flc-tc.labels")
    save({"fast": measure(json.loads(args.fast.read_text()), articles),
          "accurate": measure(json.loads(args.accurate.read_text()), articles)},
         args.out)


if __name__ == "__main__":
    main()
