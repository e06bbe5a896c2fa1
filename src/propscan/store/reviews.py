"""Reviews in SQLite: each reviewer's decisions on an analysis, and whether they finished.

Plain functions over a connection, so that the store runs them inside its own transactions
(saving a review, carrying reviews over to a new analysis, an import of many documents).
"""

from __future__ import annotations

import sqlite3

from ..review import Decision, Proposed, Review, carry_over

MIGRATION = """
    CREATE TABLE reviews (
        analysis_id TEXT NOT NULL REFERENCES analyses(id) ON DELETE CASCADE,
        reviewer TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        finished_at TEXT,
        PRIMARY KEY (analysis_id, reviewer)
    );
    CREATE INDEX reviews_finished ON reviews(analysis_id, finished_at);
    CREATE TABLE review_decisions (
        analysis_id TEXT NOT NULL,
        reviewer TEXT NOT NULL,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        technique TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ('accept', 'reject', 'relabel', 'extend', 'add')),
        new_start INTEGER,
        new_end INTEGER,
        new_technique TEXT,
        model_version TEXT,
        decided_at TEXT NOT NULL,
        PRIMARY KEY (analysis_id, reviewer, start, "end", technique),
        FOREIGN KEY (analysis_id, reviewer) REFERENCES reviews(analysis_id, reviewer) ON DELETE CASCADE
    );
"""
# An analysis counts as reviewed once any reviewer has finished its review.
REVIEWED = "EXISTS (SELECT 1 FROM reviews r WHERE r.analysis_id = a.id AND r.finished_at IS NOT NULL)"
_COLUMNS = 'start, "end", technique, decision, new_start, new_end, new_technique, model_version, decided_at'


def load(db: sqlite3.Connection, analysis_id: str, reviewer: str | None = None) -> list[Review]:
    """The analysis's reviews (one reviewer's, if named), by reviewer name."""
    where, args = ("analysis_id = ?", [analysis_id]) if reviewer is None else (
        "analysis_id = ? AND reviewer = ?", [analysis_id, reviewer])
    reviews = db.execute(f"SELECT reviewer, updated_at, finished_at FROM reviews WHERE {where} ORDER BY reviewer",
                         args).fetchall()
    out = []
    for r in reviews:
        decisions = tuple(Decision(**dict(d)) for d in db.execute(
            f"SELECT {_COLUMNS} FROM review_decisions WHERE analysis_id = ? AND reviewer = ? ORDER BY start, \"end\","
            " technique", (analysis_id, r["reviewer"])))
        out.append(Review(analysis_id, r["reviewer"], decisions, r["updated_at"], r["finished_at"]))
    return out


def save(db: sqlite3.Connection, review: Review) -> None:
    """Replace the reviewer's review of the analysis with `review` (its decisions already checked)."""
    db.execute("DELETE FROM reviews WHERE analysis_id = ? AND reviewer = ?", (review.analysis_id, review.reviewer))
    db.execute("INSERT INTO reviews (analysis_id, reviewer, updated_at, finished_at) VALUES (?,?,?,?)",
               (review.analysis_id, review.reviewer, review.updated_at, review.finished_at))
    db.executemany(
        f"INSERT INTO review_decisions (analysis_id, reviewer, {_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        [(review.analysis_id, review.reviewer, d.start, d.end, d.technique, d.decision, d.new_start, d.new_end,
          d.new_technique, d.model_version, d.decided_at) for d in review.decisions])


def carry_from_earlier(db: sqlite3.Connection, analysis_id: str, proposed: Proposed) -> int:
    """Give a new analysis the reviews of earlier analyses of the same text (each reviewer's latest).
    Returns how many reviews carried over."""
    earlier = db.execute(
        "SELECT DISTINCT a.id, a.created_at FROM reviews r JOIN analyses a ON a.id = r.analysis_id"
        " WHERE a.text = ? AND a.id != ? ORDER BY a.created_at DESC, a.rowid DESC", (proposed.text, analysis_id))
    latest: dict[str, Review] = {}
    for row in earlier.fetchall():
        for review in load(db, row["id"]):
            latest.setdefault(review.reviewer, review)
    carried = [c for review in latest.values() if (c := carry_over(review, proposed, analysis_id)) is not None]
    for review in carried:
        save(db, review)
    return len(carried)


# What reviewers did with each technique's passages (review_stats.py names the outcomes). A shown
# passage a finished review left undecided counts as rejected, as the finished review means.
_OUTCOMES = """
    SELECT d.technique, d.decision, d.new_technique, COUNT(*) AS n FROM review_decisions d
    GROUP BY d.technique, d.decision, d.new_technique
    UNION ALL
    SELECT s.technique, 'reject', NULL, COUNT(*) FROM reviews r
    JOIN analyses a ON a.id = r.analysis_id
    JOIN spans s ON s.analysis_id = a.id AND s.confidence >= a.min_confidence
    WHERE r.finished_at IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM review_decisions d WHERE d.analysis_id = r.analysis_id AND d.reviewer = r.reviewer
        AND d.start = s.start AND d."end" = s."end" AND d.technique = s.technique)
    GROUP BY s.technique
"""


def outcomes(db: sqlite3.Connection) -> list[tuple[str, str, str | None, int]]:
    """(technique, decision, new technique, how many) over every review in the history."""
    return [(r[0], r[1], r[2], r[3]) for r in db.execute(_OUTCOMES)]


def totals(db: sqlite3.Connection) -> dict[str, int]:
    """How many reviews, reviewers, analyses reviewed and finished reviews the history holds."""
    row = db.execute("SELECT COUNT(*), COUNT(DISTINCT reviewer), COUNT(DISTINCT analysis_id),"
                     " COUNT(finished_at) FROM reviews").fetchone()
    return {"reviews": row[0], "reviewers": row[1], "analyses": row[2], "finished": row[3]}
