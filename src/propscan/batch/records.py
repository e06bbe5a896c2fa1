"""What flows through a batch run: input records, their analysed rows, and failures.

Plain dicts of str/int/float so the same values cross process boundaries (local workers)
and Ray's object store unchanged; the column order here is the order of the Parquet tables.
"""

from __future__ import annotations

import hashlib
import re

from .. import techniques
from ..ingest.text import replace_surrogates


def count_column(technique: str) -> str:
    """`count_name_calling_labeling` for "Name_Calling,Labeling": a column name any tool accepts."""
    return "count_" + re.sub(r"[^a-z0-9]+", "_", technique.lower()).strip("_")


COUNT_COLUMNS = {name: count_column(name) for name in techniques.NAMES}
DOCUMENT_COLUMNS = ["id", "source", "url", "date", "title", "language", "length", "density", "n_spans",
                    *COUNT_COLUMNS.values(), "words", "hyperpartisan_probability", "n_claims", "density_author",
                    "density_quoted", "model_version", "content_hash", "input"]
SPAN_COLUMNS = ["doc_id", "start", "end", "technique", "confidence", "text", "voice", "speaker"]
ATTRIBUTION_COLUMNS = ["doc_id", "content_start", "content_end", "cue_start", "cue_end", "source_start", "source_end",
                       "source_text", "speaker", "content_text"]
CLAIM_COLUMNS = ["doc_id", "start", "end", "score", "text"]
ERROR_COLUMNS = ["id", "input", "reason"]


def content_hash(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def record(*, id: str, input: str, text: str | None = None, html: str | None = None, url: str = "",
           source: str = "", date: str = "") -> dict:
    """One document to analyse: exactly one of text/html."""
    content = text if text is not None else (html or "")
    # Metadata goes into Parquet and SQLite as UTF-8: a lone surrogate there would stop the run.
    # (The text itself is cleaned, with a warning, when it becomes an article.)
    id, url, source, date = (replace_surrogates(v or "")[0] for v in (id, url, source, date))
    return {"kind": "record", "id": id, "input": input, "text": text, "html": html, "url": url,
            "source": source, "date": date, "hash": content_hash(content), "reason": ""}


def failure(*, id: str, input: str, reason: str) -> dict:
    """A record that could not be read (same keys as a record, so Arrow sees one schema)."""
    return {"kind": "failure", "id": id, "input": input, "text": None, "html": None, "url": "", "source": "",
            "date": "", "hash": "", "reason": " ".join(reason.split())}
