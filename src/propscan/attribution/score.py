"""Scores for attribution extraction, as the issue defines them: per role, SemEval-2020 SI-style
partial-overlap F1 and exact-match F1; and how often a gold source is paired with its content."""

from __future__ import annotations

from ..evaluate.metrics import si_score
from .polnear import ROLES, Attribution

Articles = dict[str, list[Attribution]]


def _overlaps(a: tuple[int, int] | None, b: tuple[int, int] | None) -> bool:
    return a is not None and b is not None and a[0] < b[1] and b[0] < a[1]


def exact_f1(pred: dict[str, list[tuple[int, int]]], gold: dict[str, list[tuple[int, int]]]) -> dict:
    tp = sum(len(set(pred.get(k, [])) & set(gold.get(k, []))) for k in set(pred) | set(gold))
    n_pred = sum(len(set(v)) for v in pred.values())
    n_gold = sum(len(set(v)) for v in gold.values())
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


def pairing_accuracy(pred: Articles, gold: Articles) -> float:
    """Of the gold attributions with a source, the share where a predicted attribution overlaps
    the gold content and its source overlaps the gold source."""
    hits = total = 0
    for name, attributions in gold.items():
        for g in attributions:
            if g.source is None or g.content is None:
                continue
            total += 1
            hits += any(_overlaps(p.content, g.content) and _overlaps(p.source, g.source) for p in pred.get(name, []))
    return round(hits / total, 4) if total else 0.0


def attribution_scores(pred: Articles, gold: Articles) -> dict:
    out = {"articles": len(gold), "gold_attributions": sum(len(v) for v in gold.values()),
           "predicted_attributions": sum(len(v) for v in pred.values())}
    for role in ROLES:
        p = {k: [a.role(role) for a in v if a.role(role)] for k, v in pred.items()}
        g = {k: [a.role(role) for a in v if a.role(role)] for k, v in gold.items()}
        out[role.lower()] = {"overlap": si_score(p, g).to_dict(), "exact": exact_f1(p, g)}
    out["pairing_accuracy"] = pairing_accuracy(pred, gold)
    return out
