"""What propaganda density is typical on news: the shipped model over the corpora beside PTC.

  python benchmarks/density.py [--data ../shared/data]

Density is the share of non-space characters inside a flagged passage. This analyses the 645
SemEval-2019 hyperpartisan articles (split by their label) and the 371 PTC articles, and reports
the quartiles and the 10th/90th percentiles. The web page and the report quote the hyperpartisan
"no" group's middle half as the typical range for mainstream news. Writes
benchmarks/results/density.json.
"""

from __future__ import annotations

import argparse
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
from report import ROOT, cpu_model, save

from propscan.ingest.sources import from_text
from propscan.pipeline import Analyzer
from propscan.train.adapt import hyperpartisan_texts


def hyperpartisan_labels(truth: Path) -> list[bool]:
    return [el.get("hyperpartisan") == "true" for el in ET.parse(truth).getroot().iter("article")]


def quantiles(values: list[float]) -> dict:
    q = np.percentile(values, [10, 25, 50, 75, 90])
    return {"n": len(values), **{f"p{p}": round(float(v), 4) for p, v in zip((10, 25, 50, 75, 90), q)}}


def densities(analyzer: Analyzer, texts: list[str], name: str) -> list[float]:
    docs = []
    for i in range(0, len(texts), 16):
        docs += analyzer.analyze([from_text(t, f"{name}-{i + j}") for j, t in enumerate(texts[i : i + 16])])
    return [d.density for d in docs]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = ap.parse_args()
    hp = args.data / "hyperpartisan"
    texts = hyperpartisan_texts(next(hp.glob("articles-*.xml")))
    labels = hyperpartisan_labels(next(hp.glob("ground-truth-*.xml")))
    assert len(texts) == len(labels), "articles and ground truth differ in length"
    ptc = [p.read_text(encoding="utf-8") for p in sorted((args.data / "ptc" / "train-articles").glob("*.txt"))]
    analyzer = Analyzer.load()
    started = time.perf_counter()
    hp_density = densities(analyzer, texts, "hyperpartisan")
    result = {
        "model_version": analyzer.model_version,
        "cpu": cpu_model(),
        "hyperpartisan: no (mainstream)": quantiles([d for d, y in zip(hp_density, labels) if not y]),
        "hyperpartisan: yes": quantiles([d for d, y in zip(hp_density, labels) if y]),
        "PTC train articles": quantiles(densities(analyzer, ptc, "ptc")),
        "seconds": round(time.perf_counter() - started, 1),
    }
    save(result, ROOT / "benchmarks" / "results" / "density.json")


if __name__ == "__main__":
    main()
