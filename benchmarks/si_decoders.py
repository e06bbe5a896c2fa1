"""SI decoders tried on a finished cross-validation's fold models: what else could turn the
tagger's token probabilities into better spans, without training anything.

  python benchmarks/si_decoders.py --data ../shared/data/ptc --work cv-work [--variant int8]
      [--folds 0,3] [--average-with cv-other]

Each fold's own graph scores its held-out articles once (and once more with windows packed
from a half-size first window, for the shifted-window average); every decoder is then tuned
over the same grid of threshold, extension and fragment joining, pooled over all folds, as
`crossval` tunes the shipped one. About 4 minutes on one core. ``--average-with`` adds the
average of each fold model's tagger probabilities with another run's model of the same fold: what
an ensemble of two would gain.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from propscan.bundle import load_bundle
from propscan.crf import marginals
from propscan.decode import decode_spans
from propscan.detect import Detector, TokenScores
from propscan.encoding import encode
from propscan.evaluate.metrics import merge, si_score
from propscan.predict import join_fragments
from propscan.ptc import load_corpus
from propscan.segment import Window, pack_windows, sentence_bounds, sentence_cover, sentence_token_ranges
from propscan.train.cv import N_FOLDS, fold_of
from propscan.train.data import bio_tags

ROOT = Path(__file__).resolve().parent.parent
GRID = [(th, ext, join) for th in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65) for ext in (0.0, 0.1, 0.2)
        for join in (8, 12) if th - ext >= 0.05]


def shifted_windows(text: str, offsets, size: int) -> list[Window]:
    """Windows packed after a first window of at most half the size: each sentence among other neighbours."""
    ranges = sentence_token_ranges(offsets, sentence_bounds(text))
    i, used = 0, 0
    while i < len(ranges) and used + ranges[i][1] - ranges[i][0] <= size // 2:
        used += ranges[i][1] - ranges[i][0]
        i += 1
    if i == 0:
        return pack_windows(ranges, size)
    return [Window(ranges[0][0], ranges[i - 1][1])] + pack_windows(ranges[i:], size)


def shifted_bio(detector: Detector, text: str) -> np.ndarray:
    enc = encode(detector.tokenizer, text)
    windows = shifted_windows(text, enc.offsets, detector.bundle.window_tokens)
    bio, seen = np.zeros((len(enc.offsets), 3), np.float32), np.zeros((len(enc.offsets), 1), np.float32)
    for w, (_, b, _) in zip(windows, detector.encode_windows([enc.ids[w.start : w.stop] for w in windows])):
        bio[w.start : w.stop] += b
        seen[w.start : w.stop] += 1
    return bio / np.maximum(seen, 1)


def chain_from(tag_lists: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Log transition, start and tag-prior scores counted from gold tags (add-one smoothed)."""
    counts, first, prior = np.ones((3, 3)), np.ones(3), np.ones(3)
    for tags in tag_lists:
        if len(tags):
            first[tags[0]] += 1
        np.add.at(counts, (tags[:-1], tags[1:]), 1)
        np.add.at(prior, tags, 1)
    return (np.log(counts / counts.sum(1, keepdims=True)), np.log(first / first.sum()), prior / prior.sum())


def smoothed(bio: np.ndarray, width: int) -> np.ndarray:
    """Inside-probability averaged over ``width`` tokens, the B:I split of each token kept."""
    inside = bio[:, 1] + bio[:, 2]
    padded = np.pad(inside, (width // 2, width // 2), mode="edge")
    mean = np.convolve(padded, np.ones(width) / width, mode="valid")
    out = bio.copy()
    scale = np.where(inside > 0, mean / np.maximum(inside, 1e-6), 0.0)
    out[:, 1:] *= scale[:, None]
    out[:, 0] = 1 - out[:, 1] - out[:, 2]
    return out


def spans_at(scores: TokenScores, th: float, ext: float, join: int) -> list[tuple[int, int]]:
    spans = decode_spans(scores, th, ext)
    spans, _ = join_fragments(scores.text, spans, np.zeros((len(spans), 1)), join)
    return [(s, e) for s, e, _ in spans]


def whole_sentences(text: str, spans: list[tuple[int, int]], share: float) -> list[tuple[int, int]]:
    """Spans covering at least ``share`` of their sentence grow to the whole sentence."""
    sentences = sentence_bounds(text)
    out = []
    for s, e in spans:
        cs, ce = sentence_cover(sentences, s, s + 1)
        out.append((min(s, cs), max(e, ce)) if e - s >= share * (ce - cs) else (s, e))
    return merge(out)


def best(decoded: dict, gold: dict, post=None) -> tuple:
    """Best pooled SI F1 over the grid: (score, (threshold, extension, join), predicted spans)."""
    results = []
    for th, ext, join in GRID:
        pred = {aid: spans_at(sc, th, ext, join) for aid, sc in decoded.items()}
        if post:
            pred = {aid: post(decoded[aid].text, v) for aid, v in pred.items()}
        results.append((si_score(pred, gold), (th, ext, join), pred))
    return max(results, key=lambda r: r[0].f1)


def untouched(spans: list[tuple[int, int]], others: list[tuple[int, int]]) -> int:
    return sum(not any(min(e, oe) > max(s, os) for os, oe in others) for s, e in spans)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/ptc")
    ap.add_argument("--work", type=Path, default=ROOT / "cv-work")
    ap.add_argument("--variant", choices=("int8", "fp32"), default="int8")
    ap.add_argument("--folds", default=",".join(map(str, range(N_FOLDS))), help="folds to score (comma-separated)")
    ap.add_argument("--average-with", type=Path, default=None,
                    help="another run's work folder, with fold models trained on the same folds")
    args = ap.parse_args()
    articles = load_corpus(args.data / "train-articles", args.data / "train-task-flc-tc.labels")
    folds = fold_of(articles)
    gold = {a.id: [(s, e) for _, s, e in a.spans] for a in articles}
    plain, shifted, other = {}, {}, {}

    def fold_detector(work: Path, k: int) -> Detector:
        return Detector(load_bundle(work / f"fold{k}" / "onnx", detector_name=f"detector.{args.variant}.onnx"), threads=1)

    for k in (int(f) for f in args.folds.split(",")):
        detector = fold_detector(args.work, k)
        held = [a for a in articles if folds[a.id] == k]
        for art, scores in zip(held, detector.score([a.text for a in held])):
            plain[art.id] = scores
            shifted[art.id] = shifted_bio(detector, art.text)
        if args.average_with:
            second = fold_detector(args.average_with, k)
            other.update((art.id, scores.bio) for art, scores in zip(held, second.score([a.text for a in held])))
    tags = {aid: bio_tags(sc.encoded.offsets, gold[aid]) for aid, sc in plain.items()}

    def with_bio(make) -> dict:
        out = {}
        for aid, sc in plain.items():
            bio = make(aid, sc)
            out[aid] = TokenScores(sc.text, sc.encoded, sc.windows, bio, sc.tech, [])
        return out

    def chained(aid, sc):
        # transitions counted on the other folds' gold tags only
        k = folds[aid]
        if k not in chains:
            chains[k] = chain_from([t for a, t in tags.items() if folds[a] != k])
        trans, start, prior = chains[k]
        # softmax / prior, as a hybrid HMM reads a classifier; rows rescaled to sum to 1, which the
        # chain's normalisation cancels. The floor keeps B reachable: the softmax gives it almost
        # nothing inside spans, and the chain's O -> I is near zero.
        emit = np.clip(sc.bio, 1e-6, 1.0) / prior
        return marginals([emit / emit.sum(axis=1, keepdims=True)], trans, start)[0]

    chains: dict = {}
    decoders = {
        "shipped decoder (the tagger's token probabilities)": (plain, None),
        "shifted-window average (2x encoder work)": (with_bio(lambda a, sc: (sc.bio + shifted[a]) / 2), None),
        "inside-probability smoothed over 3 tokens": (with_bio(lambda a, sc: smoothed(sc.bio, 3)), None),
        "HMM forward-backward (gold transitions, softmax / prior)": (with_bio(chained), None),
        "spans over half their sentence grow to it": (plain, lambda text, sp: whole_sentences(text, sp, 0.5)),
    }
    if args.average_with:
        decoders[f"{args.average_with.name}'s fold models alone"] = (with_bio(lambda a, sc: other[a]), None)
        decoders[f"average with {args.average_with.name}'s fold models (2x encoder work)"] = (
            with_bio(lambda a, sc: (sc.bio + other[a]) / 2), None)
    gold_here = {aid: gold[aid] for aid in plain}
    print(f"{args.variant}, {len(plain)} held-out articles, each decoder tuned on the pooled grid\n")
    print("| decoder | SI F1 | P | R | threshold / extension / join |\n|---|---|---|---|---|")
    misses = ""
    for name, (decoded, post) in decoders.items():
        score, (th, ext, join), pred = best(decoded, gold_here, post)
        print(f"| {name} | {score.f1:.4f} | {score.precision:.3f} | {score.recall:.3f} | {th} / {ext} / {join} |", flush=True)
        if not misses:
            merged = {aid: merge(g) for aid, g in gold_here.items()}
            missed_pred = sum(untouched(pred[a], merged[a]) for a in pred) / max(1, score.n_pred)
            missed_gold = sum(untouched(merged[a], pred[a]) for a in pred) / max(1, score.n_gold)
            misses = (f"\nShipped decoder: {missed_pred:.0%} of predicted spans touch no gold span; "
                      f"{missed_gold:.0%} of gold spans are touched by no predicted span.")
    print(misses)


if __name__ == "__main__":
    main()
