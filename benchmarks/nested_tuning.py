"""How optimistic the tuned CV figures are: choose every decision setting on four folds'
out-of-fold predictions, score the fifth with them, pool the credits over the five.

  python benchmarks/nested_tuning.py --data ../shared/data/ptc --work cv-work

Needs a finished `benchmarks/accuracy.py` run (its --work folder). Prints labelled-span F1 per
held-out fold and pooled; compare with the in-sample figure in cv_results.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from propscan.bundle import Settings
from propscan.evaluate.metrics import f1_from
from propscan.ptc import load_corpus
from propscan.train.cv import N_FOLDS
from propscan.train.tune import labelled_with, tune

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/ptc")
    ap.add_argument("--work", type=Path, default=ROOT / "cv-work")
    ap.add_argument("--variant", default="int8", choices=["int8", "fp32"])
    args = ap.parse_args()
    articles = load_corpus(args.data / "train-articles", args.data / "train-task-flc-tc.labels")
    folds = [json.loads((args.work / f"fold{k}" / f"oof_{args.variant}.json").read_text()) for k in range(N_FOLDS)]
    sums = [0.0, 0, 0.0, 0]
    for k in range(N_FOLDS):
        others = {aid: rec for j, fold in enumerate(folds) if j != k for aid, rec in fold.items()}
        settings = Settings.from_dict(tune(others, articles)["settings"])
        score = labelled_with(folds[k], settings, articles)
        print(f"fold {k}: labelled-span F1 {score.f1:.4f} (settings chosen on the other four)", flush=True)
        for i, x in enumerate((score.p_credit, score.n_pred, score.r_credit, score.n_gold)):
            sums[i] += x
    print(f"pooled over the held-out folds: labelled-span F1 {f1_from(*sums).f1:.4f}")


if __name__ == "__main__":
    main()
