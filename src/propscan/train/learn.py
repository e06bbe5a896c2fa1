"""`propscan learn`: a token head learned from the history's finished reviews, kept only if it helps.

The user has no PTC and the fast model ships as int8 ONNX, so the encoder stays as it is: ONNX
Runtime gives each token's last-layer state, and a small torch head over those states (and the
fast model's own token probabilities) learns the reviewed annotations. Against forgetting, it
rehearses the user's other stored analyses with the current model's spans as targets.

The reviewed articles are split by a hash of their text: three fifths fit the head, one fifth
chooses each technique's threshold, mode and calibration, one fifth is held out for the gate. A
technique is kept only where the new spans beat the current model's on the held-out share, and
only while the new model still agrees with the current one on held-out rehearsal texts; if no
technique is kept, nothing is written and the reason is given.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .. import techniques
from ..bundle import DEFAULT_DIR as FAST_DIR
from ..bundle import file_sha256, load_bundle
from ..errors import InputError
from ..evaluate.metrics import PRF, labelled_score
from ..learned import (HEAD_FILE, LearnedPredictor, TechniqueRule, TokenHead, article_vector, check_name, combine,
                       head_features,
                       head_spans, in_use, learned_folder, models_root, next_name, use)
from ..predict import Labelled, Predictor
from ..ptc import LabelledArticle
from ..tiers import load_predictor
from .calibrate import PRIOR_SPANS, fit_platt
from .engine import Fit, Randomness, choose_precision
from .loop import warmup_then_decay

log = logging.getLogger("propscan.train")

MIN_REVIEWED = 5  # finished reviews needed before anything can be learned or checked
MAX_REHEARSAL = 60  # stored analyses rehearsed (the oldest first: a stable set)
REHEARSAL_FLOOR = 0.95  # labelled F1 of the new model's spans against the current model's on rehearsal texts
THRESHOLDS = (0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
MODES = ("replace", "add")
HIDDEN = 64
BATCH = 256
POS_WEIGHT = 3.0  # a token inside a marked span counts this many outside: spans are a small share of tokens


@dataclass
class Item:
    """One text, scored once: what the head reads, and the spans the models and reviewers gave it."""

    id: str
    scores: object  # TokenScores without hidden states (they are in features)
    features: np.ndarray  # float16 (n_tokens, 401)
    fast: list[Labelled]  # the shipped fast model's spans (the new model's base)
    current: list[Labelled]  # the model in use's spans (what the gate compares with)
    gold: list[tuple[str, int, int]] | None  # reviewed spans; None for a rehearsal text


@dataclass
class Outcome:
    kept: bool
    reason: str
    name: str = ""
    figures: dict = field(default_factory=dict)


def split_of(text: str) -> str:
    """fit (3 in 5), tune (1 in 5) or held (1 in 5), by the text (ids are random: the same history
    must split the same way every time)."""
    k = int(hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest(), 16) % 5
    return "held" if k == 0 else "tune" if k == 1 else "fit"


def reviewed_articles(store, reviewer: str | None) -> list[LabelledArticle]:
    """Each analysis with a finished review (``reviewer``'s, or the latest finished of any), with
    the reviewed annotation: what was accepted, relabelled, re-extended or added."""
    out = []
    for aid in store.ids(reviewed_only=True):
        done = [r for r in store.reviews(aid, reviewer) if r.finished]
        if not done:
            continue
        review = max(done, key=lambda r: r.finished_at)
        stored = store.get(aid)
        out.append(LabelledArticle(aid, stored.doc.text, [(t, s, e) for s, e, t in review.spans()]))
    return out


def rehearsal_texts(store, skip: set[str], limit: int = MAX_REHEARSAL) -> list[tuple[str, str]]:
    """(id, text) of stored analyses nobody finished reviewing, oldest first."""
    out = []
    for aid in store.ids():
        if aid in skip or len(out) >= limit:
            continue
        stored = store.get(aid)
        if stored is not None and stored.doc.text.strip():
            out.append((aid, stored.doc.text))
    return out


def score_items(texts: list[tuple[str, str, list | None]], fast: Predictor, current: Predictor,
                say: Callable[[str], None]) -> list[Item]:
    """Run the encoder once per text; keep the head's inputs and both models' spans."""
    items = []
    for k, (aid, text, gold) in enumerate(texts):
        (scores,) = fast.score([text])
        base = fast.labelled(scores)
        now = base if current is fast else current.labelled(scores)
        features = head_features(scores).astype(np.float16)
        scores.hidden = []
        items.append(Item(aid, scores, features, base, now, gold))
        if (k + 1) % 50 == 0:
            say(f"scored {k + 1} of {len(texts)} texts")
    return items


def token_targets(item: Item, spans) -> np.ndarray:
    """(n_tokens, 14) 1 where a token overlaps a span of that technique."""
    offsets = item.scores.encoded.offsets
    y = np.zeros((len(offsets), len(techniques.NAMES)), dtype=np.float32)
    starts = np.array([s for s, _ in offsets]) if offsets else np.zeros(0)
    ends = np.array([e for _, e in offsets]) if offsets else np.zeros(0)
    for t, s, e in spans:
        y[(starts < e) & (ends > s), techniques.INDEX[t]] = 1.0
    return y


def _stack(items: list[Item], targets) -> tuple[np.ndarray, np.ndarray]:
    if not items:
        return np.zeros((0, 401), np.float32), np.zeros((0, len(techniques.NAMES)), np.float32)
    return (np.concatenate([i.features for i in items]).astype(np.float32),
            np.concatenate([token_targets(i, targets(i)) for i in items]))


def fit_head(reviewed: list[Item], rehearsal: list[Item], *, epochs: int, seed: int, precision: str) -> TokenHead:
    """Train the head on the reviewed tokens, each batch paired with as many rehearsal tokens."""
    x_rev, y_rev = _stack(reviewed, lambda i: i.gold)
    x_reh, y_reh = _stack(rehearsal, lambda i: [(x.technique, x.start, x.end) for x in i.current])
    x_all = np.concatenate([x_rev, x_reh])
    mean, std = x_all.mean(0), x_all.std(0) + 1e-4
    norm = lambda x: torch.from_numpy((x - mean) / std)  # noqa: E731
    rand = Randomness(seed)
    model = nn.Sequential(nn.Dropout(0.1), nn.Linear(x_all.shape[1], HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, len(techniques.NAMES)))
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-2)
    per_epoch = math.ceil(len(x_rev) / BATCH)
    total = max(1, per_epoch * epochs)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: warmup_then_decay(s, max(1, total // 20), total))
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=torch.full((len(techniques.NAMES),), POS_WEIGHT))

    def batches(epoch: int, r: Randomness) -> list:
        order = r.np.permutation(len(x_rev))
        out = []
        for i in range(0, len(order), BATCH):
            extra = r.np.integers(0, len(x_reh), size=BATCH) if len(x_reh) else np.zeros(0, dtype=np.int64)
            out.append((order[i : i + BATCH], extra))
        return out

    def step(batch, r: Randomness) -> torch.Tensor:
        rev, reh = batch
        loss = loss_fn(model(norm(x_rev[rev])).float(), torch.from_numpy(y_rev[rev]))
        if len(reh):
            loss = loss + loss_fn(model(norm(x_reh[reh])).float(), torch.from_numpy(y_reh[reh]))
        return loss

    fit = Fit(model=model, optimizer=opt, scheduler=sched, total_steps=total, batches=batches, step=step, rand=rand,
              precision=precision, label="head loss")
    fit.run()
    first, last = model[1], model[3]
    w1 = first.weight.detach().numpy().T / std[:, None]
    b1 = first.bias.detach().numpy() - mean / std @ first.weight.detach().numpy().T
    return TokenHead(w1.astype(np.float32), b1.astype(np.float32), last.weight.detach().numpy().T.copy(),
                     last.bias.detach().numpy().copy())


def fit_genre(reviewed: list[Item], rehearsal: list[Item], l2: float = 1e-2) -> tuple[np.ndarray, np.ndarray] | None:
    """Logistic regression telling the reviewed texts from the rehearsed ones (None: nothing to tell
    them from), standardisation folded into the weights."""
    if not rehearsal or not reviewed:
        return None
    x = np.stack([article_vector(i.features.astype(np.float32)) for i in reviewed + rehearsal]).astype(np.float64)
    y = np.array([1.0] * len(reviewed) + [0.0] * len(rehearsal))
    weight = np.where(y == 1, 0.5 / len(reviewed), 0.5 / len(rehearsal))  # both sides count the same
    mean, std = x.mean(0), x.std(0) + 1e-6
    z = (x - mean) / std
    w, b = np.zeros(z.shape[1]), 0.0
    for _ in range(500):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        g = weight * (p - y)
        w -= 0.5 * (z.T @ g + l2 * w)
        b -= 0.5 * g.sum()
    gw = w / std
    return gw.astype(np.float32), np.array(b - mean @ gw, dtype=np.float32)


def head_outputs(head: TokenHead, items: list[Item]) -> dict[str, np.ndarray | None]:
    """The head's token probabilities per text; None where the genre test leaves the text to the fast model."""
    out = {}
    for i in items:
        features = i.features.astype(np.float32)
        out[i.id] = head.probabilities(features) if head.in_genre(features) else None
    return out


def _new_spans(item: Item, probs: np.ndarray | None, rules: dict[str, TechniqueRule]) -> list[Labelled]:
    if probs is None:
        return item.fast
    return combine(item.fast, head_spans(item.scores, probs, rules), rules)


def _triples(spans: list[Labelled]) -> list[tuple[str, int, int]]:
    return [(x.technique, x.start, x.end) for x in spans]


def _score(items: list[Item], spans_of) -> tuple[PRF, dict[str, PRF]]:
    return labelled_score({i.id: _triples(spans_of(i)) for i in items}, {i.id: i.gold for i in items})


def _zero() -> PRF:
    return PRF(0.0, 0.0, 0.0)


def choose_rules(tune: list[Item], probs: dict[str, np.ndarray], rehearsal: list[Item]) -> dict[str, TechniqueRule]:
    """For each technique, the threshold and mode with the best labelled F1 on the tune share, where
    it beats the current model there and agrees with it on the rehearsed texts; calibrated on the
    spans it finds on the tune share."""
    current = _score(tune, lambda i: i.current)[1]
    rules = {}
    for name in techniques.NAMES:
        best, best_f1 = None, current.get(name, _zero()).f1
        for mode in MODES:
            for th in THRESHOLDS:
                rule = {name: TechniqueRule(mode, th)}
                f1 = _score(tune, lambda i: _new_spans(i, probs[i.id], rule))[1].get(name, _zero()).f1
                if f1 > best_f1 + 1e-9 and _close(agreement(rehearsal, probs, rule)):
                    best, best_f1 = rule[name], f1
        if best is not None:
            rules[name] = TechniqueRule(best.mode, best.threshold, best.extend, calibration(tune, probs, name, best))
    return rules


def calibration(tune: list[Item], probs: dict[str, np.ndarray], name: str, rule: TechniqueRule) -> tuple[float, float]:
    """Platt scaling of the head's spans of ``name``: right when they overlap a reviewed span of it."""
    raw, right = [], []
    for item in tune:
        if probs[item.id] is None:
            continue
        gold = [(s, e) for t, s, e in item.gold if t == name]
        for x in head_spans(item.scores, probs[item.id], {name: TechniqueRule(rule.mode, rule.threshold)}):
            raw.append(min(max(x.confidence, 1e-4), 1 - 1e-4))
            right.append(int(any(s < x.end and x.start < e for s, e in gold)))
    if len(set(right)) < 2:
        return (1.0, 0.0)
    return fit_platt(raw, right, (1.0, 0.0), PRIOR_SPANS / 4)


def agreement(rehearsal: list[Item], probs: dict[str, np.ndarray], rules: dict[str, TechniqueRule]) -> float | None:
    """Labelled F1 of the new model's spans against the current model's on held-out rehearsal texts."""
    if not rehearsal:
        return None
    pred = {i.id: _triples(_new_spans(i, probs[i.id], rules)) for i in rehearsal}
    ref = {i.id: _triples(i.current) for i in rehearsal}
    if not any(ref.values()) and not any(pred.values()):
        return 1.0
    return labelled_score(pred, ref)[0].f1


def gate(held: list[Item], rehearsal: list[Item], probs: dict[str, np.ndarray],
         rules: dict[str, TechniqueRule]) -> tuple[dict[str, TechniqueRule], dict]:
    """The techniques kept: each must beat the current model on the held-out reviewed share; taken
    by gain while the new model stays within REHEARSAL_FLOOR of the current one on rehearsal texts."""
    cur_pooled, current = _score(held, lambda i: i.current)
    gains = {}
    for name, rule in rules.items():
        new = _score(held, lambda i: _new_spans(i, probs[i.id], {name: rule}))[1].get(name, _zero())
        old = current.get(name, _zero())
        if new.f1 > old.f1:
            gains[name] = new.f1 - old.f1
    kept: dict[str, TechniqueRule] = {}
    refused, new_pooled = {}, cur_pooled.f1
    for name in sorted(gains, key=lambda n: -gains[n]):
        trial = {**kept, name: rules[name]}
        pooled = _score(held, lambda i: _new_spans(i, probs[i.id], trial))[0].f1
        if pooled <= new_pooled:
            continue  # better alone, but not in the pooled score beside the others
        agree = agreement(rehearsal, probs, trial)
        if not _close(agree):
            refused[name] = round(agree, 4)
            continue
        kept, new_pooled = trial, pooled
    figures = {"held_out_articles": len(held), "rehearsal_held_out": len(rehearsal),
               "held_out_f1_current": round(cur_pooled.f1, 4), "held_out_f1_new": round(new_pooled, 4),
               "rehearsal_agreement": None if not kept else _round(agreement(rehearsal, probs, kept)),
               "tuned": sorted(rules), "better_on_held_out": {n: round(g, 4) for n, g in gains.items()},
               "refused_for_forgetting": refused}
    return kept, figures


def save_model(name: str, head: TokenHead, rules: dict[str, TechniqueRule], about: dict) -> Path:
    """Write the model folder beside the others and move it into place whole."""
    root = models_root()
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".{name}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    fast = load_bundle(FAST_DIR)
    for path in (fast.detector, fast.span_head, fast.tokenizer):
        shutil.copy2(path, tmp / path.name)
    head.save(tmp / HEAD_FILE)
    meta = dict(fast.meta)
    meta["version"] = f"{fast.version}+{name}"
    meta["files"] = {**meta.get("files", {}), HEAD_FILE: file_sha256(tmp / HEAD_FILE)}
    meta["learned"] = {"head": HEAD_FILE, "base": fast.version, **about,
                       "techniques": {n: {"mode": r.mode, "threshold": r.threshold, "extend": r.extend,
                                          "calib": list(r.calib)} for n, r in sorted(rules.items())}}
    (tmp / "model.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    LearnedPredictor(load_bundle(tmp))  # it loads, or nothing is kept
    final = root / name
    tmp.rename(final)
    return final


def learn(db: Path, *, reviewer: str | None = None, out_name: str | None = None, epochs: int = 8, seed: int = 13,
          threads: int = 2, precision: str = "auto", say: Callable[[str], None] = log.info) -> Outcome:
    """Learn from the finished reviews in ``db``; keep the model (and put it in use) only if the gate passes."""
    from ..store.sqlite import AnalysisStore

    started = time.time()
    if not Path(db).is_file():
        raise InputError(f"no database at {db}")
    name = check_name(out_name) if out_name else next_name()
    if learned_folder(name) is not None:
        raise InputError(f"a model named {name} exists already (propscan models remove {name}, or --out-name)")
    torch.set_num_threads(threads)
    store = AnalysisStore(db)
    reviewed = [a for a in reviewed_articles(store, reviewer) if a.text.strip()]
    who = f" by {reviewer}" if reviewer else ""
    if len(reviewed) < MIN_REVIEWED:
        raise InputError(f"{len(reviewed)} finished reviews{who} in {db}; learning needs at least {MIN_REVIEWED}")
    current_name = in_use()
    current = load_predictor(None, threads=threads)
    if type(current) not in (Predictor, LearnedPredictor):
        raise InputError(f"the model in use ({current_name}) is not the fast model or one learned from it; "
                         "learning adapts the fast model (propscan models use fast)")
    fast = current if current_name == "fast" else Predictor(load_bundle(FAST_DIR), threads=threads)
    rehearse = rehearsal_texts(store, {a.id for a in reviewed})
    say(f"{len(reviewed)} reviewed articles{who}, {len(rehearse)} other analyses to rehearse; scoring them")
    items = score_items([(a.id, a.text, a.spans) for a in reviewed] + [(i, t, None) for i, t in rehearse],
                        fast, current, say)
    parts = {k: [i for i in items if i.gold is not None and split_of(i.scores.text) == k] for k in ("fit", "tune", "held")}
    reh = [i for i in items if i.gold is None]
    reh_fit, reh_held = [i for i in reh if split_of(i.scores.text) != "held"], [i for i in reh if split_of(i.scores.text) == "held"]
    if not parts["fit"] or not parts["held"] or not parts["tune"]:
        raise InputError(f"{len(reviewed)} finished reviews split into {len(parts['fit'])} to fit, "
                         f"{len(parts['tune'])} to tune and {len(parts['held'])} to check: each needs one; review more")
    say(f"fitting the head: {len(parts['fit'])} reviewed articles, {len(reh_fit)} rehearsed")
    head = fit_head(parts["fit"], reh_fit, epochs=epochs, seed=seed, precision=choose_precision(precision))
    genre = fit_genre(parts["fit"], reh_fit)
    if genre is not None:
        head.gw, head.gb = genre
    probs = head_outputs(head, items)
    rules = choose_rules(parts["tune"], probs, reh_fit)
    kept, figures = gate(parts["held"], reh_held, probs, rules)
    figures.update({"reviewed": len(reviewed), "rehearsed": len(rehearse), "current_model": current_name,
                    "seconds": round(time.time() - started, 1)})
    if not kept:
        why = ("no technique's spans beat the current model's on the held-out reviews" if not figures["better_on_held_out"]
               else "the techniques that did better made the model forget: it agreed with the current model "
                    f"below {REHEARSAL_FLOOR} on rehearsal texts" if figures["refused_for_forgetting"]
               else "the held-out labelled F1 did not rise")
        return Outcome(False, f"kept nothing: {why} (held-out labelled F1 {figures['held_out_f1_current']}); "
                              "no model was written and the model in use is unchanged", figures=figures)
    about = {"reviewer": reviewer, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "gate": figures,
             "db": str(db)}
    save_model(name, head, kept, about)
    use(name)
    return Outcome(True, f"kept {name} ({', '.join(sorted(kept))}): held-out labelled F1 "
                         f"{figures['held_out_f1_current']} -> {figures['held_out_f1_new']}; now in use "
                         "(propscan models use fast switches back)", name, figures)


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def _close(agree: float | None) -> bool:
    """Whether the new model stays close to the current one on rehearsal texts (none: nothing to compare)."""
    return agree is None or agree >= REHEARSAL_FLOOR
