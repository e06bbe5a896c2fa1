"""Write MODEL_CARD.md beside a model bundle, from model.json and the CV results."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from .. import techniques
from ..segment import WINDOW_TOKENS

LIMITS = """\
- Trained on 371 English news articles (PTC train split, 2017-2019 US/UK outlets, many hyperpartisan).
  Other genres, other periods and non-English text are out of domain; propscan warns on non-English.
- Rare techniques (Bandwagon/Reductio, Thought-terminating clichés, Whataboutism/Straw man,
  Black-and-white fallacy, Slogans) have 70-130 training examples each and low scores: treat those
  labels as hints.
- Windows are sentence-aligned blocks of up to {window} tokens; context further away is not seen
  except through the article-level features (repetition counts, position).
- Thresholds and calibration were chosen on the same out-of-fold predictions that are scored,
  so the CV figures are slightly optimistic.
- Confidence is calibrated for "overlaps a gold span of the same technique", on PTC annotations;
  annotators themselves disagree on span boundaries, so partial overlaps are normal.
"""


def cv_tables(cv: dict) -> str:
    """Markdown tables of CV scores: fp32 vs int8, per technique, calibration."""
    done = cv.get("folds_done", list(range(cv.get("folds", 5))))
    rows = [f"Folds scored: {done} of {cv.get('folds', 5)} ({cv['int8']['articles']} held-out articles)", "",
            "| variant | SI F1 | SI P | SI R | TC micro-F1 | labelled-span F1 |", "|---|---|---|---|---|---|"]
    for variant in ("fp32", "int8"):
        r = cv.get(variant)
        if not r:
            continue
        rows.append(f"| {variant} | {r['si']['f1']:.4f} | {r['si']['precision']:.4f} | {r['si']['recall']:.4f} | "
                    f"{r['tc_micro_f1']:.4f} | {r['labelled']['f1']:.4f} |")
    per = cv.get("int8", {}).get("per_technique", {})
    if per:
        rows += ["", "Per technique (int8, the shipped graph):", "",
                 "| technique | gold spans | TC F1 | labelled-span F1 |", "|---|---|---|---|"]
        for t in techniques.NAMES:
            p = per.get(t, {})
            rows.append(f"| {t} | {p.get('gold_spans', 0)} | {p.get('tc_f1', 0):.3f} | {p.get('labelled_f1', 0):.3f} |")
    cal = cv.get("int8", {}).get("calibration")
    if cal:
        rows += ["", f"Expected calibration error of span confidence: {cal['ece_before']:.3f} raw, "
                     f"{cal['ece_after']:.3f} after Platt scaling."]
    return "\n".join(rows)


def write_card(folder: Path, cv: dict | None) -> Path:
    meta = json.loads((Path(folder) / "model.json").read_text())
    training = meta.get("training", {})
    cfg = training.get("config", {})
    settings = meta.get("settings", {})
    hashes = "\n".join(f"- `{name}` sha256 `{digest}`" for name, digest in sorted(meta.get("files", {}).items()))
    hp = "\n".join(f"- {k}: {v}" for k, v in sorted(cfg.items()))
    st = "\n".join(f"- {k}: {v}" for k, v in sorted(settings.items())) or "- defaults (no CV results given)"
    cv_text = cv_tables(cv) if cv else "No cross-validation results were given to `propscan train --settings`."
    whole = settings.get("whole_sentence") or []
    sentences = "\n" + textwrap.fill(
        "Spans of these techniques cover whole sentences, as annotators mark them; the words inside the "
        "sentence that carry the technique are not pinpointed: " + "; ".join(techniques.get(t).title for t in whole) + ".",
        width=100) + "\n" if whole else ""
    adapted = training.get("base_weights_sha256")
    other_data = ("Before fine-tuning, the encoder was masked-language-modelled (`propscan adapt`) on unlabelled\n"
                  "hyperpartisan (SemEval-2019 Task 4) and PolNeAR news, without their labels; the adapted weights'\n"
                  f"sha256 `{adapted}`." if adapted else "No other data.")
    tagger = ("a linear-chain CRF over BIO tags of propaganda spans, read as its marginals" if cfg.get("crf")
              else "BIO over propaganda spans")
    text = f"""# propscan model card: {meta.get('version')}

## What it does
Finds passages that use one of the 14 PTC propaganda techniques in English news text and names
the technique. Token tagger ({tagger}, plus per-technique auxiliary channels) and a
span classifier (pooled encoder states + article-level context features: phrase and word repetition,
span length, position, title) on one fine-tuned encoder.
{sentences}
## Data
Propaganda Techniques Corpus v2, SemEval-2020 Task 11 train split: {training.get('articles', '?')} articles
({training.get('windows', '?')} encoder windows). Da San Martino et al., SemEval-2020 Task 11 (2020);
"Fine-Grained Analysis of Propaganda in News Articles" (EMNLP 2019). {other_data}

## Base model
{meta.get('base', 'all-MiniLM-L6-v2')}, weights verified by sha256 prefix 53aa51172d142c89.
Word embeddings frozen; everything else fine-tuned on CPU.

## Training
Command: `propscan train --data ../shared/data/ptc --settings cv_results.json --out src/propscan/resources/model --threads {cfg.get('threads', 2)}`
Time: {training.get('seconds', '?')} s of training with {cfg.get('threads', '?')} CPU thread(s) ({training.get('steps', '?')} steps), torch {training.get('torch', '?')}.

Hyperparameters:
{hp}

Shipped graph: int8 dynamic quantization (MatMul per channel + embedding Gather) of the fp32 export.

## Decision settings (tuned on 5-fold out-of-fold predictions)
{st}

## Cross-validated scores (5 folds, split by article, same runtime as shipped)
{cv_text}

## Known limits
{LIMITS.format(window=meta.get('window_tokens', WINDOW_TOKENS))}
## Files
{hashes}
"""
    path = Path(folder) / "MODEL_CARD.md"
    path.write_text(text, encoding="utf-8")
    return path
