"""`propscan batch --verify`: check a finished output without analysing anything or changing it.

Parquet: every part against its chunk's entry (size and sha256), or read in full where an older
propscan wrote no entries. SQLite: SQLite's own quick_check, then each document's spans and claims
against its counts. One line per problem, naming the part; then one line of totals.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pyarrow.fs as pafs

from . import sqlite_health
from .ledger import TABLES, check_output
from .tables import OutputError, filesystem


def verify_parquet(out: str, say: Callable[[str], None]) -> bool:
    fs, root = filesystem(out)
    if fs.get_file_info(f"{root}/documents").type != pafs.FileType.Directory:
        raise OutputError(f"{out}: no documents/ folder: not the output of `propscan batch`")
    check = check_output(fs, root, deep=True)
    for chunk in check.damaged:
        for problem in chunk.problems:
            say(f"{out}/{problem} (chunk {chunk.chunk})")
    intact = check.intact
    rows = ", ".join(f"{sum(c.rows(t) for c in intact):,} {t}" for t in TABLES)
    unlisted = sum(not c.has_entry for c in intact)
    legacy = f"; {unlisted} chunks without entries (an older propscan) read in full" if unlisted else ""
    leftovers = f"; {len(check.leftovers)} leftover files of an interrupted chunk (removed on resume)" if check.leftovers else ""
    if check.damaged:
        say(f"{out}: {len(check.damaged)} of {len(check.chunks)} chunks damaged; the same `propscan batch` "
            f"command analyses their documents again{leftovers}")
        return False
    say(f"{out}: {len(intact)} chunks whole ({rows}){legacy}{leftovers}")
    return True


def verify_sqlite(path: Path, say: Callable[[str], None]) -> bool:
    if not path.is_file():
        raise OutputError(f"{path}: no such file")
    if not sqlite_health.is_sqlite(path):
        raise OutputError(f"{path}: not a SQLite database")
    problem = sqlite_health.damage(path)
    if problem is not None:
        say(f"{path}: damaged ({problem}); the same `propscan batch` command moves it aside and analyses again")
        return False
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        shortfall = sqlite_health.rows_short_of_totals(db)
        lost = sqlite_health.documents_with_lost_rows(db)
        orphans = sqlite_health.rows_without_a_document(db)
        counts = sqlite_health.counts(db)
    except sqlite3.Error as exc:
        raise OutputError(f"{path}: not the output of `propscan batch` ({exc})") from None
    finally:
        db.close()
    if shortfall:
        say(f"{path}: rows deleted since they were written ({shortfall})")
    if lost:
        say(f"{path}: {len(lost)} documents lost spans or claims rows ({sqlite_health.shown(lost)})")
    if orphans:
        say(f"{path}: " + ", ".join(f"{n} {t}" for t, n in orphans.items()) + " rows without their document")
    if shortfall or lost or orphans:
        return False
    say(f"{path}: whole (" + ", ".join(f"{n:,} {t}" for t, n in counts.items()) + ")")
    return True
