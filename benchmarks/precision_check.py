"""bf16 autocast against fp32 on a small real fit: does bf16 score within the seed spread of fp32?

The attribution tagger's head (train/attribution.py) on the shipped fast detector's token states:
trained on the first --articles PolNeAR train articles for --epochs epochs, with two seeds in each
precision, scored on PolNeAR dev (84 articles, never trained on) by mean overlap F1 of source,
cue and content. A few minutes on 2 cores (the detector's pass over the articles is most of it).

  python benchmarks/precision_check.py --articles 100 --epochs 4
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import torch
from report import ROOT, cpu_model, save

from propscan.attribution.polnear import read_split
from propscan.attribution.tags import token_tags
from propscan.predict import Predictor
from propscan.train.attribution import article_features, mean_overlap_f1, score_split, train_head
from propscan.train.engine import choose_precision, cpu_flags, has_bf16


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--articles", type=int, default=100)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--seeds", default="13,14")
    args = ap.parse_args()
    torch.set_num_threads(2)
    predictor = Predictor()
    train = read_split(args.data / "polnear" / "train")[: args.articles]
    dev = read_split(args.data / "polnear" / "dev")
    t0 = time.time()
    got = {name: article_features(predictor, [a.text for a in arts]) for name, arts in (("train", train), ("dev", dev))}
    feature_seconds = time.time() - t0
    print(f"features: {feature_seconds:.0f} s", flush=True)
    feats, offsets = [f for f, _ in got["train"]], [o for _, o in got["train"]]
    tags = [token_tags(o, a.attributions) for a, o in zip(train, offsets)]
    dev_set = (dev, [f for f, _ in got["dev"]], [o for _, o in got["dev"]])
    runs = {}
    for precision in ("fp32", "bf16"):
        for seed in (int(s) for s in args.seeds.split(",")):
            t = time.time()
            model = train_head(feats, tags, epochs=args.epochs, seed=seed, precision=precision)
            seconds = time.time() - t
            scores = score_split(model, *dev_set)
            runs[f"{precision} seed {seed}"] = {"dev_mean_overlap_f1": round(mean_overlap_f1(scores), 4),
                                                "train_seconds": round(seconds, 1)}
            print(precision, seed, runs[f"{precision} seed {seed}"], flush=True)
    save({"cpu": cpu_model(), "bf16_in_hardware": has_bf16(cpu_flags()), "auto_precision": choose_precision("auto"),
          "torch": torch.__version__, "train_articles": len(train), "dev_articles": len(dev), "epochs": args.epochs,
          "feature_seconds": round(feature_seconds), "runs": runs},
         ROOT / "benchmarks" / "results" / "precision_check.json")


if __name__ == "__main__":
    main()
