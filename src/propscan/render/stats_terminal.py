"""Corpus statistics as rich tables on standard output (plain text when not a terminal)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .. import techniques


def _table(title: str, columns: tuple[str, ...], rows) -> Table:
    t = Table(title=title)
    for col in columns:
        t.add_column(col, overflow="fold")
    for row in rows:
        t.add_row(*row)
    return t


def _shown(value, spec: str = ".0%") -> str:
    """A figure, or a dash where the corpus has none (an aid not run)."""
    return "–" if value is None else format(value, spec)


def _group_row(g: dict, by: str) -> tuple[str, ...]:
    top = sorted(((g[n], n) for n in techniques.NAMES if g[n]), reverse=True)[:3]
    voices = "–" if g.get("mean_density_author") is None else \
        f"{g['mean_density_author']:.1%} / {g['mean_density_quoted']:.1%}"
    return (str(g[by]), str(g["documents"]), str(g["spans"]), f"{g['mean_density']:.1%}", voices,
            f"{g['spans_per_1k_chars']:.2f}", _shown(g.get("mean_hyperpartisan")),
            _shown(g.get("claims_per_1k_words"), ".1f"), ", ".join(f"{techniques.get(n).title} {c}" for c, n in top))


def print_stats(stats: dict, console: Console | None = None) -> None:
    console = console or Console(soft_wrap=False)
    by = stats["by"]
    console.print(f"{stats['documents']} documents, {stats['spans']} spans, {stats.get('claims', 0)} claims, "
                  f"grouped by {by}")
    console.print(_table(f"Per {by}", (by, "docs", "spans", "density", "author / quoted", "spans/1k chars", "partisan",
                                       "claims/1k words", "top techniques"),
                         (_group_row(g, by) for g in stats["groups"])))
    if stats.get("quoted_speakers"):
        console.print(_table(f"Speakers quoted with the most technique spans, per {by}",
                             (by, "speaker", "spans", "top techniques"),
                             ((str(r[by]), r["speaker"], str(r["spans"]), r["top_techniques"])
                              for r in stats["quoted_speakers"])))
    if stats.get("top_claims"):
        console.print(_table(f"Most check-worthy claims per {by}", (by, "doc", "score", "claim"),
                             ((str(r[by]), r["doc_id"], f"{r['score']:.2f}", r["text"][:160])
                              for r in stats["top_claims"])))
    console.print(_table("Most frequent span texts", ("technique", "text", "count"),
                         ((techniques.get(r["technique"]).title, r["text"], str(r["count"])) for r in stats["top_spans"])))
    console.print(_table("Most and least propagandistic documents", ("rank", "id", "title", "density", "spans"),
                         ((r["rank"], r["id"], r["title"][:60], f"{r['density']:.1%}", str(r["n_spans"]))
                          for r in stats["ranked"])))
