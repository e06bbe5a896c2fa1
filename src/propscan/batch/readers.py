"""Read corpora: folders of .txt/.html, JSONL, CSV, Parquet and WARC, into records.

Each input file is one *unit*; `read_unit` yields its records (or a failure for a bad record,
or for the whole file when it cannot be read), so one bad line or one corrupt file never stops
the others. Units are small descriptions (path + format) so Ray workers can read them too.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from ..ingest.sources import domain_of
from ..ingest.text import decode
from .records import failure, record

FOLDER_SUFFIXES = (".txt", ".html", ".htm")
FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".jsonl.gz": "jsonl", ".csv": "csv", ".parquet": "parquet",
           ".warc": "warc", ".warc.gz": "warc", ".txt": "file", ".html": "file", ".htm": "file"}


@dataclass(frozen=True)
class FieldMap:
    """Which input field holds what (JSONL, CSV, Parquet)."""

    id: str = "id"
    text: str = "text"
    html: str = "html"
    url: str = "url"
    source: str = "source"
    date: str = "date"

    def to_dict(self) -> dict:
        return asdict(self)


def format_of(path: Path) -> str | None:
    name = path.name.lower()
    for suffix in sorted(FORMATS, key=len, reverse=True):
        if name.endswith(suffix):
            return FORMATS[suffix]
    return None


def units(inputs: list[str]) -> Iterator[dict]:
    """Expand INPUT arguments to units in a stable order; a missing path is a failure unit."""
    for given in inputs:
        path = Path(given)
        if path.is_dir():
            for p in sorted(q for q in path.rglob("*") if q.is_file() and q.suffix.lower() in FOLDER_SUFFIXES):
                rel = p.relative_to(path)
                yield {"path": str(p), "format": "file", "id": str(Path(path.name) / rel),
                       "source": rel.parts[0] if len(rel.parts) > 1 else ""}
        elif not path.exists():
            yield {"path": given, "format": "missing"}
        else:
            yield {"path": given, "format": format_of(path) or "unknown"}


def normalise_date(value) -> str:
    """ISO 8601 for anything date-like (ISO strings, RFC 2822, datetimes); '' when unknown."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text).isoformat()
    except (TypeError, ValueError):
        return text


def _from_fields(row: dict, fields: FieldMap, input: str, fallback_id: str) -> dict:
    def get(name: str) -> str:
        value = row.get(name)
        return "" if value is None else str(value)

    text, html = row.get(fields.text), row.get(fields.html)
    doc_id = get(fields.id) or fallback_id
    if text is not None and not isinstance(text, str) or html is not None and not isinstance(html, str):
        return failure(id=doc_id, input=input, reason="text/html field is not a string")
    if text is None and html is None:
        return failure(id=doc_id, input=input, reason=f"record has neither a {fields.text!r} nor an {fields.html!r} field")
    url = get(fields.url)
    return record(id=doc_id, input=input, text=text, html=None if text is not None else html, url=url,
                  source=get(fields.source) or domain_of(url), date=normalise_date(row.get(fields.date)))


def _check_columns(columns, fields: FieldMap, input: str) -> str | None:
    if fields.text not in columns and fields.html not in columns:
        return (f"{input}: missing column: needs {fields.text!r} or {fields.html!r} "
                f"(has {', '.join(map(str, columns)) or 'none'}; map names with --text-field/--html-field)")
    return None


def read_file_unit(unit: dict) -> Iterator[dict]:
    path = Path(unit["path"])
    try:
        text, _ = decode(path.read_bytes(), str(path))
    except Exception as exc:  # noqa: BLE001 - any unreadable file becomes its failure row
        yield failure(id=unit["id"], input=str(path), reason=getattr(exc, "message", None) or str(exc))
        return
    is_html = path.suffix.lower() in (".html", ".htm")
    # no date: a file's mtime is when it was copied, not when it was published
    yield record(id=unit["id"], input=str(path), text=None if is_html else text, html=text if is_html else None,
                 source=unit.get("source", ""))


def _open_text(path: Path):
    raw = open(path, "rb")
    stream = gzip.open(raw) if path.name.lower().endswith(".gz") else raw
    return io.TextIOWrapper(stream, encoding="utf-8", errors="strict", newline="")


def read_jsonl(unit: dict, fields: FieldMap) -> Iterator[dict]:
    path = Path(unit["path"])
    with _open_text(path) as f:
        n = 0
        while True:
            n += 1
            where = f"{path.name}:{n}"
            line = f.readline()
            if not line:
                return
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                yield failure(id=where, input=str(path), reason=f"line {n} is not valid JSON ({exc.msg})")
                continue
            if not isinstance(row, dict):
                yield failure(id=where, input=str(path), reason=f"line {n} is not a JSON object")
                continue
            yield _from_fields(row, fields, str(path), where)


def read_csv(unit: dict, fields: FieldMap) -> Iterator[dict]:
    path = Path(unit["path"])
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with _open_text(path) as f:
        reader = csv.DictReader(f)
        problem = _check_columns(reader.fieldnames or [], fields, str(path))
        if problem:
            yield failure(id=str(path), input=str(path), reason=problem)
            return
        for n, row in enumerate(reader, start=2):
            if None in row:
                yield failure(id=f"{path.name}:{n}", input=str(path), reason=f"row {n} has more fields than the header")
                continue
            yield _from_fields(row, fields, str(path), f"{path.name}:{n}")


def read_parquet(unit: dict, fields: FieldMap) -> Iterator[dict]:
    import pyarrow.parquet as pq

    path = Path(unit["path"])
    pf = pq.ParquetFile(path)
    problem = _check_columns(pf.schema_arrow.names, fields, str(path))
    if problem:
        yield failure(id=str(path), input=str(path), reason=problem)
        return
    wanted = [c for c in (fields.id, fields.text, fields.html, fields.url, fields.source, fields.date)
              if c in pf.schema_arrow.names]
    n = 0
    for batch in pf.iter_batches(batch_size=256, columns=list(dict.fromkeys(wanted))):
        for row in batch.to_pylist():
            n += 1
            yield _from_fields(row, fields, str(path), f"{path.name}:{n}")


def read_warc(unit: dict) -> Iterator[dict]:
    """HTML responses only; each keeps its target URI and WARC-Date. Other records are left out."""
    from warcio.archiveiterator import ArchiveIterator

    path = Path(unit["path"])
    with open(path, "rb") as f:
        for rec in ArchiveIterator(f):
            if rec.rec_type != "response" or rec.http_headers is None:
                continue
            ctype = (rec.http_headers.get_header("Content-Type") or "").split(";")[0].strip().lower()
            if ctype not in ("text/html", "application/xhtml+xml"):
                continue
            url = rec.rec_headers.get_header("WARC-Target-URI") or ""
            rid = rec.rec_headers.get_header("WARC-Record-ID") or url
            body = rec.content_stream().read()
            missing = getattr(rec.raw_stream, "limit", 0)  # warcio stops quietly at a cut-off file
            if missing:
                yield failure(id=rid, input=str(path), reason=f"record is truncated ({missing} of {rec.length} bytes "
                                                              "missing): the file is cut off")
                continue
            try:
                html, _ = decode(body, url or rid)
            except Exception as exc:  # noqa: BLE001
                yield failure(id=rid, input=str(path), reason=getattr(exc, "message", None) or str(exc))
                continue
            yield record(id=rid, input=str(path), html=html, url=url, source=domain_of(url),
                         date=normalise_date(rec.rec_headers.get_header("WARC-Date")))


def read_unit(unit: dict, fields: FieldMap) -> Iterator[dict]:
    """Every record of one unit; a unit that breaks part-way yields what it read, then a failure."""
    fmt = unit["format"]
    path = unit["path"]
    if fmt == "missing":
        yield failure(id=path, input=path, reason=f"{path}: no such file or folder")
        return
    if fmt == "unknown":
        yield failure(id=path, input=path, reason=f"{path}: unknown input format (expected a folder, .jsonl, .csv, "
                                                   ".parquet, .warc, .warc.gz, .txt or .html)")
        return
    readers = {"file": lambda: read_file_unit(unit), "jsonl": lambda: read_jsonl(unit, fields),
               "csv": lambda: read_csv(unit, fields), "parquet": lambda: read_parquet(unit, fields),
               "warc": lambda: read_warc(unit)}
    if fmt == "file" and "id" not in unit:
        unit = {**unit, "id": path}
    try:
        yield from readers[fmt]()
    except Exception as exc:  # noqa: BLE001 - corrupt gzip/Parquet/WARC, unreadable bytes, I/O errors
        yield failure(id=path, input=path, reason=f"{path}: cannot be read ({type(exc).__name__}: {str(exc)[:200]})")
