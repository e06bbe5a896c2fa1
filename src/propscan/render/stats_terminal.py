"""Corpus statistics as rich tables on standard output (plain text when not a terminal)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .. import techniques


def print_stats(stats: dict, console: Console | None = None) -> None:
    console = console or Console(soft_wrap=False)
    by = stats["by"]
    console.print(f"{stats['documents']} documents, {stats['spans']} spans, grouped by {by}")
    t = Table(title=f"Per {by}")
    for col in (by, "docs", "spans", "density", "spans/1k chars", "top techniques"):
        t.add_column(col, overflow="fold")
    for g in stats["groups"]:
        top = sorted(((g[n], n) for n in techniques.NAMES if g[n]), reverse=True)[:3]
        t.add_row(str(g[by]), str(g["documents"]), str(g["spans"]), f"{g['mean_density']:.1%}",
                  f"{g['spans_per_1k_chars']:.2f}", ", ".join(f"{techniques.get(n).title} {c}" for c, n in top))
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
