"""Write batch results as Parquet part files (and optionally SQLite), chunk by chunk, so a
run can be killed at any moment, or lose power, and be resumed without losing or repeating a document.

A chunk's parts (`TABLE/part-NNNNN.parquet`) are written first, then its entry
(`_chunks/chunk-NNNNN.json`, see ledger.py), whose arrival commits the chunk. On a local disk each
file goes to a dot-named temporary file, is fsynced, renamed into place and its folder fsynced;
object stores put each object whole. On resume every part is checked against its entry: a damaged
chunk is reported, removed and analysed again, and leftovers of an uncommitted chunk are deleted.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from ..errors import PropscanError
from . import sqlite_health
from .durable import sync_folder, write_durably
from .ledger import ENTRIES, FORMAT, MARKER, TABLES, check_output, entry_bytes, entry_name, part_name, part_record
from .records import ATTRIBUTION_COLUMNS, CLAIM_COLUMNS, COUNT_COLUMNS, DOCUMENT_COLUMNS, ERROR_COLUMNS, SPAN_COLUMNS

Report = Callable[[str], None]
__all__ = ["TABLES", "part_name", "Committed", "OutputError", "Outputs", "ParquetParts", "SqliteTables"]


class OutputError(PropscanError):
    """The output cannot be written (not writable, disk full): the run stops, nothing half-written."""

    code = "E500"
    exit_code = 2


SCHEMAS = {
    "documents": pa.schema([(c, pa.string()) for c in ("id", "source", "url", "date", "title", "language")]
                           + [("length", pa.int64()), ("density", pa.float64()), ("n_spans", pa.int64())]
                           + [(c, pa.int64()) for c in COUNT_COLUMNS.values()]
                           + [("words", pa.int64()), ("hyperpartisan_probability", pa.float64()), ("n_claims", pa.int64()),
                              ("density_author", pa.float64()), ("density_quoted", pa.float64())]
                           + [(c, pa.string()) for c in ("model_version", "content_hash", "input")]),
    "spans": pa.schema([("doc_id", pa.string()), ("start", pa.int64()), ("end", pa.int64()),
                        ("technique", pa.string()), ("confidence", pa.float64()), ("text", pa.string()),
                        ("voice", pa.string()), ("speaker", pa.string())]),
    "claims": pa.schema([("doc_id", pa.string()), ("start", pa.int64()), ("end", pa.int64()),
                         ("score", pa.float64()), ("text", pa.string())]),
    "attributions": pa.schema([("doc_id", pa.string())] + [(c, pa.int64()) for c in ATTRIBUTION_COLUMNS[1:7]]
                              + [(c, pa.string()) for c in ATTRIBUTION_COLUMNS[7:]]),
    "errors": pa.schema([(c, pa.string()) for c in ERROR_COLUMNS]),
}
assert SCHEMAS["documents"].names == DOCUMENT_COLUMNS and SCHEMAS["spans"].names == SPAN_COLUMNS
assert SCHEMAS["claims"].names == CLAIM_COLUMNS and SCHEMAS["attributions"].names == ATTRIBUTION_COLUMNS


@dataclass
class Committed:
    """What one output already holds: documents by id (and content), error rows by (id, input)."""

    documents: dict[str, str] = field(default_factory=dict)  # id -> content hash
    hashes: set[str] = field(default_factory=set)
    errors: set[tuple[str, str]] = field(default_factory=set)

    def has_document(self, doc_id: str, content_hash: str) -> bool:
        return doc_id in self.documents or content_hash in self.hashes

    def has_error(self, error_id: str, input: str) -> bool:
        return (error_id, input) in self.errors

    def missing(self, rows: dict[str, list[dict]]) -> dict[str, list[dict]]:
        """The rows this output does not hold yet (a document's spans, claims... go with it)."""
        docs = [d for d in rows["documents"] if not self.has_document(d["id"], d["content_hash"])]
        ids = {d["id"] for d in docs}
        kept = {t: [r for r in rows.get(t, []) if r["doc_id"] in ids] for t in ("spans", "claims", "attributions")}
        return {"documents": docs, **kept, "errors": [e for e in rows["errors"] if not self.has_error(e["id"], e["input"])]}

    def add(self, rows: dict[str, list[dict]]) -> None:
        for d in rows["documents"]:
            self.documents[d["id"]] = d["content_hash"]
            self.hashes.add(d["content_hash"])
        self.errors.update((e["id"], e["input"]) for e in rows["errors"])


def filesystem(out: str) -> tuple[pafs.FileSystem, str]:
    """A local path or any URI pyarrow understands (file://, s3://, gs://, hdfs://...)."""
    if "://" in out:
        try:
            return pafs.FileSystem.from_uri(out)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as exc:
            raise OutputError(f"--out {out}: {exc}") from None
    return pafs.LocalFileSystem(), str(Path(out).absolute())


def _quiet(message: str) -> None:
    pass


class ParquetParts:
    def __init__(self, out: str):
        self.out = out
        self.fs, self.root = filesystem(out)
        self.local = isinstance(self.fs, pafs.LocalFileSystem)  # object stores put whole objects; no fsync there
        self.next_chunk = 0

    def _path(self, table: str, name: str) -> str:
        return f"{self.root}/{table}/{name}"

    def _put(self, path: str, data: bytes) -> None:
        if self.local:
            write_durably(path, data)
        else:
            with self.fs.open_output_stream(path) as f:
                f.write(data)

    def _sync(self, *folders: str) -> None:
        if self.local:
            for folder in folders:
                sync_folder(f"{self.root}/{folder}")

    def _delete(self, path: str) -> None:
        try:
            self.fs.delete_file(path)
        except FileNotFoundError:
            pass

    def prepare(self, report: Report = _quiet) -> Committed:
        """Create the folders, check they are writable, check every committed chunk against its
        entry (removing damaged ones, which are then analysed again) and drop leftovers."""
        try:
            for t in (*TABLES, ENTRIES):
                self.fs.create_dir(f"{self.root}/{t}", recursive=True)
            probe = self._path("documents", ".write-check")
            with self.fs.open_output_stream(probe) as f:
                f.write(b"ok")
            self.fs.delete_file(probe)
        except OSError as exc:
            raise OutputError(f"cannot write to {self.out}: {exc}") from None
        try:
            return self._repair(report)
        except OSError as exc:
            raise OutputError(f"cannot check or repair {self.out}: {exc}") from None

    def _repair(self, report: Report) -> Committed:
        check = check_output(self.fs, self.root, deep=self.local)
        for path in check.leftovers:
            if not check.legacy and "/documents/part-" in path:
                report(f"{path}: not committed (no entry): removed, its documents are analysed again")
            self._delete(path)
        for chunk in check.damaged:
            self._remove_chunk(chunk.chunk, chunk.problems, report)
        adopted = [c for c in check.intact if not c.has_entry]
        for chunk in adopted:
            self._put(f"{self.root}/{ENTRIES}/{entry_name(chunk.chunk)}", entry_bytes(chunk.chunk, chunk.parts))
        if adopted:
            self._sync(ENTRIES)
            report(f"{self.out}: written by an older propscan: {len(adopted)} chunks read in full, found whole "
                   "and given entries")
        if check.legacy:
            self._put(f"{self.root}/{MARKER}", f'{{"format": {FORMAT}}}\n'.encode())
            self._sync(".")
        committed = Committed()
        for chunk in check.intact:
            try:
                docs, errors = self._keys(chunk.chunk, chunk.rows("errors") > 0)
            except ValueError as exc:  # same size, other bytes: possible where resume checks sizes only
                self._remove_chunk(chunk.chunk, [str(exc)], report)
                continue
            committed.documents.update(docs)
            committed.hashes.update(docs.values())
            committed.errors.update(errors)
        self.next_chunk = max(check.chunks, default=-1) + 1
        return committed

    def _keys(self, chunk: int, has_errors: bool) -> tuple[dict[str, str], list[tuple[str, str]]]:
        """The ids and content hashes of a committed chunk's documents, and the keys of its errors."""
        name = part_name(chunk)

        def read(table: str, columns: list[str]) -> pa.Table:
            try:
                return pq.read_table(self._path(table, name), columns=columns, filesystem=self.fs)
            except (pa.ArrowException, ValueError) as exc:
                raise ValueError(f"{table}/{name}: unreadable ({' '.join(str(exc).split())[:160]})") from None

        docs = read("documents", ["id", "content_hash"])
        errs = read("errors", ["id", "input"]) if has_errors else None
        errors = list(zip(errs.column("id").to_pylist(), errs.column("input").to_pylist())) if errs is not None else []
        return dict(zip(docs.column("id").to_pylist(), docs.column("content_hash").to_pylist())), errors

    def _remove_chunk(self, chunk: int, problems: list[str], report: Report) -> None:
        """Uncommit a damaged chunk (its entry first), then delete its parts: its documents are redone."""
        for problem in problems:
            report(f"{self.out}/{problem}: chunk {chunk} is removed and its documents analysed again")
        self._delete(f"{self.root}/{ENTRIES}/{entry_name(chunk)}")
        self._sync(ENTRIES)
        for t in TABLES:
            self._delete(self._path(t, part_name(chunk)))

    def write_chunk(self, number: int, rows: dict[str, list[dict]]) -> None:
        """Parts first (spans... documents), then the entry that commits them."""
        name = part_name(number)
        written, parts = [], []
        try:
            for t in ("spans", "claims", "attributions", "errors", "documents"):
                if not rows.get(t) and t != "documents":
                    continue
                sink = pa.BufferOutputStream()
                pq.write_table(pa.Table.from_pylist(rows.get(t, []), schema=SCHEMAS[t]), sink)
                data = sink.getvalue().to_pybytes()
                written.append(self._path(t, name))
                self._put(written[-1], data)
                parts.append(part_record(t, name, data, len(rows.get(t, []))))
            self._sync(*{p.table for p in parts})
            written.append(f"{self.root}/{ENTRIES}/{entry_name(number)}")
            self._put(written[-1], entry_bytes(number, parts))
            self._sync(ENTRIES)
        except OSError as exc:
            for path in reversed(written):  # the entry first: undo this chunk entirely, it is redone on resume
                try:
                    self._delete(path)
                except OSError:
                    pass
            raise OutputError(f"cannot write chunk {number} to {self.out}: {exc}") from None
        self.next_chunk = max(self.next_chunk, number + 1)


SQLITE_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS documents (" + ", ".join(
        f'"{c}" {"INTEGER" if t == pa.int64() else "REAL" if t == pa.float64() else "TEXT"}'
        + (" PRIMARY KEY" if c == "id" else "") for c, t in zip(SCHEMAS["documents"].names, SCHEMAS["documents"].types))
    + ")",
    'CREATE TABLE IF NOT EXISTS spans (doc_id TEXT NOT NULL, start INTEGER, "end" INTEGER, technique TEXT, '
    "confidence REAL, text TEXT, voice TEXT, speaker TEXT)",
    "CREATE TABLE IF NOT EXISTS attributions (doc_id TEXT NOT NULL, content_start INTEGER, content_end INTEGER, "
    "cue_start INTEGER, cue_end INTEGER, source_start INTEGER, source_end INTEGER, source_text TEXT, speaker TEXT, "
    "content_text TEXT)",
    "CREATE INDEX IF NOT EXISTS attributions_doc ON attributions(doc_id)",
    "CREATE INDEX IF NOT EXISTS spans_doc ON spans(doc_id)",
    'CREATE TABLE IF NOT EXISTS claims (doc_id TEXT NOT NULL, start INTEGER, "end" INTEGER, score REAL, text TEXT)',
    "CREATE INDEX IF NOT EXISTS claims_doc ON claims(doc_id)",
    "CREATE TABLE IF NOT EXISTS errors (id TEXT, input TEXT, reason TEXT, PRIMARY KEY (id, input))",
    # rows each table should hold, kept with every chunk: rows deleted from outside show as a shortfall
    "CREATE TABLE IF NOT EXISTS batch_totals (name TEXT PRIMARY KEY, rows INTEGER NOT NULL)",
)


class SqliteTables:
    """The same tables in SQLite; each chunk is one transaction, and re-writing a document
    replaces it, so a chunk repeated after a crash leaves no duplicates."""

    def __init__(self, path: Path, report: Report = _quiet):
        self.path = Path(path)
        try:
            if self.path.is_file() and self.path.stat().st_size:
                if not sqlite_health.is_sqlite(self.path):
                    raise OutputError(f"cannot write SQLite file {self.path}: it is not a SQLite database")
                problem = sqlite_health.damage(self.path)
                if problem is not None:
                    aside = sqlite_health.move_aside(self.path)
                    report(f"{self.path}: damaged ({problem}): moved to {aside.name}; its documents are analysed again")
            self.db = sqlite3.connect(self.path, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")  # a committed chunk survives a power loss
            for statement in SQLITE_SCHEMA:
                self.db.execute(statement)
            shortfall = sqlite_health.rows_short_of_totals(self.db)
            if shortfall:
                untraced = " (attributions without their documents cannot be traced, and stay lost)" \
                    if "attributions" in shortfall else ""
                report(f"{self.path}: rows deleted since they were written ({shortfall}): "
                       f"their documents are analysed again{untraced}")
            self._drop_incomplete(report)
            sqlite_health.reset_totals(self.db)
        except (sqlite3.Error, OSError) as exc:
            raise OutputError(f"cannot write SQLite file {self.path}: {exc}") from None

    def _drop_incomplete(self, report: Report) -> None:
        """Documents that lost spans or claims, and rows that lost their document, are removed,
        so the documents are analysed again."""
        lost = sqlite_health.documents_with_lost_rows(self.db)
        orphans = sqlite_health.rows_without_a_document(self.db)
        if not lost and not orphans:
            return
        if lost:
            report(f"{self.path}: {len(lost)} documents lost spans or claims rows ({sqlite_health.shown(lost)}): "
                   "removed, they are analysed again")
        if orphans:
            report(f"{self.path}: " + ", ".join(f"{n} {t}" for t, n in orphans.items())
                   + " rows without their document: removed")
        self.db.execute("BEGIN IMMEDIATE")
        self.db.executemany("DELETE FROM documents WHERE id = ?", [(i,) for i in lost])
        for t in sqlite_health.ROWS_OF_DOCUMENTS:
            self.db.execute(f"DELETE FROM {t} WHERE doc_id NOT IN (SELECT id FROM documents)")
        self.db.execute("COMMIT")

    def committed(self) -> Committed:
        held = Committed()
        for doc_id, h in self.db.execute("SELECT id, content_hash FROM documents"):
            held.documents[doc_id] = h
            held.hashes.add(h)
        held.errors.update(self.db.execute("SELECT id, input FROM errors"))
        return held

    def write_chunk(self, rows: dict[str, list[dict]]) -> None:
        """One transaction: the chunk's rows (replacing any of the same documents) and the new totals."""
        cols = SCHEMAS["documents"].names
        errors = list({(e["id"], e["input"]): e for e in rows["errors"]}.values())  # one row per key, as SQLite keeps
        change = dict.fromkeys(TABLES, 0)

        def run(table: str, sql: str, params: list[tuple], sign: int = 1) -> None:
            change[table] += sign * self.db.executemany(sql, params).rowcount

        try:
            self.db.execute("BEGIN IMMEDIATE")
            ids = [(d["id"],) for d in rows["documents"]]
            for t in ("spans", "claims", "attributions"):
                run(t, f"DELETE FROM {t} WHERE doc_id = ?", ids, -1)
            run("documents", "DELETE FROM documents WHERE id = ?", ids, -1)
            run("documents", f"INSERT INTO documents VALUES ({','.join('?' * len(cols))})",
                [tuple(d[c] for c in cols) for d in rows["documents"]])
            run("spans", "INSERT INTO spans VALUES (?,?,?,?,?,?,?,?)", [tuple(s[c] for c in SPAN_COLUMNS) for s in rows["spans"]])
            run("claims", "INSERT INTO claims VALUES (?,?,?,?,?)",
                [tuple(c[k] for k in CLAIM_COLUMNS) for c in rows.get("claims", [])])
            run("attributions", f"INSERT INTO attributions VALUES ({','.join('?' * len(ATTRIBUTION_COLUMNS))})",
                [tuple(a[k] for k in ATTRIBUTION_COLUMNS) for a in rows.get("attributions", [])])
            run("errors", "DELETE FROM errors WHERE id = ? AND input = ?", [(e["id"], e["input"]) for e in errors], -1)
            run("errors", "INSERT INTO errors VALUES (?,?,?)", [tuple(e[c] for c in ERROR_COLUMNS) for e in errors])
            self.db.executemany("UPDATE batch_totals SET rows = rows + ? WHERE name = ?", [(n, t) for t, n in change.items()])
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise OutputError(f"cannot write to {self.path}: {exc}") from None

    def close(self) -> None:
        self.db.close()


class Outputs:
    """Parquet parts, SQLite, or both. Each holds its own set of committed rows and is given only
    the rows it lacks, so one repaired output is refilled without duplicating the other.
    SQLite is written before the Parquet commit."""

    def __init__(self, out: str | None, sqlite: Path | None, report: Report = _quiet):
        self.parquet = ParquetParts(out) if out else None
        self.sqlite = SqliteTables(sqlite, report) if sqlite else None
        self.report = report
        self.held: list[Committed] = []

    def prepare(self) -> None:
        if self.parquet is not None:
            self.parquet_held = self.parquet.prepare(self.report)
            self.held.append(self.parquet_held)
        if self.sqlite is not None:
            self.sqlite_held = self.sqlite.committed()
            self.held.append(self.sqlite_held)

    def hold_document(self, doc_id: str, content_hash: str) -> bool:
        """Every output already holds this document (by id, or by identical content)."""
        return all(h.has_document(doc_id, content_hash) for h in self.held)

    def hold_error(self, error_id: str, input: str) -> bool:
        return all(h.has_error(error_id, input) for h in self.held)

    def held_everywhere(self) -> dict[str, list[str]]:
        """Ids and hashes every output holds: what remote workers may skip without asking."""
        ids = set.intersection(*(set(h.documents) for h in self.held))
        hashes = set.intersection(*(h.hashes for h in self.held))
        return {"ids": sorted(ids), "hashes": sorted(hashes)}

    def write_chunk(self, rows: dict[str, list[dict]]) -> None:
        if self.sqlite is not None:
            self._write(self.sqlite_held, rows, self.sqlite.write_chunk)
        if self.parquet is not None:
            self._write(self.parquet_held, rows, lambda r: self.parquet.write_chunk(self.parquet.next_chunk, r))

    @staticmethod
    def _write(held: Committed, rows: dict[str, list[dict]], write) -> None:
        missing = held.missing(rows)
        if missing["documents"] or missing["errors"]:
            write(missing)
            held.add(missing)

    def close(self) -> None:
        if self.sqlite is not None:
            self.sqlite.close()
