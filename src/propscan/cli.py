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
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import __version__, techniques
from .errors import InputError, PropscanError

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
def _predictor(model: Optional[Path], threads: Optional[int] = None):
    """The loaded model, once per process (tests and repeated calls reuse it)."""
    from .bundle import load_bundle
    from .predict import Predictor

    return Predictor(load_bundle(model), threads=threads)


def _err(msg: str) -> None:
    typer.echo(f"propscan: {msg}", err=True)


class AnalyzeFormat(str, Enum):
    terminal = "terminal"
    json = "json"
    ptc = "ptc"


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


@app.command()
def analyze(
    sources: Annotated[list[str], typer.Argument(help="Article .txt/.html files, folders of them, http(s) URLs, or - for standard input.", show_default=False)],
    fmt: Annotated[AnalyzeFormat, typer.Option("--format", "-f", help="terminal: highlighted article; json: schema below; ptc: id, technique, start, end lines.")] = AnalyzeFormat.terminal,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the json/ptc/plain output to this file (atomically) instead of standard output.")] = None,
    html: Annotated[Optional[Path], typer.Option("--html", help="Also write a standalone HTML report: a file for one source, a folder (one report each) for several.")] = None,
    max_bytes: Annotated[int, typer.Option("--max-bytes", help="Refuse inputs larger than this many bytes.")] = 5 * 1024 * 1024,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for a URL.")] = 15.0,
    allow_private: Annotated[bool, typer.Option("--allow-private", help="Allow URLs on loopback, private and link-local addresses.")] = False,
    model: Annotated[Optional[Path], typer.Option("--model", help="Model folder (default: the model shipped with propscan).")] = None,
) -> None:
    """Analyse articles: every passage using a propaganda technique, with its technique,
    confidence and exact character offsets into the analysed text.

    JSON output (schema_version 1.0) has: source, title, language, model_version, text,
    length, spans [start, end, technique, confidence, text], counts, density, warnings.
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
        from .pipeline import Analyzer

        docs = Analyzer(_predictor(model)).analyze(raws)
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
        else:
            html.mkdir(parents=True, exist_ok=True)
            for d in docs:
                name = "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(document_id(d.source)).stem)
                atomic_write(html / f"{name or 'article'}.html", render_report(d))
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
    model: Annotated[Optional[Path], typer.Option("--model", help="Model folder (default: the shipped model).")] = None,
    threads: Annotated[Optional[int], typer.Option("--threads", help="ONNX Runtime threads (default: up to 2).")] = None,
) -> None:
    """Predict in the SemEval-2020 Task 11 formats, for every articleNNN.txt in a folder.

    Without --spans: labelled spans (--format ptc) or merged propaganda spans (--format si).
    With --spans: the technique classification task, one line out per line in, same order.
    """
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
    predictor = _predictor(model, threads)
    if lines is not None:
        labels = predictor.classify_corpus(found, lines)
        out = [f"{aid}\t{label}\t{s}\t{e}\n" for (aid, s, e), label in zip(lines, labels)]
    else:
        out = []
        for aid, scores in predictor.score_files(found):
            if fmt is PredictFormat.si:
                out += [f"{aid}\t{s}\t{e}\n" for s, e in predictor.si(scores)]
            else:
                out += [f"{aid}\t{x.technique}\t{x.start}\t{x.end}\n"
                        for x in sorted(predictor.labelled(scores), key=lambda x: (x.start, x.end, x.technique))]
    text = "".join(out)
    if output:
        atomic_write(output, text)
    else:
        sys.stdout.write(text)


@app.command()
def evaluate(
    gold: Annotated[Path, typer.Option("--gold", help="Gold technique labels: id, technique, start, end.", show_default=False)],
    articles: Annotated[Optional[Path], typer.Option("--articles", help="Folder of articleNNN.txt: run the model on it and score all three tasks.")] = None,
    pred: Annotated[Optional[Path], typer.Option("--pred", help="Score an existing prediction file instead (see --task).")] = None,
    task: Annotated[str, typer.Option("--task", help="With --pred: si (id, start, end), labelled (id, technique, start, end) or tc (lines aligned with --gold).")] = "labelled",
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    model: Annotated[Optional[Path], typer.Option("--model", help="Model folder (default: the shipped model).")] = None,
) -> None:
    """SemEval-2020 Task 11 scores: SI F1, TC micro-F1 and labelled-span F1 (per technique too)."""
    from .evaluate.run import evaluate_files, evaluate_model, format_report

    if (articles is None) == (pred is None):
        raise InputError("give exactly one of --articles (run the model) or --pred (score a file)")
    if not gold.is_file():
        raise InputError("no such file", source=str(gold))
    if articles is not None:
        report = evaluate_model(articles, gold, model)
    else:
        if not pred.is_file():
            raise InputError("no such file", source=str(pred))
        report = evaluate_files(gold, pred, task)
    typer.echo(json.dumps(report, indent=2) if as_json else format_report(report))


@app.command()
def train(
    data: Annotated[Path, typer.Option("--data", help="PTC folder holding train-articles/ and train-task-flc-tc.labels.")] = Path("../shared/data/ptc"),
    out: Annotated[Path, typer.Option("--out", help="Where to write the model bundle (ONNX + model.json + card).")] = Path("model-out"),
    work: Annotated[Path, typer.Option("--work", help="Folder for weights and the fp32 graph (not shipped).")] = Path("train-work"),
    settings: Annotated[Optional[Path], typer.Option("--settings", help="cv_results.json from `propscan crossval`: thresholds and calibration to ship.")] = None,
    epochs: Annotated[float, typer.Option(help="Training epochs.")] = 3.0,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 13,
    threads: Annotated[int, typer.Option(help="CPU threads for torch.")] = 2,
    max_articles: Annotated[Optional[int], typer.Option("--max-articles", help="Train on the first N articles only (smoke tests).")] = None,
    max_steps: Annotated[Optional[int], typer.Option("--max-steps", help="Stop after N optimizer steps (smoke tests).")] = None,
    version: Annotated[Optional[str], typer.Option("--version", help="Model version string (default: date-based).")] = None,
) -> None:
    """Fine-tune the model on PTC and write a shippable bundle (needs the [train] extra)."""
    from .train.cli import run_train

    run_train(data=data, out=out, work=work, settings=settings, epochs=epochs, seed=seed, threads=threads,
              max_articles=max_articles, max_steps=max_steps, version=version)


@app.command()
def crossval(
    data: Annotated[Path, typer.Option("--data", help="PTC folder holding train-articles/ and train-task-flc-tc.labels.")] = Path("../shared/data/ptc"),
    work: Annotated[Path, typer.Option("--work", help="Folder for the folds' models and predictions (resumable).")] = Path("cv-work"),
    folds: Annotated[str, typer.Option("--folds", help="Comma-separated folds to run in this process.")] = "0,1,2,3,4",
    threads: Annotated[int, typer.Option(help="CPU threads for this process.")] = 2,
    results: Annotated[Path, typer.Option("--results", help="Where to write cv_results.json once all 5 folds are done.")] = Path("cv_results.json"),
    partial: Annotated[bool, typer.Option("--partial", help="Score the folds done so far (results say which).")] = False,
) -> None:
    """5-fold cross-validation by article (fp32 and int8), then threshold tuning and scores."""
    from .train.cli import run_crossval

    run_crossval(data=data, work=work, folds=folds, threads=threads, results=results, partial=partial)


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on. Anything but loopback needs PROPSCAN_API_KEY (or --insecure).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)] = 8000,
    db: Annotated[Optional[Path], typer.Option("--db", help="SQLite file for the history (default: propscan.db in the user data folder).")] = None,
    insecure: Annotated[bool, typer.Option("--insecure", help="Allow a non-loopback address without an API key (anyone who can reach it can write).")] = False,
    max_body: Annotated[int, typer.Option("--max-body", help="Largest request body accepted, in bytes.")] = 5 * 1024 * 1024,
    max_chars: Annotated[int, typer.Option("--max-chars", help="Longest article text analysed, in characters.")] = 200_000,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for a URL.")] = 15.0,
    allow_private: Annotated[bool, typer.Option("--allow-private", help="Let URL analysis reach loopback, private and link-local addresses.")] = False,
    model: Annotated[Optional[Path], typer.Option("--model", help="Model folder (default: the model shipped with propscan).")] = None,
) -> None:
    """Run the web app and JSON API (docs at /docs, /openapi.json), with a history in SQLite.

    Writes (analyse, delete) need 'Authorization: Bearer $PROPSCAN_API_KEY' when that
    variable is set; it must be set to listen on a non-loopback address unless --insecure.
    """
    import os

    import uvicorn

    from .web.app import ServerConfig, create_app
    from .web.intake import Limits
    from .web.security import is_loopback

    api_key = os.environ.get("PROPSCAN_API_KEY") or None
    if not is_loopback(host) and not api_key and not insecure:
        raise InputError(f"refusing to listen on {host} without an API key: set PROPSCAN_API_KEY "
                         "(or pass --insecure to allow anyone who can reach it to write)")
    config = ServerConfig(api_key=api_key, max_body=max_body, model=model,
                          limits=Limits(max_chars=max_chars, max_bytes=max_body, timeout=timeout, allow_private=allow_private))
    if db is not None:
        config.db = db
    try:
        web_app = create_app(config)
    except (OSError, sqlite3.Error) as exc:
        raise InputError(f"cannot open the database {config.db}: {exc}") from None
    _err(f"serving on http://{host}:{port} (history in {config.db})")
    uvicorn.run(web_app, host=host, port=port, log_level="warning", access_log=False)


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

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if _debug:
            raise
        _err(f"internal error: {type(exc).__name__}: {exc} (run with --debug for details)")
        sys.exit(70)
