"""A standalone HTML report of corpus statistics: inline SVG charts, tables, no script.

Every string from the corpus (outlet names, titles, span texts) is escaped.
"""

from __future__ import annotations

from html import escape

from .. import techniques
from .html import _static, swatch

WIDTH = 720


def mix_chart(groups: list[dict], key: str, limit: int = 20) -> str:
    """Technique mix per group: one 100%-stacked horizontal bar each."""
    rows = [g for g in groups if g["spans"]][:limit]
    if not rows:
        return "<p>No spans to chart.</p>"
    label_w, bar_w, h = 200, WIDTH - 260, 22
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {h * len(rows) + 10}" role="img" '
             f'aria-label="technique mix per {escape(key)}" width="100%">']
    for i, g in enumerate(rows):
        y = 5 + i * h
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="12">'
                     f"{escape(str(g[key]))[:40]}</text>")
        x = float(label_w)
        for t in techniques.TECHNIQUES:
            n = g.get(t.name, 0)
            if not n:
                continue
            w = bar_w * n / g["spans"]
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{h - 6}" fill="{t.color}">'
                         f"<title>{escape(t.title)}: {n} ({n / g['spans']:.0%})</title></rect>")
            x += w
        parts.append(f'<text x="{label_w + bar_w + 6}" y="{y + 15}" font-size="12">{g["spans"]}</text>')
    parts.append("</svg>")
    return "".join(parts)


def density_chart(months: list[dict]) -> str:
    """Mean propaganda density per month, as columns."""
    rows = [m for m in months if not m["month"].startswith("(")]
    if not rows:
        return "<p>No dated documents.</p>"
    top = max(m["mean_density"] for m in rows) or 1.0
    h, base, col = 200, 170, max(8, min(40, (WIDTH - 60) // len(rows)))
    parts = [f'<svg class="chart" viewBox="0 0 {60 + col * len(rows)} {h + 40}" role="img" '
             'aria-label="mean density per month" width="100%">',
             f'<text x="0" y="12" font-size="11">{top:.1%}</text><line x1="50" y1="{base}" '
             f'x2="{60 + col * len(rows)}" y2="{base}" stroke="#999"/>']
    for i, m in enumerate(rows):
        bh = (base - 15) * m["mean_density"] / top
        x = 55 + i * col
        parts.append(f'<rect x="{x}" y="{base - bh:.1f}" width="{col - 3}" height="{bh:.1f}" fill="#2a9d8f">'
                     f'<title>{escape(m["month"])}: {m["mean_density"]:.1%} over {m["documents"]} documents</title></rect>')
        if len(rows) <= 24 or i % 3 == 0:
            parts.append(f'<text x="{x}" y="{base + 14}" font-size="10" transform="rotate(45 {x} {base + 14})">'
                         f'{escape(m["month"])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def table(rows: list[dict], columns: list[str], titles: dict[str, str] | None = None) -> str:
    titles = titles or {}
    head = "".join(f'<th scope="col">{escape(titles.get(c, c))}</th>' for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{escape(_fmt(r.get(c)))}</td>" for c in columns) + "</tr>" for r in rows)
    return f'<table class="stats"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4f}"
    return "" if v is None else str(v)


def render_stats(stats: dict, title: str = "propscan corpus report") -> str:
    by = stats["by"]
    tech_titles = {t.name: t.title for t in techniques.TECHNIQUES}
    group_cols = [by, "documents", "spans", "mean_density", "mean_density_author", "mean_density_quoted",
                  "spans_per_1k_chars", "mean_hyperpartisan", "claims_per_1k_words", *techniques.NAMES]
    months = stats["by_month"] if stats["by_month"] is not None else stats["groups"]
    legend = "".join(f'<span class="lg">{swatch(t)} {escape(t.title)}</span> '
                     for t in techniques.TECHNIQUES)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{_static("report.css")}
table.stats {{ border-collapse: collapse; font-size: .85rem; margin: .5rem 0 1.5rem; }}
table.stats th, table.stats td {{ border-bottom: 1px solid #ddd; padding: .25rem .45rem; text-align: left; }}
.lg {{ display: inline-block; margin-right: .8rem; font-size: .85rem; }} .wide {{ overflow-x: auto; }}</style>
</head><body>
<h1>{escape(title)}</h1>
<p class="ps-meta">{stats["documents"]} documents · {stats["spans"]} spans · {stats.get("claims", 0)} claims · grouped by {escape(by)}</p>
<h2>Technique mix per {escape(by)}</h2><p>{legend}</p>{mix_chart(stats["groups"], by)}
<h2>Propaganda density over time</h2>{density_chart(months)}
<h2>Per {escape(by)}</h2><div class="wide">{table(stats["groups"], group_cols, tech_titles)}</div>
<h2>Most frequent span texts per technique</h2>{table(stats["top_spans"], ["technique", "text", "count"])}
<h2>Most and least propagandistic documents (by density)</h2>
{table(stats["ranked"], ["rank", "id", "title", "source", "date", "density", "n_spans"])}
<h2>Speakers quoted with the most technique spans, per {escape(by)}</h2>
<p class="ps-note">A technique inside a quotation is the speaker's, reported by the article.</p>
{table(stats.get("quoted_speakers", []), [by, "speaker", "spans", "top_techniques"])}
<h2>Most check-worthy claims per {escape(by)}</h2>
<p class="ps-note">mean_hyperpartisan: the mean probability that a group's articles read like hyperpartisan
outlets of 2016-18 US news, not a judgement of truth. Check-worthy is not the same as false.</p>
{table(stats.get("top_claims", []), [by, "doc_id", "score", "text"])}
<footer><p>Made by propscan, offline. Counts are a model's findings, not verdicts.</p></footer>
</body></html>
"""
