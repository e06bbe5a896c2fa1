"""Records in, result rows out: the one step both engines (local processes, Ray actors) run.

A result is {"kind": "document", "doc": row, "spans": rows, "claims": rows}, {"kind": "failure", ...} or
{"kind": "skipped", ...}; each keeps the record's id and content hash, so the driver can make
every keep/skip/duplicate decision in input order, identically for both engines.
"""

from __future__ import annotations

from ..assess.features import word_count
from ..errors import PropscanError
from ..ingest.sources import RawArticle, from_html, from_text
from .records import COUNT_COLUMNS


def to_raw(rec: dict) -> RawArticle:
    if rec["text"] is not None:
        return from_text(rec["text"], rec["id"])
    return from_html(rec["html"], rec["url"] or rec["id"], url=rec["url"] or None)


def document_row(rec: dict, doc) -> dict:
    counts = doc.counts
    return {"id": rec["id"], "source": rec["source"], "url": rec["url"], "date": rec["date"], "title": doc.title,
            "language": doc.language, "length": len(doc.text), "density": doc.density, "n_spans": len(doc.spans),
            **{col: counts.get(name, 0) for name, col in COUNT_COLUMNS.items()},
            "words": word_count(doc.text),
            "hyperpartisan_probability": doc.hyperpartisan.probability if doc.hyperpartisan else None,
            "n_claims": None if doc.claims is None else len(doc.claims),
            **_voice_columns(doc),
            "model_version": doc.model_version, "content_hash": rec["hash"], "input": rec["input"]}


def _voice_columns(doc) -> dict:
    v = doc.voice_figures
    return {"density_author": v["density_author"] if v else None, "density_quoted": v["density_quoted"] if v else None}


def span_rows(doc_id: str, doc) -> list[dict]:
    return [{"doc_id": doc_id, "start": s.start, "end": s.end, "technique": s.technique,
             "confidence": s.confidence, "text": doc.text[s.start : s.end], "voice": s.voice,
             "speaker": s.speaker.name if s.speaker else None}
            for s in sorted(doc.spans, key=lambda s: (s.start, s.end, s.technique))]


def attribution_rows(doc_id: str, doc) -> list[dict]:
    rows = []
    for a in doc.attributions or []:
        cue, src = a.cue or (None, None), a.source
        rows.append({"doc_id": doc_id, "content_start": a.content[0], "content_end": a.content[1],
                     "cue_start": cue[0], "cue_end": cue[1], "source_start": src.start if src else None,
                     "source_end": src.end if src else None, "source_text": src.text if src else None,
                     "speaker": src.name if src else None, "content_text": doc.text[a.content[0] : a.content[1]]})
    return rows


def claim_rows(doc_id: str, doc) -> list[dict]:
    return [{"doc_id": doc_id, "start": c.start, "end": c.end, "score": c.score, "text": doc.text[c.start : c.end]}
            for c in sorted(doc.claims or [], key=lambda c: c.start)]


def _fail(rec: dict, reason: str) -> dict:
    return {"kind": "failure", "id": rec["id"], "input": rec["input"], "hash": rec.get("hash", ""),
            "reason": " ".join(reason.split())}


def analyse_items(analyzer, items: list[dict], done_ids=frozenset(), done_hashes=frozenset()) -> list[dict]:
    """One result per item, in order. Items already done are not analysed again."""
    results: list[dict | None] = [None] * len(items)
    raws, where = [], []
    for i, rec in enumerate(items):
        if rec["kind"] != "record":
            results[i] = _fail(rec, rec["reason"])
        elif rec["id"] in done_ids or rec["hash"] in done_hashes:
            results[i] = {"kind": "skipped", "id": rec["id"], "input": rec["input"], "hash": rec["hash"]}
        else:
            try:
                raws.append(to_raw(rec))
                where.append(i)
            except PropscanError as exc:
                results[i] = _fail(rec, exc.message)
    if raws:
        for i, doc in zip(where, analyzer.analyze(raws)):
            rec = items[i]
            results[i] = {"kind": "document", "id": rec["id"], "input": rec["input"], "hash": rec["hash"],
                          "doc": document_row(rec, doc), "spans": span_rows(rec["id"], doc),
                          "claims": claim_rows(rec["id"], doc), "attributions": attribution_rows(rec["id"], doc)}
    return results
