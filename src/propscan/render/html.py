"""A standalone, offline HTML report of one analysed document.

All article-derived strings go through `html.escape` (text, title, source) or through a JSON
blob whose `<`, `>` and `&` are \\u-escaped, so nothing in an article can close a tag or a
script. The markup helpers are separate from the page so the web app can reuse them.
"""

from __future__ import annotations

import json
from html import escape
from importlib import resources
from urllib.parse import urlsplit

from .. import techniques
from ..doc import AnalysedDocument
from .segments import pieces, sorted_spans


def _static(name: str) -> str:
    return resources.files("propscan.render").joinpath("static", name).read_text(encoding="utf-8")


def safe_json(data) -> str:
    """JSON that can sit inside a <script> element without ending it."""
    return (json.dumps(data, ensure_ascii=False)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def article_markup(doc: AnalysedDocument) -> str:
    """The article text with <mark> elements around every highlighted piece."""
    spans = sorted_spans(doc)
    out = []
    for p in pieces(doc):
        chunk = escape(doc.text[p.start : p.end])
        if not p.spans:
            out.append(chunk)
            continue
        top = spans[p.spans[0]]
        tech = techniques.get(top.technique)
        names = " ".join(dict.fromkeys(spans[i].technique for i in p.spans))
        tip = "; ".join(f"{techniques.get(spans[i].technique).title} ({spans[i].confidence:.0%})" for i in p.spans)
        out.append(
            f'<mark class="ps" tabindex="0" data-spans="{" ".join(map(str, p.spans))}" '
            f'data-techs="{escape(names)}" style="--c:{tech.color}" title="{escape(tip)}">{chunk}</mark>'
        )
    return "".join(out)


def legend_markup(doc: AnalysedDocument) -> str:
    counts = doc.counts
    rows = []
    for t in techniques.TECHNIQUES:
        n = counts.get(t.name, 0)
        rows.append(
            f'<li><label><input type="checkbox" class="ps-toggle" value="{escape(t.name)}" checked'
            f'{" disabled" if not n else ""}> <span class="sw" style="--c:{t.color}"></span> '
            f'{escape(t.title)} <b>{n}</b></label></li>'
        )
    return '<ul class="ps-legend">' + "".join(rows) + "</ul>"


def chart_markup(counts: dict[str, int]) -> str:
    """Horizontal bars of span counts per technique (one document's, or a corpus's)."""
    if not counts:
        return '<p class="ps-none">No propaganda techniques found.</p>'
    top = max(counts.values())
    bars = []
    for name, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        t = techniques.get(name)
        bars.append(
            f'<div class="bar"><span class="lab">{escape(t.title)}</span>'
            f'<span class="fill" style="--c:{t.color};width:{100 * n / top:.1f}%"></span><span class="n">{n}</span></div>'
        )
    return '<div class="ps-chart" role="img" aria-label="counts per technique">' + "".join(bars) + "</div>"


def source_markup(source: str) -> str:
    parts = urlsplit(source)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f'<a href="{escape(source)}" rel="noopener noreferrer nofollow">{escape(source)}</a>'
    return escape(source)


def report_data(doc: AnalysedDocument) -> dict:
    """What the report's script needs: spans in markup order and the technique guide."""
    return {
        "spans": [{"technique": s.technique, "confidence": s.confidence, "start": s.start, "end": s.end,
                   "text": doc.text[s.start : s.end]} for s in sorted_spans(doc)],
        "techniques": {t.name: t.to_dict() for t in techniques.TECHNIQUES},
    }


def report_body(doc: AnalysedDocument) -> str:
    """Highlighted article, legend, chart, details panel and the script's data: shared by the
    standalone report and the web app's result page, so both look and behave the same."""
    return f"""<main class="ps-layout">
<article id="ps-article" class="ps-article" lang="{escape(doc.language)}">{article_markup(doc)}</article>
<aside class="ps-side">
<section><h2>Techniques</h2>{legend_markup(doc)}</section>
<section><h2>Counts</h2>{chart_markup(doc.counts)}</section>
<section id="ps-details" class="ps-details" aria-live="polite"><h2>Details</h2>
<p>Click or focus a highlighted passage to see its technique, definition and confidence.</p></section>
</aside>
</main>
<script type="application/json" id="ps-data">{safe_json(report_data(doc))}</script>"""


def render_report(doc: AnalysedDocument) -> str:
    title = doc.title or doc.source
    warnings = "".join(f'<p class="ps-warn">{escape(w)}</p>' for w in doc.warnings)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="propscan">
<title>{escape(title)} — propscan report</title>
<style>{_static("report.css")}</style>
</head>
<body>
<header>
<h1>{escape(title)}</h1>
<p class="ps-meta">Source: {source_markup(doc.source)} · Model {escape(doc.model_version)} ·
{len(doc.spans)} spans · propaganda density {doc.density:.1%}</p>
{warnings}
</header>
{report_body(doc)}
<footer><p>Made by propscan, offline. Highlights are a model's guesses, not verdicts; read the passage.</p></footer>
<script>{_static("report.js")}</script>
</body>
</html>
"""
