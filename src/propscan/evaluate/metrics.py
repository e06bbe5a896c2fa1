"""SemEval-2020 Task 11 scores, written from the task's definitions.

SI: partial-overlap credit C(s, t, h) = |s ∩ t| / h between predicted span s and gold span
t (both merged per article), precision over predicted spans, recall over gold spans, both
pooled over the corpus. TC: accuracy over given spans, with the best assignment of labels
for spans listed several times. Labelled-span F1: SI computed per technique, counts pooled.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

Spans = dict[str, list[tuple[int, int]]]  # article id -> character ranges


@dataclass
class PRF:
    precision: float
    recall: float
    f1: float
    # raw sums, so scores can be pooled over techniques or corpora
    p_credit: float = 0.0
    n_pred: int = 0
    r_credit: float = 0.0
    n_gold: int = 0

    def to_dict(self) -> dict:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1,
                "n_pred": self.n_pred, "n_gold": self.n_gold}


def f1_from(p_credit: float, n_pred: int, r_credit: float, n_gold: int) -> PRF:
    p = p_credit / n_pred if n_pred else 0.0
    r = r_credit / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return PRF(p, r, f, p_credit, n_pred, r_credit, n_gold)


def merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge overlapping ranges (touching ranges share no character and stay apart)."""
    out: list[list[int]] = []
    for s, e in sorted(r for r in ranges if r[1] > r[0]):
        if out and s < out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def _credits(pred: list[tuple[int, int]], gold: list[tuple[int, int]]) -> tuple[float, float]:
    p_credit = r_credit = 0.0
    for ps, pe in pred:
        for gs, ge in gold:
            inter = min(pe, ge) - max(ps, gs)
            if inter > 0:
                p_credit += inter / (pe - ps)
                r_credit += inter / (ge - gs)
    return p_credit, r_credit


def si_score(pred: Spans, gold: Spans) -> PRF:
    """Span identification F1 (techniques ignored)."""
    p_credit = r_credit = 0.0
    n_pred = n_gold = 0
    for aid in set(pred) | set(gold):
        ps, gs = merge(pred.get(aid, [])), merge(gold.get(aid, []))
        n_pred += len(ps)
        n_gold += len(gs)
        pc, rc = _credits(ps, gs)
        p_credit += pc
        r_credit += rc
    return f1_from(p_credit, n_pred, r_credit, n_gold)


def labelled_score(
    pred: dict[str, list[tuple[str, int, int]]], gold: dict[str, list[tuple[str, int, int]]]
) -> tuple[PRF, dict[str, PRF]]:
    """Labelled-span F1: SI per technique, pooled; also returns each technique's own scores."""
    per_tech: dict[str, PRF] = {}
    techs = {t for spans in list(pred.values()) + list(gold.values()) for t, _, _ in spans}
    for tech in sorted(techs):
        p = {a: [(s, e) for t, s, e in v if t == tech] for a, v in pred.items()}
        g = {a: [(s, e) for t, s, e in v if t == tech] for a, v in gold.items()}
        per_tech[tech] = si_score(p, g)
    pooled = f1_from(
        sum(x.p_credit for x in per_tech.values()),
        sum(x.n_pred for x in per_tech.values()),
        sum(x.r_credit for x in per_tech.values()),
        sum(x.n_gold for x in per_tech.values()),
    )
    return pooled, per_tech


def tc_score(lines: list[tuple[str, int, int, str]], predicted: list[str]) -> tuple[float, dict[str, PRF]]:
    """TC micro-F1 (= accuracy) over gold lines (id, start, end, technique) and one prediction per line.

    Lines that share a span are matched as multisets, which is the best assignment of the
    predicted labels to the gold ones.
    """
    if len(lines) != len(predicted):
        raise ValueError(f"{len(predicted)} predictions for {len(lines)} lines")
    gold_groups: dict[tuple, Counter] = defaultdict(Counter)
    pred_groups: dict[tuple, Counter] = defaultdict(Counter)
    for (aid, s, e, tech), p in zip(lines, predicted):
        gold_groups[(aid, s, e)][tech] += 1
        pred_groups[(aid, s, e)][p] += 1
    correct: Counter = Counter()
    n_pred: Counter = Counter()
    n_gold: Counter = Counter()
    for key, g in gold_groups.items():
        pg = pred_groups[key]
        correct.update(g & pg)
        n_gold.update(g)
        n_pred.update(pg)
    total = sum(n_gold.values())
    micro = sum(correct.values()) / total if total else 0.0
    per = {t: f1_from(correct[t], n_pred[t], correct[t], n_gold[t]) for t in sorted(set(n_gold) | set(n_pred))}
    return micro, per


def binary_scores(gold: list[bool], predicted: list[bool]) -> dict:
    """Accuracy, macro-F1 and the positive class's precision, recall and F1, with the counts."""
    gold, predicted = [bool(g) for g in gold], [bool(p) for p in predicted]  # numpy bools are not JSON
    tp = sum(g and p for g, p in zip(gold, predicted))
    fp = sum(p and not g for g, p in zip(gold, predicted))
    fn = sum(g and not p for g, p in zip(gold, predicted))
    tn = len(gold) - tp - fp - fn

    def f1(tp_, fp_, fn_):
        return 2 * tp_ / (2 * tp_ + fp_ + fn_) if tp_ else 0.0

    return {"n": len(gold), "positives": tp + fn, "accuracy": round((tp + tn) / len(gold), 4) if gold else 0.0,
            "macro_f1": round((f1(tp, fp, fn) + f1(tn, fn, fp)) / 2, 4), "f1": round(f1(tp, fp, fn), 4),
            "precision": round(tp / (tp + fp), 4) if tp + fp else 0.0,
            "recall": round(tp / (tp + fn), 4) if tp + fn else 0.0,
            "confusion": {"true_positive": tp, "false_positive": fp, "false_negative": fn, "true_negative": tn}}
