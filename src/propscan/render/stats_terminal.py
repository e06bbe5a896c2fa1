"""Corpus statistics as rich tables on standard output (plain text when not a terminal)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .. import techniques


def print_stats(stats: dict, console: Console | None = None) -> None:
    console = console or Console(soft_wrap=False)
    by = stats["by"]
    console.print(f"{stats['documents']} documents, {stats['spans']} spans, {stats.get('claims', 0)} claims, "
                  f"grouped by {by}")
    t = Table(title=f"Per {by}")
    for col in (by, "docs", "spans", "density", "author / quoted", "spans/1k chars", "partisan", "claims/1k words",
                "top techniques"):
        t.add_column(col, overflow="fold")
    for g in stats["groups"]:
        top = sorted(((g[n], n) for n in techniques.NAMES if g[n]), reverse=True)[:3]
        partisan = "–" if g.get("mean_hyperpartisan") is None else f"{g['mean_hyperpartisan']:.0%}"
        claims = "–" if g.get("claims_per_1k_words") is None else f"{g['claims_per_1k_words']:.1f}"
        voices = "–" if g.get("mean_density_author") is None else \
            f"{g['mean_density_author']:.1%} / {g['mean_density_quoted']:.1%}"
        t.add_row(str(g[by]), str(g["documents"]), str(g["spans"]), f"{g['mean_density']:.1%}", voices,
                  f"{g['spans_per_1k_chars']:.2f}", partisan, claims,
                  ", ".join(f"{techniques.get(n).title} {c}" for c, n in top))
    console.print(t)
    if stats.get("quoted_speakers"):
        t = Table(title=f"Speakers quoted with the most technique spans, per {by}")
        for col in (by, "speaker", "spans", "top techniques"):
            t.add_column(col, overflow="fold")
        for r in stats["quoted_speakers"]:
            t.add_row(str(r[by]), r["speaker"], str(r["spans"]), r["top_techniques"])
        console.print(t)
    if stats.get("top_claims"):
        t = Table(title=f"Most check-worthy claims per {by}")
        for col in (by, "doc", "score", "claim"):
            t.add_column(col, overflow="fold")
        for r in stats["top_claims"]:
            t.add_row(str(r[by]), r["doc_id"], f"{r['score']:.2f}", r["text"][:160])
        console.print(t)
    t = Table(title="Most frequent span texts")
    for col in ("technique", "text", "count"):
        t.add_column(col, overflow="fold")
    for r in stats["top_spans"]:
        t.add_row(techniques.get(r["technique"]).title, r["text"], str(r["count"]))
    console.print(t)
    t = Table(title="Most and least propagandistic documents")
    for col in ("rank", "id", "title", "density", "spans"):
        t.add_column(col, overflow="fold")
    for r in stats["ranked"]:
        t.add_row(r["rank"], r["id"], r["title"][:60], f"{r['density']:.1%}", str(r["n_spans"]))
    console.print(t)
