"""Learning from reviews as a newsroom with its own genre would meet it (issue 30, section 4).

The SemEval-2021 meme texts play the newsroom's reviews: the training and dev splits (751 texts,
their 20 techniques mapped onto PTC's 14, Smears, Glittering generalities and Obfuscation
dropped) are imported as finished reviews into a fresh history, beside PolNeAR dev articles stored
as ordinary analyses (the rehearsal set). `propscan learn` runs on that history; then the shipped
fast model and the learned one are scored by labelled-span F1 on the meme test split (200 texts,
never given to learn) and on a fixed sample of PTC train articles (the fast model was trained on
all of PTC train, so its figure there is in-sample: it measures how much the learned model moves
away from it, not how well either generalises).

  python benchmarks/learn_memes.py --reviews 751 --ptc 40
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from report import ROOT, cpu_model, save

from propscan.attribution.polnear import read_split
from propscan.doc import AnalysedDocument
from propscan.evaluate.metrics import labelled_score
from propscan.predict import Predictor
from propscan.ptc import load_corpus
from propscan.store.sqlite import AnalysisStore, ImportedDocument
from propscan.train.memes import SPLITS, load_memes


def labelled_f1(predictor, articles) -> float:
    pred, gold = {}, {}
    for a in articles:
        (scores,) = predictor.score([a.text])
        pred[a.id] = [(x.technique, x.start, x.end) for x in predictor.labelled(scores)]
        gold[a.id] = a.spans
    return round(labelled_score(pred, gold)[0].f1, 4)


def in_genre(predictor, articles) -> int | None:
    """How many texts the learned model's genre test hands to its head (the rest get the fast model's spans)."""
    from propscan.learned import head_features

    if not hasattr(predictor, "head"):
        return None
    return sum(predictor.head.in_genre(head_features(predictor.score([a.text])[0])) for a in articles)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--reviews", type=int, default=751, help="meme texts (train, then dev) imported as reviews")
    ap.add_argument("--rehearse", type=int, default=60, help="PolNeAR dev articles stored as analyses")
    ap.add_argument("--ptc", type=int, default=40, help="PTC train articles (first by id) to check forgetting on")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "learn_memes.json")
    args = ap.parse_args()
    memes = load_memes(args.data / "memes2021")
    test_prefix = f"meme-{SPLITS[2].split('_')[0]}-"
    test = [m for m in memes if m.id.startswith(test_prefix)]
    reviews = [m for m in memes if not m.id.startswith(test_prefix)][: args.reviews]
    news = read_split(args.data / "polnear" / "dev")[: args.rehearse]
    ptc = sorted(load_corpus(args.data / "ptc" / "train-articles", args.data / "ptc" / "train-task-flc-tc.labels"),
                 key=lambda a: a.id)[: args.ptc]
    with tempfile.TemporaryDirectory(prefix="propscan-learn-") as tmp:
        os.environ["PROPSCAN_MODELS_DIR"] = str(Path(tmp) / "models")
        from propscan.tiers import load_predictor
        from propscan.train.learn import learn

        store = AnalysisStore(Path(tmp) / "history.db")
        for a in news:
            store.add(AnalysedDocument(text=a.text, source=f"polnear/{a.name}"), source_kind="file")
        store.import_reviewed([ImportedDocument(m.text, [(s, e, t) for t, s, e in m.spans], source=m.id)
                               for m in reviews], "newsroom")
        t0 = time.time()
        outcome = learn(Path(tmp) / "history.db", out_name="memes", seed=args.seed, say=lambda m: print(m, file=sys.stderr))
        seconds = time.time() - t0
        print(outcome.reason, file=sys.stderr)
        fast = Predictor()
        learned = load_predictor("memes") if outcome.kept else fast
        result = {
            "cpu": cpu_model(), "threads": 2, "seed": args.seed, "reviews": len(reviews), "rehearsal_articles": len(news),
            "learn_seconds": round(seconds, 1), "kept": outcome.kept, "techniques_kept": sorted(learned.rules) if outcome.kept else [], "gate": outcome.figures,
            "memes_test_texts": len(test),
            "memes_test_labelled_f1_fast": labelled_f1(fast, test),
            "memes_test_labelled_f1_learned": labelled_f1(learned, test),
            "ptc_train_sample_articles": len(ptc),
            "ptc_sample_labelled_f1_fast_in_sample": labelled_f1(fast, ptc),
            "ptc_sample_labelled_f1_learned": labelled_f1(learned, ptc),
            "ptc_sample_in_reviewed_genre": in_genre(learned, ptc),
            "memes_test_in_reviewed_genre": in_genre(learned, test),
        }
    save(result, args.out)


if __name__ == "__main__":
    main()
