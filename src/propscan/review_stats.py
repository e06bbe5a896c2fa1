"""What reviewers agree with: per technique, how the model's passages fared in review.

One summary feeds the Reviews page, `propscan reviews` and the result page's line, so the three
always count the same way: a relabel (or an extent change that also changes the technique) counts
as relabelled; an extent change alone as re-extended; a shown passage a finished review left
undecided as rejected; added passages are counted under the technique the reviewer gave them.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from . import techniques

OUTCOMES = ("accepted", "extended", "relabelled", "rejected")
CSV_FIELDS = ("technique", "title", "decided", *OUTCOMES, "accepted_share", "added")


@dataclass(frozen=True)
class TechniqueAgreement:
    technique: str
    accepted: int = 0
    extended: int = 0  # right technique, extent changed
    relabelled: int = 0
    rejected: int = 0
    added: int = 0  # passages of this technique the model missed

    @property
    def decided(self) -> int:
        """The model's passages of this technique a reviewer decided on."""
        return self.accepted + self.extended + self.relabelled + self.rejected

    @property
    def accepted_share(self) -> float | None:
        return self.accepted / self.decided if self.decided else None

    @property
    def title(self) -> str:
        return techniques.get(self.technique).title


@dataclass(frozen=True)
class ReviewSummary:
    rows: list[TechniqueAgreement]  # in the techniques' order, only those with any decision
    reviews: int = 0
    reviewers: int = 0
    analyses: int = 0
    finished: int = 0

    def of(self, technique: str) -> TechniqueAgreement | None:
        return next((r for r in self.rows if r.technique == technique), None)


def _outcome(decision: str, technique: str, new_technique: str | None) -> str:
    if decision == "relabel" or (decision == "extend" and new_technique not in (None, technique)):
        return "relabelled"
    return {"accept": "accepted", "extend": "extended", "reject": "rejected", "add": "added"}[decision]


def summarise(outcomes: list[tuple[str, str, str | None, int]], totals: dict[str, int]) -> ReviewSummary:
    """The per-technique summary from the store's (technique, decision, new technique, count) rows."""
    counts: dict[str, dict[str, int]] = {}
    for technique, decision, new_technique, n in outcomes:
        if technique not in techniques.INDEX:  # a name no longer known: nothing to say about it
            continue
        row = counts.setdefault(technique, {})
        key = _outcome(decision, technique, new_technique)
        row[key] = row.get(key, 0) + n
    rows = [TechniqueAgreement(t.name, **counts[t.name]) for t in techniques.TECHNIQUES if t.name in counts]
    return ReviewSummary(rows, **totals)


def load_summary(store) -> ReviewSummary:
    return summarise(*store.review_outcomes())


def percent(share: float | None) -> str:
    return "–" if share is None else f"{share:.0%}"


def agreement_line(summary: ReviewSummary, shown_techniques: list[str], most: int = 3) -> str:
    """The result page's one line, for the techniques this article shows (most decided first):
    "reviewers here accepted 62% of Loaded language passages (of 41), ...". Empty without reviews."""
    rows = sorted((r for t in dict.fromkeys(shown_techniques) if (r := summary.of(t)) and r.decided),
                  key=lambda r: -r.decided)[:most]
    if not rows:
        return ""
    parts = [f"{percent(r.accepted_share)} of {r.title} passages (of {r.decided})" for r in rows]
    return "Reviewers here accepted " + ", ".join(parts)


def to_csv(summary: ReviewSummary) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for r in summary.rows:
        share = "" if r.accepted_share is None else f"{r.accepted_share:.4f}"
        writer.writerow([r.technique, r.title, r.decided, r.accepted, r.extended, r.relabelled, r.rejected,
                         share, r.added])
    return out.getvalue()


def to_table(summary: ReviewSummary) -> str:
    """A plain-text table for the terminal, with the counts behind it on the first line."""
    head = (f"{summary.reviews} reviews ({summary.finished} finished) by {summary.reviewers} reviewer"
            f"{'' if summary.reviewers == 1 else 's'} on {summary.analyses} analys"
            f"{'is' if summary.analyses == 1 else 'es'}")
    if not summary.rows:
        return head + "\nNo decisions yet.\n"
    cols = ("technique", "decided", "accepted", "extent", "relabelled", "rejected", "accepted %", "added")
    body = [(r.title, r.decided, r.accepted, r.extended, r.relabelled, r.rejected, percent(r.accepted_share),
             r.added) for r in summary.rows]
    widths = [max(len(str(x)) for x in col) for col in zip(cols, *body)]
    lines = ["  ".join(str(x).ljust(w) if i == 0 else str(x).rjust(w) for i, (x, w) in enumerate(zip(row, widths)))
             for row in (cols, *body)]
    return "\n".join([head, "", *lines]) + "\n"
