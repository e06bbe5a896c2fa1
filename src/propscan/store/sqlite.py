"""Analyses kept in SQLite: the web app's history.

One file, WAL mode (readers never block the writer), schema versioned with
`PRAGMA user_version` and migrated forward on open, every write in one transaction.
A row holds what `AnalysedDocument` holds, plus where it came from and when, so a stored
analysis renders exactly as it did when it was made.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from ..errors import StorageError
from ..doc import AnalysedDocument, Claim, Span, attributions_from_dict, reading_from_dict, speaker_from_dict
from ..ingest.sources import domain_of
from ..review import Decision, Proposed, Review, SpanKey, check_reviewer, checked, decisions_between
from . import reviews
from .connections import RESERVE_BYTES, Connections

# Each entry moves the schema from version i to i + 1. Append; never edit a shipped one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE analyses (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        fetched_at TEXT,
        source TEXT NOT NULL,
        source_kind TEXT NOT NULL,
        domain TEXT NOT NULL DEFAULT '',
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        language TEXT NOT NULL,
        model_version TEXT NOT NULL,
        density REAL NOT NULL,
        warnings TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX analyses_created ON analyses(created_at DESC, id);
    CREATE INDEX analyses_domain ON analyses(domain);
    CREATE TABLE spans (
        analysis_id TEXT NOT NULL REFERENCES analyses(id) ON DELETE CASCADE,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        technique TEXT NOT NULL,
        confidence REAL NOT NULL
    );
    CREATE INDEX spans_analysis ON spans(analysis_id);
    CREATE INDEX spans_technique ON spans(technique, analysis_id);
    """,
    # The same text analysed again by the same model gives the same result: keep one row and
    # remember when it was last asked for. Rows stored before this have no key and never match.
    """
    ALTER TABLE analyses ADD COLUMN content_key TEXT NOT NULL DEFAULT '';
    ALTER TABLE analyses ADD COLUMN analysed_again_at TEXT;
    CREATE INDEX analyses_content ON analyses(content_key);
    """,
    # Readable views hide spans below the display threshold the analysis was made with.
    """
    ALTER TABLE analyses ADD COLUMN min_confidence REAL NOT NULL DEFAULT 0;
    """,
    # Reading aids: the partisanship reading (JSON, and its probability to filter on) and the
    # check-worthy claims (their text kept, to search). claims_listed: 0 where none were computed.
    """
    ALTER TABLE analyses ADD COLUMN hyperpartisan TEXT;
    ALTER TABLE analyses ADD COLUMN hyperpartisan_probability REAL;
    ALTER TABLE analyses ADD COLUMN claims_listed INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX analyses_partisan ON analyses(hyperpartisan_probability);
    CREATE TABLE claims (
        analysis_id TEXT NOT NULL REFERENCES analyses(id) ON DELETE CASCADE,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        score REAL NOT NULL,
        text TEXT NOT NULL
    );
    CREATE INDEX claims_analysis ON claims(analysis_id);
    """,
    # Who is speaking: each span's voice and speaker, and the attributions (JSON; NULL where not run).
    """
    ALTER TABLE spans ADD COLUMN voice TEXT;
    ALTER TABLE spans ADD COLUMN speaker TEXT;
    ALTER TABLE analyses ADD COLUMN attributions TEXT;
    """,
    # Readers' reviews: decisions keyed by analysis, reviewer and span, and when each reviewer finished.
    reviews.MIGRATION,
)

PARTISAN_FILTERS = ("", "hyperpartisan", "not")
IMPORTED_MODEL = "imported"  # the model version of a document stored from an annotation tool's file
REVIEWED_FILTERS = ("", "yes", "no")


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def content_key(doc: AnalysedDocument) -> str:
    """What makes two analyses the same: model, source, title and text (so the same spans)."""
    payload = json.dumps([doc.model_version, doc.source, doc.title, doc.text], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class StoredAnalysis:
    id: str
    created_at: str
    fetched_at: str | None
    source_kind: str
    domain: str
    doc: AnalysedDocument
    analysed_again_at: str | None = None

    def to_dict(self) -> dict:
        """The analysis in `propscan analyze --format json` form, plus where and when it was stored."""
        from ..render.formats import json_dict

        return {"id": self.id, "created_at": self.created_at, "analysed_again_at": self.analysed_again_at,
                "fetched_at": self.fetched_at, "source_kind": self.source_kind, **json_dict(self.doc)}


@dataclass(frozen=True)
class Summary:
    """A history row: enough to list, not the text."""

    id: str
    created_at: str
    source: str
    source_kind: str
    domain: str
    title: str
    density: float
    n_spans: int
    hyperpartisan_probability: float | None = None
    n_claims: int = 0
    n_shown: int = 0  # spans at or above the analysis's display threshold: what its result page counts
    reviewed: bool = False  # a reviewer has finished reviewing it

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Query:
    q: str = ""
    technique: str = ""
    domain: str = ""
    partisan: str = ""  # "", "hyperpartisan" (probability >= 0.5) or "not" (read, below 0.5)
    claim: str = ""  # words in a listed claim
    reviewed: str = ""  # "", "yes" (a reviewer finished reviewing it) or "no"

    def where(self) -> tuple[str, list]:
        clauses, args = [], []
        if self.q:
            pattern = _like(self.q)
            clauses.append("(a.title LIKE ? ESCAPE '\\' OR a.source LIKE ? ESCAPE '\\')")
            args += [pattern, pattern]
        if self.claim:
            clauses.append("EXISTS (SELECT 1 FROM claims c WHERE c.analysis_id = a.id AND c.text LIKE ? ESCAPE '\\')")
            args.append(_like(self.claim))
        if self.partisan == "hyperpartisan":
            clauses.append("a.hyperpartisan_probability >= 0.5")
        elif self.partisan == "not":
            clauses.append("a.hyperpartisan_probability < 0.5")
        if self.technique:
            clauses.append("EXISTS (SELECT 1 FROM spans t WHERE t.analysis_id = a.id AND t.technique = ?"
                           " AND t.confidence >= a.min_confidence)")  # shown on its result page
            args.append(self.technique)
        if self.domain:
            clauses.append("a.domain = ?")
            args.append(self.domain)
        if self.reviewed:
            clauses.append(reviews.REVIEWED if self.reviewed == "yes" else f"NOT {reviews.REVIEWED}")
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def _like(words: str) -> str:
    return "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class AnalysisStore:
    def __init__(self, path: Path | str, *, lock_timeout: float = 10.0, reserve_bytes: int = RESERVE_BYTES):
        """Opens the database, migrating it forward. A database that cannot be written now (a full
        disk, read-only storage, a lock held elsewhere, damage) still opens: reads are served where
        they can be, and `health()` and every failed write say why; any other failure (a folder in
        its place) raises StorageError. `lock_timeout`: seconds a write
        waits for another process's lock before giving up."""
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = Connections(self.path, self._migrate, lock_timeout=lock_timeout, reserve_bytes=reserve_bytes)
        problem = self._db.open()
        if problem is not None and problem.kind == "failed":  # not a passing state: a path that is no database
            raise StorageError(problem.kind, f"{self.path}: {problem}")

    def close(self) -> None:
        self._db.close()

    def health(self) -> dict:
        """The store's state for /healthz: ok, full, read_only, locked, damaged or failed, and why."""
        state, message, version = self._db.state()
        return {"state": state, "message": message, "schema_version": version, "free_bytes": self._db.free_bytes()}

    def _migrate(self, db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise RuntimeError(f"{self.path} has schema version {version}, newer than this propscan knows")
        for i in range(version, len(MIGRATIONS)):
            for statement in MIGRATIONS[i].split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {i + 1}")

    def schema_version(self) -> int:
        with self._db.reading() as db:
            return db.execute("PRAGMA user_version").fetchone()[0]

    def add(self, doc: AnalysedDocument, *, source_kind: str,
            fetched_at: str | None = None) -> tuple[StoredAnalysis, bool]:
        """Store `doc`, or, when the same analysis is already stored, mark it analysed again.
        A new analysis of a text reviewed before takes over the reviews' decisions on the spans it
        proposes exactly (see review.carry_over). Returns the stored analysis and whether a new row was made."""
        key = content_key(doc)
        stored = StoredAnalysis(id=secrets.token_urlsafe(9), created_at=now_iso(), fetched_at=fetched_at,
                                source_kind=source_kind, domain=domain_of(doc.source), doc=doc)

        def insert(db: sqlite3.Connection):  # one transaction: two equal requests at once still make one row
            found = db.execute("SELECT id FROM analyses WHERE content_key = ?", (key,)).fetchone()
            if found is not None:
                db.execute("UPDATE analyses SET analysed_again_at = ? WHERE id = ?", (now_iso(), found["id"]))
            else:
                self._insert(db, stored, key)
                reviews.carry_from_earlier(db, stored.id, Proposed.of(doc))
            return found

        found = self._db.write(insert, "store the analysis", "nothing was stored")
        if found is not None:
            return self.get(found["id"]), False
        return stored, True

    @staticmethod
    def _insert(db: sqlite3.Connection, stored: StoredAnalysis, key: str) -> None:
        doc, fetched_at, source_kind = stored.doc, stored.fetched_at, stored.source_kind
        db.execute(
            "INSERT INTO analyses (id, created_at, fetched_at, source, source_kind, domain, title, text,"
            " language, model_version, density, warnings, content_key, min_confidence, hyperpartisan,"
            " hyperpartisan_probability, claims_listed, attributions)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (stored.id, stored.created_at, fetched_at, doc.source, source_kind, stored.domain, doc.title,
             doc.text, doc.language, doc.model_version, doc.density, json.dumps(doc.warnings), key,
             doc.min_confidence, json.dumps(doc.hyperpartisan.to_dict()) if doc.hyperpartisan else None,
             doc.hyperpartisan.probability if doc.hyperpartisan else None, int(doc.claims is not None),
             None if doc.attributions is None else json.dumps([a.to_dict() for a in doc.attributions])),
        )
        db.executemany(
            'INSERT INTO claims (analysis_id, start, "end", score, text) VALUES (?,?,?,?,?)',
            [(stored.id, c.start, c.end, c.score, doc.text[c.start : c.end]) for c in doc.claims or []],
        )
        db.executemany(
            'INSERT INTO spans (analysis_id, start, "end", technique, confidence, voice, speaker)'
            " VALUES (?,?,?,?,?,?,?)",
            [(stored.id, s.start, s.end, s.technique, s.confidence, s.voice,
              json.dumps(s.speaker.to_dict()) if s.speaker else None) for s in doc.spans],
        )

    def get(self, analysis_id: str) -> StoredAnalysis | None:
        with self._db.reading("read the analysis") as db:
            return self._read(db, analysis_id)

    @staticmethod
    def _read(db: sqlite3.Connection, analysis_id: str) -> StoredAnalysis | None:
        row = db.execute("SELECT * FROM analyses WHERE id = ?", (analysis_id,)).fetchone()
        if row is None:
            return None
        spans = [Span(r["start"], r["end"], r["technique"], r["confidence"], r["voice"],
                      speaker_from_dict(json.loads(r["speaker"] or "null"))) for r in db.execute(
            'SELECT start, "end", technique, confidence, voice, speaker FROM spans WHERE analysis_id = ?'
            " ORDER BY rowid", (analysis_id,))]
        claims = [Claim(r["start"], r["end"], r["score"]) for r in db.execute(
            'SELECT start, "end", score FROM claims WHERE analysis_id = ? ORDER BY start', (analysis_id,))]
        doc = AnalysedDocument(text=row["text"], source=row["source"], title=row["title"], language=row["language"],
                               model_version=row["model_version"], spans=spans,
                               warnings=json.loads(row["warnings"]), min_confidence=row["min_confidence"],
                               hyperpartisan=reading_from_dict(json.loads(row["hyperpartisan"] or "null")),
                               claims=claims if row["claims_listed"] else None,
                               attributions=attributions_from_dict(json.loads(row["attributions"] or "null")))
        return StoredAnalysis(id=row["id"], created_at=row["created_at"], fetched_at=row["fetched_at"],
                              source_kind=row["source_kind"], domain=row["domain"], doc=doc,
                              analysed_again_at=row["analysed_again_at"])

    def delete(self, analysis_id: str) -> bool:
        """Deleting works on a full disk too: the space set aside beside the database is given back for it."""
        return self._db.write(lambda db: db.execute("DELETE FROM analyses WHERE id = ?", (analysis_id,)).rowcount > 0,
                              "delete the analysis", "nothing was deleted", use_reserve=True)

    def list(self, query: Query = Query(), *, limit: int = 20, offset: int = 0) -> tuple[list[Summary], int]:
        """A page of summaries, newest first, and how many match in all."""
        where, args = query.where()
        with self._db.reading() as db:
            total = db.execute(f"SELECT COUNT(*) FROM analyses a{where}", args).fetchone()[0]
            rows = db.execute(
                "SELECT a.id, a.created_at, a.source, a.source_kind, a.domain, a.title, a.density,"
                " (SELECT COUNT(*) FROM spans s WHERE s.analysis_id = a.id) AS n_spans, a.hyperpartisan_probability,"
                " (SELECT COUNT(*) FROM claims c WHERE c.analysis_id = a.id) AS n_claims,"
                " (SELECT COUNT(*) FROM spans s WHERE s.analysis_id = a.id AND s.confidence >= a.min_confidence)"
                f" AS n_shown, {reviews.REVIEWED} AS reviewed"
                f" FROM analyses a{where} ORDER BY a.created_at DESC, a.rowid DESC LIMIT ? OFFSET ?",
                [*args, limit, offset],
            ).fetchall()
        return [Summary(**{**dict(r), "reviewed": bool(r["reviewed"])}) for r in rows], total

    def technique_counts(self, query: Query = Query()) -> dict[str, int]:
        """Spans shown (at or above each analysis's display threshold, as its result page counts them)
        per technique over every analysis the query matches: the history's corpus chart."""
        where, args = query.where()
        with self._db.reading() as db:
            rows = db.execute(
                "SELECT s.technique, COUNT(*) FROM spans s"
                f" JOIN analyses a ON a.id = s.analysis_id AND s.confidence >= a.min_confidence{where}"
                " GROUP BY s.technique", args).fetchall()
        return {r[0]: r[1] for r in rows}

    def domains(self) -> list[str]:
        with self._db.reading() as db:
            return [r[0] for r in db.execute(
                "SELECT DISTINCT domain FROM analyses WHERE domain != '' ORDER BY domain")]

    def ids(self, *, reviewed_only: bool = False) -> list[str]:
        """Every analysis's id, oldest first (what an export walks through)."""
        where = f" WHERE {reviews.REVIEWED}" if reviewed_only else ""
        with self._db.reading() as db:
            return [r[0] for r in db.execute(f"SELECT a.id FROM analyses a{where} ORDER BY a.created_at, a.rowid")]

    def reviews(self, analysis_id: str, reviewer: str | None = None) -> list[Review]:
        with self._db.reading("read the reviews") as db:
            return reviews.load(db, analysis_id, reviewer)

    def review_outcomes(self) -> tuple[list[tuple[str, str, str | None, int]], dict[str, int]]:
        """What reviewers did with each technique's passages, and how many reviews there are."""
        with self._db.reading("read the reviews") as db:
            return reviews.outcomes(db), reviews.totals(db)

    def save_review(self, analysis_id: str, reviewer: str, decisions: list[Decision], *,
                    finished: bool) -> Review | None:
        """Replace one reviewer's review of an analysis (None: no such analysis). A decision the
        reviewer had made already keeps the time it was made; InputError names a decision that does
        not fit the analysis."""
        stored = self.get(analysis_id)
        if stored is None:
            return None
        reviewer, now = check_reviewer(reviewer), now_iso()
        before = {_decided(d): d.decided_at for r in self.reviews(analysis_id, reviewer) for d in r.decisions}
        decisions = checked(decisions, Proposed.of(stored.doc))
        decisions = [replace(d, decided_at=before.get(_decided(d), now)) for d in decisions]
        previous = self.reviews(analysis_id, reviewer)
        finished_at = (previous[0].finished_at if previous and previous[0].finished else now) if finished else None
        review = Review(analysis_id, reviewer, tuple(decisions), now, finished_at)

        def write(db: sqlite3.Connection) -> bool:
            if db.execute("SELECT 1 FROM analyses WHERE id = ?", (analysis_id,)).fetchone() is None:
                return False  # deleted meanwhile
            reviews.save(db, review)
            return True

        return review if self._db.write(write, "store the review", "nothing was stored") else None

    def import_reviewed(self, documents: list[ImportedDocument], reviewer: str) -> list[tuple[str, bool]]:
        """Store reviewed annotations made elsewhere, all or nothing (one transaction). A document that
        names a stored analysis of the same text becomes that analysis's review by `reviewer`; any other
        becomes a new analysis (source kind `imported`, no model spans) with a finished review.
        Returns (analysis id, whether it was new) per document."""
        reviewer, now = check_reviewer(reviewer), now_iso()

        def write(db: sqlite3.Connection) -> list[tuple[str, bool]]:
            done = []
            for item in documents:
                stored, new = self._read(db, item.id) if item.id else None, False
                if stored is None or stored.doc.text != item.text:
                    stored, new = self._imported(db, item, now)
                proposed = Proposed.of(stored.doc)
                reviews.save(db, Review(stored.id, reviewer, tuple(decisions_between(proposed, item.spans, now)),
                                        now, now))
                done.append((stored.id, new))
            return done

        return self._db.write(write, "import the reviewed documents", "nothing was stored")

    def _imported(self, db: sqlite3.Connection, item: ImportedDocument, now: str) -> tuple[StoredAnalysis, bool]:
        """The analysis an imported document is stored as, found by its content or made (True)."""
        from ..language import detect_language

        doc = AnalysedDocument(text=item.text, source=item.source or item.id or "import", title=item.title,
                               language=detect_language(item.text), model_version=IMPORTED_MODEL)
        key = content_key(doc)
        found = db.execute("SELECT id FROM analyses WHERE content_key = ?", (key,)).fetchone()
        if found is not None:
            return self._read(db, found["id"]), False
        stored = StoredAnalysis(id=secrets.token_urlsafe(9), created_at=now, fetched_at=None,
                                source_kind="imported", domain=domain_of(doc.source), doc=doc)
        self._insert(db, stored, key)
        return stored, True


def _decided(d: Decision) -> tuple:
    return (d.key, d.decision, d.new_start, d.new_end, d.new_technique)


@dataclass(frozen=True)
class ImportedDocument:
    """A document read from an annotation tool's file: its text and its reviewed spans (code points)."""

    text: str
    spans: list[SpanKey]
    id: str = ""  # the propscan analysis it was exported from, where the file keeps it
    title: str = ""
    source: str = ""
