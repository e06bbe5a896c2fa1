"""Corpus statistics from a batch output folder: per outlet or per period, the most frequent
span texts per technique, the most and least propagandistic documents, how partisan each group
reads and its most check-worthy claims."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

from .. import techniques
from ..errors import InputError
from .records import COUNT_COLUMNS

UNKNOWN = {"source": "(unknown source)", "month": "(undated)", "week": "(undated)"}
TOP_SPANS = 5
RANKED = 10
TOP_CLAIMS = 3  # per group
TOP_SPEAKERS = 5  # per group


def load_tables(folder: str) -> tuple[list[dict], list[dict], list[dict]]:
    """Documents, spans and claims (no claims table: an output of an older propscan, so none)."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    from .tables import filesystem

    fs, root = filesystem(folder)
    tables = []
    for name in ("documents", "spans", "claims"):
        try:
            tables.append(ds.dataset(f"{root}/{name}", format="parquet", filesystem=fs).to_table().to_pylist())
        except (OSError, pa.ArrowInvalid) as exc:
            if name == "claims":
                tables.append([])
                continue
            raise InputError(f"{folder}: no readable {name} table ({exc}); is this a `propscan batch` output folder?") from None
    return tables[0], tables[1], tables[2]


def _grouped(docs: list[dict], by: str) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for d in docs:
        groups[group_key(d, by)].append(d)
    return groups


def group_key(doc: dict, by: str) -> str:
    if by == "source":
        return doc["source"] or UNKNOWN[by]
    try:
        when = datetime.fromisoformat(doc["date"])
    except (TypeError, ValueError):
        return UNKNOWN[by]
    if by == "month":
        return f"{when.year:04d}-{when.month:02d}"
    year, week, _ = when.isocalendar()
    return f"{year:04d}-W{week:02d}"


def group_table(docs: list[dict], by: str) -> list[dict]:
    """One row per outlet/period: documents, spans, characters, mean density, counts per technique."""
    groups = _grouped(docs, by)
    order = sorted(groups, key=(lambda k: (-len(groups[k]), k)) if by == "source" else (lambda k: k))
    rows = []
    for key in order:
        members = groups[key]
        chars = sum(d["length"] for d in members)
        spans = sum(d["n_spans"] for d in members)
        row = {by: key, "documents": len(members), "spans": spans, "characters": chars,
               "mean_density": round(sum(d["density"] for d in members) / len(members), 4),
               "spans_per_1k_chars": round(1000 * spans / chars, 3) if chars else 0.0}
        read = [d["hyperpartisan_probability"] for d in members if d.get("hyperpartisan_probability") is not None]
        row["mean_hyperpartisan"] = round(sum(read) / len(read), 4) if read else None
        for col in ("density_author", "density_quoted"):
            got = [d[col] for d in members if d.get(col) is not None]
            row[f"mean_{col}"] = round(sum(got) / len(got), 4) if got else None
        listed = [d for d in members if d.get("n_claims") is not None]
        words = sum(d.get("words") or 0 for d in listed)
        row["claims_per_1k_words"] = round(1000 * sum(d["n_claims"] for d in listed) / words, 3) if words else None
        for name, col in COUNT_COLUMNS.items():
            row[name] = sum(d[col] for d in members)
        rows.append(row)
    return rows


def _group_of(docs: list[dict], by: str) -> dict[str, str]:
    """Each document id's group."""
    return {d["id"]: group_key(d, by) for d in docs}


def quoted_speakers(docs: list[dict], spans: list[dict], by: str, n: int = TOP_SPEAKERS) -> list[dict]:
    """Per group, the speakers whose quoted words carry the most technique spans (ties by name)."""
    group_of = _group_of(docs, by)
    counts: dict[str, Counter] = defaultdict(Counter)
    techs: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for s in spans:
        if s.get("voice") == "quoted" and s.get("speaker") and s["doc_id"] in group_of:
            key = (group_of[s["doc_id"]], " ".join(s["speaker"].split()))
            counts[key[0]][key[1]] += 1
            techs[key][s["technique"]] += 1
    rows = []
    for group in sorted(counts):
        for speaker, c in sorted(counts[group].items(), key=lambda kv: (-kv[1], kv[0]))[:n]:
            top = ", ".join(f"{techniques.get(t).title} {k}" for t, k in techs[(group, speaker)].most_common(3))
            rows.append({by: group, "speaker": speaker, "spans": c, "top_techniques": top})
    return rows


def top_claims(docs: list[dict], claims: list[dict], by: str, n: int = TOP_CLAIMS) -> list[dict]:
    """The n most check-worthy claims of each group (ties by document id and offset)."""
    group_of = _group_of(docs, by)
    per: dict[str, list[dict]] = defaultdict(list)
    for c in claims:
        if c["doc_id"] in group_of:
            per[group_of[c["doc_id"]]].append(c)
    rows = []
    for key in sorted(per):
        for c in sorted(per[key], key=lambda c: (-c["score"], c["doc_id"], c["start"]))[:n]:
            rows.append({by: key, "doc_id": c["doc_id"], "score": round(c["score"], 4),
                         "text": " ".join(c["text"].split())})
    return rows


def normalise_span(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def top_span_texts(spans: list[dict], n: int = TOP_SPANS) -> list[dict]:
    """The most frequent span texts per technique (case and spacing ignored); ties by text."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for s in spans:
        counts[s["technique"]][normalise_span(s["text"])] += 1
    rows = []
    for name in techniques.NAMES:
        for text, c in sorted(counts[name].items(), key=lambda kv: (-kv[1], kv[0]))[:n]:
            rows.append({"technique": name, "text": text, "count": c})
    return rows


def ranked_documents(docs: list[dict], n: int = RANKED) -> list[dict]:
    """The n most and n least propagandistic documents by density (ties by id)."""
    fields = ("id", "title", "source", "date", "density", "n_spans", "length")
    most = sorted(docs, key=lambda d: (-d["density"], d["id"]))[:n]
    least = sorted(docs, key=lambda d: (d["density"], d["id"]))[:n]
    return ([{"rank": f"most {i + 1}", **{f: d[f] for f in fields}} for i, d in enumerate(most)]
            + [{"rank": f"least {i + 1}", **{f: d[f] for f in fields}} for i, d in enumerate(least)])


def corpus_stats(folder: str, by: str = "source") -> dict:
    if by not in UNKNOWN:
        raise InputError(f"--by must be one of {', '.join(UNKNOWN)}, not {by!r}")
    docs, spans, claims = load_tables(folder)
    if not docs:
        raise InputError(f"{folder}: no analysed documents yet")
    return {"by": by, "documents": len(docs), "spans": len(spans), "claims": len(claims),
            "groups": group_table(docs, by), "top_spans": top_span_texts(spans), "ranked": ranked_documents(docs),
            "top_claims": top_claims(docs, claims, by), "quoted_speakers": quoted_speakers(docs, spans, by),
            "by_month": group_table(docs, "month") if by != "month" else None}


def write_csvs(stats: dict, path: Path) -> list[Path]:
    """The group table to PATH; span texts and ranked documents beside it (PATH stem + suffix)."""
    import csv
    import io

    from ..outputs import atomic_write

    written = []
    for table, target in (("groups", path), ("top_spans", path.with_name(f"{path.stem}.top_spans.csv")),
                          ("ranked", path.with_name(f"{path.stem}.documents.csv")),
                          ("top_claims", path.with_name(f"{path.stem}.claims.csv")),
                          ("quoted_speakers", path.with_name(f"{path.stem}.speakers.csv"))):
        rows = stats[table]
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else ["empty"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        atomic_write(target, buf.getvalue())
        written.append(target)
    return written
