"""`propscan analyze DIR` against `propscan predict DIR` end to end, on folders of real news.

  python benchmarks/folder_speed.py [--n 75] [--repeats 5] [--set news|ptc|both] [--profile FILE]

Writes N articles into a temporary folder as articleNNNNN.txt (nothing is committed): `news`
takes the first N SemEval-2019 hyperpartisan articles (title and paragraphs, as the partisanship
reader sees them), `ptc` the first N PTC training articles. Each command then runs as a fresh
subprocess (model loading, imports and workers included, as a user types it), configurations
interleaved within each repeat so that load from other processes on a shared machine falls on
all of them alike; the median of --repeats counts. Configurations:

  predict        propscan predict DIR
  analyze        propscan analyze DIR --format json           (every aid and voice)
  spans          propscan analyze DIR --format json --no-claims --no-partisanship
  analyze_no_ner analyze, with the speakers' NER step switched off (benchmarks/cli_without_ner.py)

--profile FILE also writes a cProfile of one in-process `analyze` run (sorted by cumulative time)
for finding where the time goes. Writes benchmarks/results/folder_speed.json and prints a table.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
from pathlib import Path

from report import cpu_model, measured, save

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
PROPSCAN = [str(Path(sys.executable).with_name("propscan"))]
WITHOUT_NER = [sys.executable, str(Path(__file__).with_name("cli_without_ner.py"))]
CONFIGS = {
    "predict": PROPSCAN + ["predict", "{dir}"],
    "analyze": PROPSCAN + ["analyze", "{dir}", "--format", "json"],
    "spans": PROPSCAN + ["analyze", "{dir}", "--format", "json", "--no-claims", "--no-partisanship"],
    "analyze_no_ner": WITHOUT_NER + ["analyze", "{dir}", "--format", "json"],
}


def news_texts(n: int) -> list[str]:
    from propscan.assess.datasets import read_semeval2019

    return [a.text for a in read_semeval2019(DATA / "hyperpartisan/articles-training-byarticle-20181122.xml")[:n]]


def ptc_texts(n: int) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted((DATA / "ptc/train-articles").glob("article*.txt"))[:n]]


def write_folder(texts: list[str], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, text in enumerate(texts):
        (folder / f"article{i:05d}.txt").write_text(text, encoding="utf-8")
    return folder


def cpu_seconds() -> float:
    """CPU time (user + system) of this process's finished children, their own workers included."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def time_configs(folder: Path, repeats: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall and CPU seconds of each configuration, per repeat. CPU time moves less than wall time
    when other processes share the cores, so it is reported beside it."""
    walls: dict[str, list[float]] = {k: [] for k in CONFIGS}
    cpus: dict[str, list[float]] = {k: [] for k in CONFIGS}
    for _ in range(repeats):
        for name, args in CONFIGS.items():
            before = cpu_seconds()
            wall, _, _ = measured([a.format(dir=folder) for a in args])
            walls[name].append(wall)
            cpus[name].append(cpu_seconds() - before)
    return walls, cpus


def profile(folder: Path, out: Path) -> None:
    """cProfile of `propscan analyze DIR --format json` in this process (stdout discarded)."""
    import cProfile
    import io
    import pstats
    from contextlib import redirect_stdout

    from propscan.cli import run

    prof = cProfile.Profile()
    with redirect_stdout(io.StringIO()):
        prof.enable()
        try:
            run(["analyze", str(folder), "--format", "json", "--workers", "1"])  # in this process, to be profiled
        except SystemExit:
            pass
        prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(60)
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(40)
    out.write_text(buf.getvalue())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=75)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--set", choices=["news", "ptc", "both"], default="both")
    ap.add_argument("--profile", type=Path, help="also write a cProfile of one analyze run (news set) here")
    args = ap.parse_args()
    if not (DATA / "ptc/train-articles").is_dir():
        raise SystemExit(f"{DATA} is missing: this benchmark reads ../shared/data beside the checkout")
    sets = {"news": news_texts, "ptc": ptc_texts}
    chosen = list(sets) if args.set == "both" else [args.set]
    result: dict = {"cpu": cpu_model(), "cores": os.cpu_count(), "load_average_at_start": os.getloadavg()[0],
                    "articles": args.n, "repeats": args.repeats, "statistic": "median of repeats (wall s; CPU s of the process tree)"}
    with tempfile.TemporaryDirectory(prefix="propscan-folder-speed-") as tmp:
        for name in chosen:
            folder = write_folder(sets[name](args.n), Path(tmp) / name)
            if args.profile and name == chosen[0]:
                profile(folder, args.profile)
            walls, cpus = time_configs(folder, args.repeats)
            med = {k: statistics.median(v) for k, v in walls.items()}
            cpu = {k: statistics.median(v) for k, v in cpus.items()}
            for k in CONFIGS:
                result[f"{name}_{k}_s"] = round(med[k], 2)
                result[f"{name}_{k}_cpu_s"] = round(cpu[k], 2)
            for k in ("analyze", "spans", "analyze_no_ner"):
                result[f"{name}_{k}_over_predict"] = round(med[k] / med["predict"], 3)
                result[f"{name}_{k}_over_predict_cpu"] = round(cpu[k] / cpu["predict"], 3)
            result[f"{name}_all_runs"] = {k: [round(x, 2) for x in v] for k, v in walls.items()}
    save(result, ROOT / "benchmarks" / "results" / "folder_speed.json")


if __name__ == "__main__":
    main()
