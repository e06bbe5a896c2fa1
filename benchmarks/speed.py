"""Speed and memory of propscan on 2 CPU cores, against a plain PyTorch pipeline.

  python benchmarks/speed.py --articles ../shared/data/ptc/train-articles --weights train-work/weights.safetensors

Measures, in one run:
  * `propscan predict DIR --format ptc` as a subprocess, with its default of one worker process
    per core and with one process of two threads: articles/s, tokens/s, peak RSS of the whole
    process tree;
  * the same fine-tuned weights as a transformers BertForTokenClassification in a
    `pipeline("token-classification")` with 128-token strided chunks (token tagging only, so it
    does less work than propscan, which also classifies spans): articles/s;
  * cold start: wall time of `propscan analyze examples/article.txt --format json`, median of 5;
    for the accurate tier also its first use, into an empty cache (base unpacked, delta merged);
  * the encoder alone: ONNX Runtime over every window of the corpus on one thread, the floor
    under `predict`'s time (divided by its worker count).
Writes benchmarks/results/speed.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from report import cpu_model, measured, save

ROOT = Path(__file__).resolve().parent.parent


def propscan_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("propscan")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "propscan"]


def count_tokens(texts: list[str]) -> int:
    from propscan.bundle import load_bundle
    from propscan.encoding import encode, load_tokenizer

    tok = load_tokenizer(load_bundle().tokenizer)
    return sum(len(encode(tok, t).ids) for t in texts)


def encoder_seconds(texts: list[str], graph: Path | None = None, threads: int = 1) -> float:
    """Seconds ONNX Runtime alone takes to encode every window of the corpus on one thread.

    Everything else `predict` does (starting workers, tokenizing, decoding, the span classifier)
    comes on top, so this divided by the worker count is the floor under its wall time.
    """
    from propscan.bundle import load_bundle
    from propscan.detect import Detector
    from propscan.encoding import encode
    from propscan.segment import windows_for

    bundle = load_bundle(graph.parent, detector_name=graph.name) if graph else load_bundle()
    detector = Detector(bundle, threads=threads)
    rows = []
    for text in texts:
        enc = encode(detector.tokenizer, text)
        rows += [enc.ids[w.start : w.stop] for w in windows_for(text, enc.offsets, detector.bundle.window_tokens)]
    detector.encode_windows(rows[:50])  # warm-up
    t0 = time.perf_counter()
    detector.encode_windows(rows)
    return time.perf_counter() - t0


def torch_pipeline(texts: list[str], weights: Path) -> float:
    """Seconds for a transformers token-classification pipeline over all texts."""
    import torch
    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoTokenizer, BertForTokenClassification, pipeline

    from propscan.train.base import base_model_dir

    torch.set_num_threads(2)
    base = base_model_dir()
    config = AutoConfig.from_pretrained(str(base), num_labels=3)
    model = BertForTokenClassification(config)
    state = load_file(str(weights))
    mapped = {k.replace("tokens.encoder.", "bert."): v for k, v in state.items() if k.startswith("tokens.encoder.")}
    mapped["classifier.weight"] = state["tokens.bio.weight"]
    mapped["classifier.bias"] = state["tokens.bio.bias"]
    missing, _ = model.load_state_dict(mapped, strict=False)
    assert not [m for m in missing if "pooler" not in m], missing
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    tokenizer.model_max_length = 128
    tagger = pipeline("token-classification", model=model, tokenizer=tokenizer, device=-1,
                      aggregation_strategy="simple", stride=32)
    t0 = time.perf_counter()
    with torch.inference_mode():
        for text in texts:
            tagger(text)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=Path, default=ROOT.parent / "shared/data/ptc/train-articles")
    ap.add_argument("--weights", type=Path, default=ROOT / "train-work/weights.safetensors",
                    help="torch weights of the shipped model (written by `propscan train --work`)")
    ap.add_argument("--skip-torch", action="store_true")
    ap.add_argument("--model", default="fast", help="the tier (or model folder) predict and analyze run")
    ap.add_argument("--limit", type=int, default=None, help="the first N articles only")
    ap.add_argument("--compare-graphs", type=Path, default=None,
                    help="a folder with detector.int8.onnx and detector.fp32.onnx (a CV fold's): time both")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/speed.json")
    args = ap.parse_args()
    if not args.articles.is_dir():
        raise SystemExit(f"{args.articles} not found (needs ../shared/data/ptc)")
    paths = sorted(args.articles.glob("article*.txt"))[: args.limit]
    texts = [p.read_text(encoding="utf-8") for p in paths]
    tokens = count_tokens(texts)
    folder = args.articles
    if args.limit:
        folder = Path(tempfile.mkdtemp(prefix="propscan-speed-"))
        for p in paths:
            shutil.copy(p, folder / p.name)

    result = {"model": args.model, "articles": len(texts), "tokens": tokens, "cpu_cores": os.cpu_count(), "cpu": cpu_model()}
    runs = {"predict": [], "predict_one_process": ["--workers", "1"]}
    for name, extra in runs.items():
        wall, peak_mb, _ = measured(propscan_cmd() + ["predict", str(folder), "--format", "ptc", "--model", args.model, *extra])
        result |= {f"{name}_seconds": round(wall, 2), f"{name}_articles_per_s": round(len(texts) / wall, 2),
                   f"{name}_tokens_per_s": round(tokens / wall), f"{name}_peak_rss_mb": round(peak_mb, 1)}
    colds = []
    for _ in range(5):
        t, _, _ = measured(propscan_cmd() + ["analyze", str(ROOT / "examples/article.txt"), "--format", "json",
                                             "--model", args.model])
        colds.append(t)
    result["cold_start_s_median"] = round(statistics.median(colds), 3)
    result["cold_start_s_all"] = [round(c, 3) for c in colds]
    if args.model == "accurate":  # the first run ever: base unpacked (and the delta merged) into an empty cache
        cache = Path(tempfile.mkdtemp(prefix="propscan-cache-"))
        try:
            t, _, _ = measured(propscan_cmd() + ["analyze", str(ROOT / "examples/article.txt"), "--format", "json",
                                                 "--model", args.model], env={"PROPSCAN_CACHE": str(cache)})
            result["first_use_s"] = round(t, 2)
            result["first_use_cache_mb"] = round(sum(f.stat().st_size for f in cache.rglob("*") if f.is_file()) / 1e6)
        finally:
            shutil.rmtree(cache, ignore_errors=True)
    result["predict_articles_per_s_at_800_tokens"] = round(result["predict_tokens_per_s"] / 800, 2)
    result["predict_one_process_articles_per_s_at_800_tokens"] = round(result["predict_one_process_tokens_per_s"] / 800, 2)
    if args.model == "fast":
        encoder = encoder_seconds(texts)
        result["encoder_only_one_thread_seconds"] = round(encoder, 2)
        result["encoder_only_one_thread_tokens_per_s"] = round(tokens / encoder)
    if args.compare_graphs:
        for variant in ("int8", "fp32"):
            secs = encoder_seconds(texts, args.compare_graphs / f"detector.{variant}.onnx", threads=2)
            result[f"encoder_{variant}_two_threads_tokens_per_s"] = round(tokens / secs)
    if not args.skip_torch and args.model == "fast":
        if not args.weights.is_file():
            raise SystemExit(f"{args.weights} not found: run `propscan train --work train-work` first, or --skip-torch")
        secs = torch_pipeline(texts, args.weights)
        result["torch_pipeline_seconds"] = round(secs, 2)
        result["torch_pipeline_articles_per_s"] = round(len(texts) / secs, 2)
        result["speedup_vs_torch"] = round(secs / result["predict_seconds"], 2)
    save(result, args.out)


if __name__ == "__main__":
    main()
