"""What the reading aids (partisanship, check-worthy claims) and attribution add to `analyze`'s time.

  python benchmarks/aids_cost.py [--articles ../shared/data/ptc/train-articles] [--repeats 7]

In one process and one loaded model (2 ONNX Runtime threads), each article of ~800 tokens (the
PTC articles nearest 800 tokens; the example article without ../shared) is analysed with both
aids, with none, with each alone and with attribution, interleaved; the fastest of --repeats
passes counts (on a shared 2-core VM the median moved by 25% between runs, the minimum by a few %).
Reports the added time and its share of the time without aids. Writes benchmarks/results/aids_cost.json.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from report import cpu_model, save

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = {"none": (False, False, False), "both": (True, True, False), "partisanship": (True, False, False),
           "claims": (False, True, False), "attribution": (False, False, True), "all": (True, True, True)}


def articles_near(folder: Path | None, tokens: int, n: int) -> list[str]:
    from propscan.bundle import load_bundle
    from propscan.encoding import encode, load_tokenizer

    if folder is None or not folder.is_dir():
        return [(ROOT / "examples" / "article.txt").read_text(encoding="utf-8")]
    tok = load_tokenizer(load_bundle().tokenizer)
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("article*.txt"))]
    return sorted(texts, key=lambda t: abs(len(encode(tok, t).ids) - tokens))[:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=Path, default=ROOT.parent / "shared/data/ptc/train-articles")
    ap.add_argument("--tokens", type=int, default=800)
    ap.add_argument("--n", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()

    from propscan.assess.aids import AidOptions, load_aids
    from propscan.bundle import load_bundle
    from propscan.encoding import encode, load_tokenizer
    from propscan.ingest.sources import RawArticle
    from propscan.pipeline import Analyzer
    from propscan.predict import Predictor

    texts = articles_near(args.articles, args.tokens, args.n)
    tok = load_tokenizer(load_bundle().tokenizer)
    mean_tokens = statistics.mean(len(encode(tok, t).ids) for t in texts)
    predictor, aids = Predictor(threads=2), load_aids()
    analyzers = {k: Analyzer(predictor, aids=AidOptions(p, c, attribution=a), reading_aids=aids)
                 for k, (p, c, a) in CONFIGS.items()}
    raws = [RawArticle(source=f"a{i}", text=t, title="", kind="text") for i, t in enumerate(texts)]
    for a in analyzers.values():  # warm up
        a.analyze(raws[:1])
    times: dict[str, list[float]] = {k: [] for k in CONFIGS}
    for _ in range(args.repeats):
        for name, a in analyzers.items():
            t0 = time.perf_counter()
            for raw in raws:  # one article per call, as `analyze story.txt` does
                a.analyze([raw])
            times[name].append((time.perf_counter() - t0) / len(raws))
    med = {k: min(v) for k, v in times.items()}
    result = {"cpu": cpu_model(), "articles": len(raws), "mean_tokens": round(mean_tokens),
              "repeats": args.repeats, **{f"seconds_per_article_{k}": round(v, 4) for k, v in med.items()}}
    for k in ("both", "partisanship", "claims", "attribution", "all"):
        result[f"added_share_{k}"] = round(med[k] / med["none"] - 1, 4)
    save(result, ROOT / "benchmarks" / "results" / "aids_cost.json")


if __name__ == "__main__":
    main()
