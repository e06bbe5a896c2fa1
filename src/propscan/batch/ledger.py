"""The ledger of a Parquet batch output: one small entry per committed chunk, and the checks that
tell an intact chunk from a damaged one.

An entry, `_chunks/chunk-NNNNN.json`, lists its chunk's parts with their rows, sizes and sha256,
and its arrival commits the chunk. One file per chunk, so a run of millions of documents never
rewrites a big manifest. A part that is missing, cut short or changed no longer matches its entry:
the chunk is redone instead of being read as if whole. Folders written before entries existed
(no `_propscan_batch.json`) are checked by reading every part in full and comparing the spans and
claims with the documents' own counts.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

TABLES = ("documents", "spans", "claims", "attributions", "errors")
PART = re.compile(r"^part-(\d{5,})\.parquet$")
ENTRIES = "_chunks"  # a leading underscore: Parquet dataset readers skip it
ENTRY = re.compile(r"^chunk-(\d{5,})\.json$")
MARKER = "_propscan_batch.json"  # present: every committed chunk has an entry
FORMAT = 1


def part_name(chunk: int) -> str:
    return f"part-{chunk:05d}.parquet"


def entry_name(chunk: int) -> str:
    return f"chunk-{chunk:05d}.json"


@dataclass(frozen=True)
class PartRecord:
    table: str
    name: str
    rows: int
    bytes: int
    sha256: str

    @property
    def shown(self) -> str:
        return f"{self.table}/{self.name}"


def part_record(table: str, name: str, data: bytes, rows: int) -> PartRecord:
    return PartRecord(table, name, rows, len(data), hashlib.sha256(data).hexdigest())


def entry_bytes(chunk: int, parts: list[PartRecord]) -> bytes:
    return (json.dumps({"format": FORMAT, "chunk": chunk, "parts": [asdict(p) for p in parts]}, indent=1) + "\n").encode()


def parse_entry(data: bytes, chunk: int) -> list[PartRecord]:
    """The parts an entry lists; ValueError when it is not an entry for this chunk."""
    try:
        doc = json.loads(data)
        parts = [PartRecord(**p) for p in doc["parts"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"not a chunk entry ({exc})") from None
    if doc.get("chunk") != chunk or any(p.table not in TABLES or p.name != part_name(chunk) for p in parts):
        raise ValueError("lists parts of another chunk")
    if not all(type(p.rows) is int and type(p.bytes) is int and isinstance(p.sha256, str) for p in parts):
        raise ValueError("rows, bytes or sha256 of the wrong type")
    if [p.table for p in parts].count("documents") != 1:
        raise ValueError("no documents part")
    return parts


@dataclass
class ChunkCheck:
    chunk: int
    parts: list[PartRecord] = field(default_factory=list)  # what it holds (from its entry, or read in full)
    problems: list[str] = field(default_factory=list)  # one line per damaged part, naming it
    has_entry: bool = True

    @property
    def intact(self) -> bool:
        return not self.problems

    def rows(self, table: str) -> int:
        return sum(p.rows for p in self.parts if p.table == table)


@dataclass
class OutputCheck:
    chunks: dict[int, ChunkCheck]
    leftovers: list[str]  # temporary files and parts of chunks that were never committed (paths)
    legacy: bool  # written (at least partly) by a propscan without entries

    @property
    def damaged(self) -> list[ChunkCheck]:
        return [c for c in self.chunks.values() if not c.intact]

    @property
    def intact(self) -> list[ChunkCheck]:
        return [c for n, c in sorted(self.chunks.items()) if c.intact]


def _read(fs: pafs.FileSystem, path: str) -> bytes:
    with fs.open_input_stream(path) as f:
        return f.read()


def check_part(fs: pafs.FileSystem, record: PartRecord, info: pafs.FileInfo | None, *, deep: bool) -> str | None:
    """None when the part matches its entry; else what is wrong. `deep` reads it for the checksum."""
    if info is None:
        return f"{record.shown}: missing"
    if info.size != record.bytes:
        how = "cut short" if info.size < record.bytes else "longer than written"
        return f"{record.shown}: {how} ({info.size:,} bytes, its entry says {record.bytes:,})"
    if deep and hashlib.sha256(_read(fs, info.path)).hexdigest() != record.sha256:
        return f"{record.shown}: changed since it was written (its sha256 differs from its entry)"
    return None


def _legacy_chunk(fs: pafs.FileSystem, chunk: int, present: dict[str, dict[str, pafs.FileInfo]]) -> ChunkCheck:
    """A chunk without an entry: every part read in full, spans and claims counted against the documents."""
    name = part_name(chunk)
    check = ChunkCheck(chunk, has_entry=False)
    tables: dict[str, pa.Table] = {}
    for t in TABLES:
        info = present[t].get(name)
        if info is None:
            continue
        data = _read(fs, info.path)
        try:
            tables[t] = pq.read_table(pa.BufferReader(data))
        except (pa.ArrowException, OSError, ValueError) as exc:
            check.problems.append(f"{t}/{name}: unreadable ({' '.join(str(exc).split())[:160]})")
            continue
        check.parts.append(part_record(t, name, data, tables[t].num_rows))
    docs = tables.get("documents")
    if docs is not None:
        for t, column in (("spans", "n_spans"), ("claims", "n_claims")):
            if column not in docs.column_names:
                continue
            expected = sum(n or 0 for n in docs.column(column).to_pylist())
            have = tables[t].num_rows if t in tables else 0
            if have != expected and not any(p.startswith(f"{t}/") for p in check.problems):
                what = "missing" if t not in tables and name not in present[t] else f"{have:,} rows"
                check.problems.append(f"{t}/{name}: {what}, but its documents count {expected:,} {t}")
    return check


def check_output(fs: pafs.FileSystem, root: str, *, deep: bool) -> OutputCheck:
    """Every chunk of the output checked against its entry (or read in full where it has none)."""
    present: dict[str, dict[str, pafs.FileInfo]] = {}
    leftovers: list[str] = []
    for t in (*TABLES, ENTRIES):
        present[t] = {}
        try:
            infos = fs.get_file_info(pafs.FileSelector(f"{root}/{t}", allow_not_found=True))
        except (FileNotFoundError, NotADirectoryError):
            infos = []
        for info in infos:
            if info.type != pafs.FileType.File:
                continue
            if info.base_name.startswith("."):
                leftovers.append(info.path)
            else:
                present[t][info.base_name] = info
    legacy = fs.get_file_info(f"{root}/{MARKER}").type != pafs.FileType.File
    chunks: dict[int, ChunkCheck] = {}
    for name, info in sorted(present[ENTRIES].items()):
        m = ENTRY.match(name)
        if not m:
            continue
        n = int(m.group(1))
        try:
            parts = parse_entry(_read(fs, info.path), n)
        except (ValueError, OSError) as exc:
            chunks[n] = ChunkCheck(n, problems=[f"{ENTRIES}/{name}: unreadable entry ({exc})"])
            continue
        problems = [p for r in parts if (p := check_part(fs, r, present[r.table].get(r.name), deep=deep))]
        chunks[n] = ChunkCheck(n, parts, problems)
    if legacy:
        for name in sorted(present["documents"]):
            m = PART.match(name)
            if m and int(m.group(1)) not in chunks:
                chunks[int(m.group(1))] = _legacy_chunk(fs, int(m.group(1)), present)
    for t in TABLES:
        for name, info in present[t].items():
            m = PART.match(name)
            listed = m and int(m.group(1)) in chunks and (not chunks[int(m.group(1))].intact
                                                         or any(p.table == t and p.name == name
                                                                for p in chunks[int(m.group(1))].parts))
            if m and not listed:
                leftovers.append(info.path)
    return OutputCheck(chunks, sorted(leftovers), legacy)
