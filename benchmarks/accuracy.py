"""Cross-validated accuracy of the shipped recipe: 5 folds by article, fp32 and int8.

  python benchmarks/accuracy.py --data ../shared/data/ptc --work cv-work [--folds 0,1,2,3,4] [--threads 2]

Runs (or resumes) `propscan crossval`, then prints SI / TC / labelled-span F1 for fp32 and int8
and the per-technique table from benchmarks/results/cv_results.json. Folds can be split across
processes (`--folds 0,1,2` in one, `--folds 3,4` in another, `--threads 1` each); the scores are
computed by whichever process finishes the last fold. About 25-40 minutes per fold (7 epochs), by CPU.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks/results/cv_results.json"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/ptc")
    ap.add_argument("--work", type=Path, default=ROOT / "cv-work")
    ap.add_argument("--folds", default="0,1,2,3,4")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=float, default=None, help="training epochs (default: the shipped recipe's)")
    ap.add_argument("--lr", type=float, default=None, help="encoder learning rate (default: the shipped recipe's)")
    ap.add_argument("--window-tokens", type=int, default=None,
                    help="content tokens per encoder window, in training and in the fold's runtime (default: the shipped recipe's)")
    ap.add_argument("--batch-size", type=int, default=None, help="windows per training step (default: the shipped recipe's)")
    ap.add_argument("--window-jitter", type=int, default=None,
                    help="pack training windows up to this many tokens smaller, redrawn each epoch (default: the shipped recipe's)")
    ap.add_argument("--ema", type=float, default=None,
                    help="save a moving average of the weights with this decay (default: the shipped recipe's)")
    ap.add_argument("--crf", action=argparse.BooleanOptionalAction, default=None,
                    help="train the tagger as a linear-chain CRF, or not (default: the shipped recipe's)")
    ap.add_argument("--base-weights", default=None,
                    help="encoder.safetensors from propscan adapt to fine-tune from (default: the base package's)")
    ap.add_argument("--results", type=Path, default=RESULTS)
    ap.add_argument("--report-only", action="store_true", help="print the saved results without running folds")
    ap.add_argument("--partial", action="store_true", help="score the folds done so far")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s")  # shows the folds' progress
    if not args.report_only:
        from propscan.train.cli import run_crossval

        args.results.parent.mkdir(parents=True, exist_ok=True)
        if run_crossval(data=args.data, work=args.work, folds=args.folds, threads=args.threads,
                        results=args.results, partial=args.partial,
                        options=dict(epochs=args.epochs, lr=args.lr, window_tokens=args.window_tokens, batch_size=args.batch_size,
                                     window_jitter=args.window_jitter, ema=args.ema, crf=args.crf,
                                     base_weights=args.base_weights)) is None:
            print("not all folds are done yet; run the remaining folds, then --report-only")
            return
    from propscan.train.card import cv_tables

    print(cv_tables(json.loads(args.results.read_text())))


if __name__ == "__main__":
    main()
