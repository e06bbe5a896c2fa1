"""What the precision guards change: spans a reader would distrust, and each rule's effect on F1.

  python benchmarks/guards.py [--data ../shared/data] [--fold-work cv-work --fold 0]

Part 1, the shipped model on the 645 SemEval-2019 hyperpartisan articles (never trained on):
how many spans consist only of function words, numbers or punctuation, how many start or end
with punctuation (other than a quote pair), and how many are a single word, with the guards off
and on, and the time decoding and labelling take per article either way (the encoder excluded).
Part 2, with `--fold-work`: the fold's model (from `benchmarks/accuracy.py --folds K`) on that
fold's held-out PTC articles: SI and labelled-span F1 with no guards, all guards, and all guards
but one (the rule's own effect), with the shipped decoding settings and with settings re-tuned
on the fold for each guard setting, as cross-validation tunes them. Writes
benchmarks/results/guards.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

from report import ROOT, cpu_model, save

from propscan.bundle import load_bundle
from propscan.guards import GuardOptions, unpaired_quote, only_function_words, trim_edges, whole_words
from propscan.predict import Predictor
from propscan.train.adapt import hyperpartisan_texts

RULES = [f.name for f in dataclasses.fields(GuardOptions)]


def reader_view(texts: list[str], found: list[list]) -> dict:
    """Shares a reader notices: function-word-only, punctuation-edged, single-word spans, spans holding
    half a quotation, and spans whose edge falls inside a word."""
    n = sum(len(f) for f in found)
    fw = punct = single = half_quote = mid_word = 0
    for text, spans in zip(texts, found):
        for x in spans:
            frag = text[x.start : x.end]
            fw += only_function_words(frag)
            punct += trim_edges(text, x.start, x.end) != (x.start, x.end)
            single += len(frag.split()) == 1
            half_quote += bool(unpaired_quote(frag))
            mid_word += whole_words(text, x.start, x.end) != (x.start, x.end)
    return {"spans": n, "function_word_only": fw, "punctuation_edged": punct, "single_word": single,
            "half_quotation": half_quote, "edge_inside_a_word": mid_word,
            "function_word_only_pct": round(100 * fw / max(n, 1), 2),
            "punctuation_edged_pct": round(100 * punct / max(n, 1), 2),
            "half_quotation_pct": round(100 * half_quote / max(n, 1), 2),
            "edge_inside_a_word_pct": round(100 * mid_word / max(n, 1), 2),
            "single_word_pct": round(100 * single / max(n, 1), 1)}


def labelled_all(predictor: Predictor, texts: list[str], options: GuardOptions) -> list[list]:
    out = []
    for i in range(0, len(texts), 16):
        for scores in predictor.score(texts[i : i + 16]):
            out.append(predictor.labelled(scores, options))
    return out


def hyperpartisan_part(data: Path, predictor: Predictor) -> dict:
    texts = hyperpartisan_texts(next((data / "hyperpartisan").glob("articles-*.xml")))
    scored = []
    for i in range(0, len(texts), 16):
        scored += predictor.score(texts[i : i + 16])
    result = {"articles": len(texts)}
    for label, options in [("guards off", GuardOptions.off()), ("guards on", GuardOptions())]:
        started = time.perf_counter()
        found = [predictor.labelled(s, options) for s in scored]
        seconds = time.perf_counter() - started
        result[label] = {**reader_view(texts, found), "decode_ms_per_article": round(1000 * seconds / len(texts), 2)}
    return result


def fold_part(data: Path, work: Path, k: int, retune: bool = True) -> dict:
    from propscan.evaluate.metrics import labelled_score, si_score
    from propscan.ptc import load_corpus
    from propscan.train.cv import fold_of, gold_tables

    articles = load_corpus(data / "ptc" / "train-articles", data / "ptc" / "train-task-flc-tc.labels")
    folds = fold_of(articles)
    held = [a for a in articles if folds[a.id] == k]
    bundle = load_bundle(work / f"fold{k}" / "onnx", detector_name="detector.int8.onnx")
    bundle = dataclasses.replace(bundle, settings=load_bundle().settings)  # the shipped decoding settings
    predictor = Predictor(bundle)
    scores = [s for i in range(0, len(held), 16) for s in predictor.score([a.text for a in held[i : i + 16]])]
    gold_si, gold_lab = gold_tables(held)
    gold_si = {a.id: gold_si.get(a.id, []) for a in held}
    gold_lab = {a.id: gold_lab.get(a.id, []) for a in held}

    def measure(options: GuardOptions) -> dict:
        si = si_score({a.id: predictor.si(sc, options) for a, sc in zip(held, scores)}, gold_si)
        lab = labelled_score({a.id: [(x.technique, x.start, x.end) for x in predictor.labelled(sc, options)]
                              for a, sc in zip(held, scores)}, gold_lab)[0]
        return {"SI_F1": round(si.f1, 4), "SI_P": round(si.precision, 4), "labelled_F1": round(lab.f1, 4),
                "labelled_P": round(lab.precision, 4)}

    result = {"fold": k, "held_out_articles": len(held), "shipped settings": {
        "no guards": measure(GuardOptions.off()), "all guards": measure(GuardOptions())}}
    for rule in RULES:
        result["shipped settings"][f"all but {rule}"] = measure(dataclasses.replace(GuardOptions(), **{rule: False}))
    if retune:
        result["tuned on the fold"] = tuned_part(work, articles)
    return result


def tuned_part(work: Path, articles) -> dict:
    """Thresholds re-tuned on the fold's own predictions for each guard setting, as CV does."""
    from propscan.train.cv import load_oof
    from propscan.train.tune import tune

    oof = load_oof(work, "int8")

    def scores(options: GuardOptions) -> dict:
        r = tune(oof, articles, options)
        return {"SI_F1": round(r["si"]["f1"], 4), "labelled_F1": round(r["labelled"]["f1"], 4)}

    out = {"no guards": scores(GuardOptions.off()), "all guards": scores(GuardOptions())}
    for rule in RULES:
        out[f"all but {rule}"] = scores(dataclasses.replace(GuardOptions(), **{rule: False}))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--fold-work", type=Path, default=None)
    ap.add_argument("--fold", type=int, default=0)
    ap.add_argument("--no-retune", action="store_true", help="skip re-tuning the fold for each rule (minutes each)")
    args = ap.parse_args()
    predictor = Predictor()
    result = {"model_version": predictor.bundle.version, "cpu": cpu_model(),
              "hyperpartisan": hyperpartisan_part(args.data, predictor)}
    if args.fold_work:
        result["cv_fold"] = fold_part(args.data, args.fold_work, args.fold, retune=not args.no_retune)
    save(result, ROOT / "benchmarks" / "results" / "guards.json")


if __name__ == "__main__":
    main()
