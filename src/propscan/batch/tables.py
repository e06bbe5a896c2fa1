"""Write batch results as Parquet part files (and optionally SQLite), chunk by chunk, so a
run can be killed at any moment and resumed without losing or repeating a document.

A chunk is committed when its `documents/part-NNNNN.parquet` appears: every part is written
to a dot-named temporary file (which Parquet readers ignore) and renamed into place, spans and
errors first, documents last. On resume, parts of uncommitted chunks and temporary files are
deleted, and the ids and content hashes of committed documents (and errors) are "done".
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from ..errors import PropscanError
from .records import ATTRIBUTION_COLUMNS, CLAIM_COLUMNS, COUNT_COLUMNS, DOCUMENT_COLUMNS, ERROR_COLUMNS, SPAN_COLUMNS

TABLES = ("documents", "spans", "claims", "attributions", "errors")
PART = re.compile(r"^part-(\d{5,})\.parquet$")


def part_name(chunk: int) -> str:
    return f"part-{chunk:05d}.parquet"


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
class Done:
    ids: set[str] = field(default_factory=set)
    hashes: set[str] = field(default_factory=set)
    next_chunk: int = 0


def filesystem(out: str) -> tuple[pafs.FileSystem, str]:
    """A local path or any URI pyarrow understands (file://, s3://, gs://, hdfs://...)."""
    if "://" in out:
        try:
            return pafs.FileSystem.from_uri(out)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as exc:
            raise OutputError(f"--out {out}: {exc}") from None
    return pafs.LocalFileSystem(), str(Path(out).absolute())


class ParquetParts:
    def __init__(self, out: str):
        self.out = out
        self.fs, self.root = filesystem(out)

    def _path(self, table: str, name: str) -> str:
        return f"{self.root}/{table}/{name}"

    def prepare(self) -> Done:
        """Create the folders, check they are writable, drop leftovers of an interrupted chunk."""
        try:
            for t in TABLES:
                self.fs.create_dir(f"{self.root}/{t}", recursive=True)
            probe = self._path("documents", ".write-check")
            with self.fs.open_output_stream(probe) as f:
                f.write(b"ok")
            self.fs.delete_file(probe)
        except OSError as exc:
            raise OutputError(f"cannot write to {self.out}: {exc}") from None
        listing = {t: self.fs.get_file_info(pafs.FileSelector(f"{self.root}/{t}")) for t in TABLES}
        committed = {int(m.group(1)) for info in listing["documents"]
                     if info.type == pafs.FileType.File and (m := PART.match(info.base_name))}
        errors = set()
        for t, infos in listing.items():
            for info in infos:
                m = PART.match(info.base_name)
                if info.base_name.startswith(".part-") or (m and int(m.group(1)) not in committed):
                    self.fs.delete_file(info.path)
                elif m and t == "errors" and info.type == pafs.FileType.File:
                    errors.add(int(m.group(1)))
        done = Done(next_chunk=max(committed) + 1 if committed else 0)
        for n in sorted(committed):
            docs = pq.read_table(self._path("documents", part_name(n)), columns=["id", "content_hash"],
                                 filesystem=self.fs)
            done.ids.update(docs.column("id").to_pylist())
            done.hashes.update(docs.column("content_hash").to_pylist())
            if n in errors:
                errs = pq.read_table(self._path("errors", part_name(n)), columns=["id"], filesystem=self.fs)
                done.ids.update(errs.column("id").to_pylist())
        return done

    def write_chunk(self, number: int, rows: dict[str, list[dict]]) -> None:
        name = part_name(number)
        written = []
        try:
            for t in ("spans", "claims", "attributions", "errors", "documents"):  # documents last: its arrival commits the chunk
                if not rows.get(t) and t != "documents":
                    continue
                tmp = self._path(t, f".{name}.tmp")
                written.append(tmp)
                pq.write_table(pa.Table.from_pylist(rows.get(t, []), schema=SCHEMAS[t]), tmp, filesystem=self.fs)
                self.fs.move(tmp, self._path(t, name))
                written[-1] = self._path(t, name)
        except OSError as exc:
            for path in written:  # undo this chunk entirely: it will be redone on resume
                try:
                    self.fs.delete_file(path)
                except OSError:
                    pass
            raise OutputError(f"cannot write chunk {number} to {self.out}: {exc}") from None


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
)


class SqliteTables:
    """The same three tables in SQLite; each chunk is one transaction, and re-writing a document
    replaces it, so a chunk repeated after a crash leaves no duplicates."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            for statement in SQLITE_SCHEMA:
                self.db.execute(statement)
        except sqlite3.Error as exc:
            raise OutputError(f"cannot write SQLite file {self.path}: {exc}") from None

    def done(self) -> Done:
        ids = {r[0] for r in self.db.execute("SELECT id FROM documents UNION SELECT id FROM errors")}
        hashes = {r[0] for r in self.db.execute("SELECT content_hash FROM documents")}
        return Done(ids=ids, hashes=hashes)

    def write_chunk(self, rows: dict[str, list[dict]]) -> None:
        cols = SCHEMAS["documents"].names
        try:
            self.db.execute("BEGIN IMMEDIATE")
            for d in rows["documents"]:
                self.db.execute("DELETE FROM spans WHERE doc_id = ?", (d["id"],))
                self.db.execute("DELETE FROM claims WHERE doc_id = ?", (d["id"],))
                self.db.execute("DELETE FROM attributions WHERE doc_id = ?", (d["id"],))
            self.db.executemany(f"INSERT OR REPLACE INTO documents VALUES ({','.join('?' * len(cols))})",
                                [tuple(d[c] for c in cols) for d in rows["documents"]])
            self.db.executemany("INSERT INTO spans VALUES (?,?,?,?,?,?,?,?)",
                                [tuple(s[c] for c in SPAN_COLUMNS) for s in rows["spans"]])
            self.db.executemany("INSERT INTO claims VALUES (?,?,?,?,?)",
                                [tuple(c[k] for k in CLAIM_COLUMNS) for c in rows.get("claims", [])])
            self.db.executemany(f"INSERT INTO attributions VALUES ({','.join('?' * len(ATTRIBUTION_COLUMNS))})",
                                [tuple(a[k] for k in ATTRIBUTION_COLUMNS) for a in rows.get("attributions", [])])
            self.db.executemany("INSERT OR REPLACE INTO errors VALUES (?,?,?)",
                                [tuple(e[c] for c in ERROR_COLUMNS) for e in rows["errors"]])
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise OutputError(f"cannot write to {self.path}: {exc}") from None

    def close(self) -> None:
        self.db.close()


class Outputs:
    """Parquet parts, SQLite, or both; SQLite is written before the Parquet commit."""

    def __init__(self, out: str | None, sqlite: Path | None):
        self.parquet = ParquetParts(out) if out else None
        self.sqlite = SqliteTables(sqlite) if sqlite else None

    def prepare(self) -> Done:
        if self.parquet is not None:
            done = self.parquet.prepare()
        else:
            done = self.sqlite.done()
        self.next_chunk = done.next_chunk
        return done

    def write_chunk(self, rows: dict[str, list[dict]]) -> None:
        if self.sqlite is not None:
            self.sqlite.write_chunk(rows)
        if self.parquet is not None:
            self.parquet.write_chunk(self.next_chunk, rows)
        self.next_chunk += 1

    def close(self) -> None:
        if self.sqlite is not None:
            self.sqlite.close()
