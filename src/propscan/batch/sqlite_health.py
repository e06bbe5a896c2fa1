"""Is a batch SQLite file whole? SQLite's own check for a damaged file, and the documents' span
and claim counts for rows lost from a whole one.

Each chunk is one transaction, so a crash or a full disk never leaves half a chunk; what this
catches is damage from outside: a file cut short or overwritten, rows deleted by hand.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

HEADER = b"SQLite format 3\x00"
SHOWN_IDS = 3

LOST_ROWS = ("SELECT d.id FROM documents d WHERE d.n_spans != (SELECT COUNT(*) FROM spans s WHERE s.doc_id = d.id) "
             "OR (d.n_claims IS NOT NULL AND d.n_claims != (SELECT COUNT(*) FROM claims c WHERE c.doc_id = d.id))")
ROWS_OF_DOCUMENTS = ("spans", "claims", "attributions")
TABLES = ("documents", "spans", "claims", "attributions", "errors")


def is_sqlite(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(len(HEADER)) == HEADER


def damage(path: Path) -> str | None:
    """What SQLite's quick_check finds wrong with an existing SQLite file (None: nothing)."""
    try:
        db = sqlite3.connect(path)
        try:
            found = [r[0] for r in db.execute("PRAGMA quick_check")]
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    problems = [p for p in found if p != "ok"]
    return "; ".join(problems[:2]) + (f" (and {len(problems) - 2} more)" if len(problems) > 2 else "") if problems else None


def move_aside(path: Path) -> Path:
    """Rename a damaged file (and its WAL, which belongs to it) out of the way; the new name."""
    target = path.with_name(path.name + ".damaged")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.damaged-{n}")
    for suffix in ("-wal", "-shm"):
        side = Path(f"{path}{suffix}")
        if side.exists():
            os.replace(side, f"{target}{suffix}")
    os.replace(path, target)
    return target


def documents_with_lost_rows(db: sqlite3.Connection) -> list[str]:
    """Documents whose spans or claims in the file are fewer (or more) than they counted."""
    return [r[0] for r in db.execute(LOST_ROWS)]


def rows_without_a_document(db: sqlite3.Connection) -> dict[str, int]:
    counts = {t: db.execute(f"SELECT COUNT(*) FROM {t} WHERE doc_id NOT IN (SELECT id FROM documents)").fetchone()[0]
              for t in ROWS_OF_DOCUMENTS}
    return {t: n for t, n in counts.items() if n}


def shown(ids: list[str]) -> str:
    return ", ".join(ids[:SHOWN_IDS]) + (f" and {len(ids) - SHOWN_IDS} more" if len(ids) > SHOWN_IDS else "")


def counts(db: sqlite3.Connection) -> dict[str, int]:
    return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}


def rows_short_of_totals(db: sqlite3.Connection) -> str:
    """'2 of 5 documents, 16 of 36 spans' missing against the kept totals; '' when none are (or no totals
    were kept: a file of an older propscan)."""
    try:
        totals = dict(db.execute("SELECT name, rows FROM batch_totals"))
    except sqlite3.OperationalError:
        return ""
    have = counts(db)
    return ", ".join(f"{totals[t] - have[t]:,} of {totals[t]:,} {t}" for t in TABLES if have[t] < totals.get(t, 0))


def reset_totals(db: sqlite3.Connection) -> None:
    """The totals are what the file holds now (after a repair, or on a file of an older propscan)."""
    db.execute("BEGIN IMMEDIATE")
    db.execute("DELETE FROM batch_totals")
    db.executemany("INSERT INTO batch_totals VALUES (?, ?)", list(counts(db).items()))
    db.execute("COMMIT")
