"""Throughput of `propscan batch` (local and Ray engines) against bare `propscan predict`.

  python benchmarks/batch.py            # builds 2,000 articles from ../shared/data in a temp folder

The set: the 371 PTC articles, the 645 hyperpartisan articles (XML to text), the 924 PolNeAR
articles, and 60 pseudo-articles of 25 check-worthiness sentences each. Nothing is committed.
Each configuration runs as a subprocess over the same folder; peak memory is the largest sum
of RSS over the whole process tree (workers, Ray's daemons and actors included), sampled every
0.2 s. Ray runs in a network namespace with only loopback when `unshare` allows it.
Writes benchmarks/results/batch.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from report import cpu_model, measured, save

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"


def build_corpus(folder: Path, n: int = 2000) -> int:
    from lxml import etree

    texts = [p.read_text(encoding="utf-8") for p in sorted((DATA / "ptc/train-articles").glob("article*.txt"))]
    tree = etree.parse(str(DATA / "hyperpartisan/articles-training-byarticle-20181122.xml"))
    for art in tree.getroot():
        body = " ".join(" ".join(art.itertext()).split())
        texts.append(f"{art.get('title', '')}\n\n{body}")
    for split in ("train", "dev"):
        texts += [p.read_text(encoding="utf-8") for p in sorted((DATA / "polnear" / split / "text").glob("*"))]
    sentences = [line.split("\t")[1] for line in
                 (DATA / "checkworthy/CT24_checkworthy_english_train.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    k = 0
    while len(texts) < n:
        texts.append(" ".join(sentences[k * 25 : (k + 1) * 25]))
        k += 1
    folder.mkdir(parents=True, exist_ok=True)
    for i, text in enumerate(texts[:n]):
        (folder / f"article{i:05d}.txt").write_text(text, encoding="utf-8")
    return n


def loopback_only(cmd: list[str]) -> list[str]:
    wrapped = ["unshare", "--net", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *cmd]
    if shutil.which("unshare") and subprocess.run(wrapped[:-len(cmd)] + ["true"], capture_output=True).returncode == 0:
        return wrapped
    return cmd


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--runs", default="predict_1,predict_2,local_1,local_2,spans_1,spans_2,ray_1,ray_2",
                    help="which configurations to run; results are merged into --out")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/batch.json")
    args = ap.parse_args()
    exe = [sys.executable, "-m", "propscan"]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        n = build_corpus(corpus, args.articles)
        chars = sum(p.stat().st_size for p in corpus.iterdir())
        old = json.loads(args.out.read_text()) if args.out.exists() else {}
        result = {"articles": n, "megabytes": round(chars / 1e6, 1), "cpu_cores": os.cpu_count(), "cpu": cpu_model(),
                  "runs": old.get("runs", {}) if (old.get("articles"), old.get("cpu")) == (n, cpu_model()) else {}}
        wanted = args.runs.split(",")

        def record(name: str, cmd: list[str]) -> None:
            wall, peak, _ = measured(cmd)
            result["runs"][name] = {"seconds": round(wall, 1), "articles_per_s": round(n / wall, 2),
                                    "peak_rss_mb": round(peak)}
            print(f"{name}: {wall:.1f} s, {n / wall:.2f} articles/s, peak {peak:.0f} MB", flush=True)

        commands = {}
        for w in (1, 2):
            commands[f"predict_{w}"] = exe + ["predict", str(corpus), "--format", "ptc", "--workers", str(w)]
            commands[f"local_{w}"] = exe + ["batch", str(corpus), "--out", f"{tmp}/local{w}", "--workers", str(w), "-q"]
            commands[f"spans_{w}"] = exe + ["batch", str(corpus), "--out", f"{tmp}/spans{w}", "--workers", str(w), "-q",
                                            "--spans-only"]
            commands[f"ray_{w}"] = loopback_only(exe + ["batch", str(corpus), "--out", f"{tmp}/ray{w}", "--engine", "ray",
                                                        "--workers", str(w), "-q"])
        for name in wanted:
            record(name, commands[name])
    runs = result["runs"]
    result["local_vs_predict"] = {f"local_{w}": round(runs[f"local_{w}"]["articles_per_s"] / runs[f"predict_{w}"]["articles_per_s"], 3)
                                  for w in (1, 2) if f"local_{w}" in runs and f"predict_{w}" in runs}
    result["spans_only_vs_predict"] = {f"spans_{w}": round(runs[f"spans_{w}"]["articles_per_s"] / runs[f"predict_{w}"]["articles_per_s"], 3)
                                       for w in (1, 2) if f"spans_{w}" in runs and f"predict_{w}" in runs}
    if all(f"ray_{w}" in runs for w in (1, 2)):
        result["ray_vs_local"] = {f"ray_{w}": round(runs[f"ray_{w}"]["articles_per_s"] / runs[f"local_{w}"]["articles_per_s"], 3)
                                  for w in (1, 2)}
    save(result, args.out)


if __name__ == "__main__":
    main()
