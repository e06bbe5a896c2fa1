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
from ..doc import PARTISAN_CAUTION, AnalysedDocument
from .segments import pieces, quote_at, sorted_claims, sorted_spans
from .snippets import clipped, quoted_html


def _static(name: str) -> str:
    return resources.files("propscan.render").joinpath("static", name).read_text(encoding="utf-8")


def safe_json(data) -> str:
    """JSON that can sit inside a <script> element without ending it."""
    return (json.dumps(data, ensure_ascii=False)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


# Measured by benchmarks/density.py with the shipped model (re-run it when the model changes).
DENSITY_NOTE = ("Density is the share of the text's characters that lie inside a flagged passage, not a verdict. "
                "Typical on news: 2–10% for mainstream articles, 8–24% for hyperpartisan ones (the middle half "
                "of 645 articles from SemEval-2019 Task 4, measured with this model).")
CONFIDENCE_NOTE = ("Confidence is the model's calibrated estimate, technique by technique, that the passage uses "
                   "that technique: of passages shown at 40%, about 4 in 10 overlap what trained annotators marked. "
                   "Less certain passages are hidden at first (\"Show less certain passages\" brings them back); "
                   "read a passage before relying on it.")


def _mark_style(names: list[str]) -> str:
    """CSS variables for a piece: colour, tint and underline style of its top technique, and the
    second technique's colour when two overlap (drawn as a second stripe)."""
    top = techniques.get(names[0])
    style = f"--c:{top.color};--t:{top.tint};--u:{top.underline}"
    if len(names) > 1:
        style += f";--c2:{techniques.get(names[1]).color}"
    return style


def span_anchors(doc: AnalysedDocument) -> list[str]:
    """For each span (in sorted order), the id of the highlighted piece where it starts."""
    anchors = [""] * len(doc.spans)
    for k, p in enumerate(pieces(doc)):
        for i in p.spans:
            if not anchors[i]:
                anchors[i] = f"ps-p{k}"
    return anchors


def article_markup(doc: AnalysedDocument) -> str:
    """The article text with <mark> elements around every highlighted piece.

    Each piece carries its spans (for the script), its techniques' colour, underline style and
    (where a span starts) their short labels, so colour is never the only cue and a passage with
    two techniques shows both. A piece whose spans are all below the display threshold is
    marked but switched off until the reader asks for less certain passages."""
    spans = sorted_spans(doc)
    claim_at = {c.start: (k, c) for k, c in enumerate(sorted_claims(doc))}
    claim_ends = {c.end for c in doc.claims or []}
    quoted = quote_at(doc)
    out = []
    for k, p in enumerate(pieces(doc)):
        if p.start in claim_at:
            n, c = claim_at[p.start]
            out.append(f'<span class="ps-claim" id="ps-c{n}" data-claim="{n}" '
                       f'title="Claim to check (check-worthiness {c.score:.0%})">')
        out.append(_piece_markup(doc, spans, k, p, quoted(p.start)))
        if p.end in claim_ends:
            out.append("</span>")
    return "".join(out)


def quoted_from(speaker) -> str:
    """How a passage in quoted material is labelled, in its title and in the passage list."""
    return f"quoted from {speaker.name}" if speaker and speaker.name else "quoted (speaker not named)"


def _piece_markup(doc: AnalysedDocument, spans, k: int, p, quote=None) -> str:
    """One piece: plain escaped text, or a <mark> carrying its spans; inside quoted material,
    shaded and titled with its speaker."""
    chunk = escape(doc.text[p.start : p.end])
    q_class, q_title = (" q", quoted_from(quote.source)) if quote is not None else ("", "")
    if not p.spans:
        return f'<span class="ps-q" title="{escape(q_title)}">{chunk}</span>' if quote is not None else chunk
    shown = [i for i in p.spans if doc.is_shown(spans[i])]
    names = list(dict.fromkeys(spans[i].technique for i in shown or p.spans))
    starting = list(dict.fromkeys(spans[i].technique for i in shown if spans[i].start == p.start))
    tip = "; ".join(f"{techniques.get(spans[i].technique).title} (confidence {spans[i].confidence:.0%})"
                    for i in p.spans) + (f"; {q_title}" if q_title else "")
    label = "+".join(techniques.get(n).abbr for n in starting)
    abbr = f' data-abbr="{escape(label)}"' if label else ""
    state = (' tabindex="0"' if shown else "")
    classes = "ps" + (" multi" if len(names) > 1 and shown else "") + ("" if shown else " off") + q_class
    return (
        f'<mark class="{classes}" id="ps-p{k}"{state} '
        f'data-spans="{" ".join(map(str, p.spans))}" data-start="{p.start}" data-techs="{escape(" ".join(names))}"'
        f'{abbr} style="{_mark_style(names)}" title="{escape(tip)}">{chunk}</mark>'
    )


def swatch(t: techniques.Technique) -> str:
    """The legend's sample: the technique's tint, underline style and label, as in the text."""
    return (f'<span class="sw" style="--c:{t.color};--t:{t.tint};--u:{t.underline}" aria-hidden="true">'
            f'{escape(t.abbr)}</span>')


def uncertain_toggle(doc: AnalysedDocument) -> str:
    """"Show less certain passages", where the display threshold hides any."""
    n = doc.n_hidden
    if not n:
        return ""
    return (f'<p class="ps-unc"><label><input type="checkbox" id="ps-uncertain"> Show {n} less certain '
            f'passage{"s" if n > 1 else ""} (confidence below {doc.min_confidence:.0%})</label></p>')


def legend_markup(doc: AnalysedDocument) -> str:
    """A toggle per technique the model found. A technique with no passage at the display threshold
    is left out of sight (the script shows it with "Show less certain passages"): a ticked "0"
    would offer a switch that changes nothing. Techniques never found are not listed at all."""
    counts = doc.counts
    shown = doc.shown_counts
    rows = []
    for t in techniques.TECHNIQUES:
        if not counts.get(t.name):
            continue
        n = shown.get(t.name, 0)
        rows.append(
            f'<li data-tech="{escape(t.name)}"{"" if n else " hidden"}><label><input type="checkbox" '
            f'class="ps-toggle" value="{escape(t.name)}" checked> {swatch(t)} '
            f'{escape(t.title)} <b data-count="{escape(t.name)}">{n}</b></label></li>'
        )
    listed = '<ul class="ps-legend">' + "".join(rows) + "</ul>" if rows else '<p class="ps-none">No propaganda techniques found.</p>'
    return listed + uncertain_toggle(doc) + voice_toggle(doc) + claims_toggle(doc)


def claims_toggle(doc: AnalysedDocument) -> str:
    """"Outline claims to check in the text", off at first: a dotted box on every check-worthy
    sentence drowned the technique highlights. The stylesheet draws the outlines while the box is
    ticked (`:has`), so the switch needs no script."""
    n = len(doc.claims or [])
    if not n:
        return ""
    return (f'<p class="ps-unc"><label><input type="checkbox" id="ps-claims-outline"> Outline the {n} '
            f'claim{"s" if n > 1 else ""} to check in the text</label></p>')


def voice_toggle(doc: AnalysedDocument) -> str:
    """"Only the author's own voice", where some passage is quoted."""
    n = sum(1 for s in doc.spans if s.voice == "quoted")
    if not n:
        return ""
    return (f'<p class="ps-unc"><label><input type="checkbox" id="ps-author-only"> Only the author\'s own voice '
            f'(leave out {n} passage{"s" if n > 1 else ""} in quoted material)</label></p>')


def chart_markup(counts: dict[str, int], every: dict[str, int] | None = None) -> str:
    """Horizontal bars of span counts per technique (one document's, or a corpus's). ``every``:
    techniques with spans that are hidden at first, drawn empty and out of sight (like their legend
    rows) so the script can fill and show them."""
    if not counts and not every:
        return '<p class="ps-none">No propaganda techniques found.</p>'
    top = max(counts.values(), default=1)
    bars = []
    every = every or counts
    for name, n in sorted(((k, counts.get(k, 0)) for k in every), key=lambda kv: -kv[1]):
        t = techniques.get(name)
        bars.append(
            f'<div class="bar" data-tech="{escape(name)}"{"" if n else " hidden"}><span class="lab">{escape(t.title)}</span>'
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
                   "text": doc.text[s.start : s.end], "voice": s.voice,
                   "speaker": s.speaker.name if s.speaker else None} for s in sorted_spans(doc)],
        "techniques": {t.name: t.to_dict() for t in techniques.TECHNIQUES},
        "min_confidence": doc.min_confidence,
    }


def summary_markup(doc: AnalysedDocument) -> str:
    """How many passages, and the density with what it measures and its typical range, in place."""
    more = f' <span class="ps-more">({doc.n_hidden} less certain hidden)</span>' if doc.n_hidden else ""
    return (f'<p class="summary"><strong id="ps-count">{len(doc.shown_spans)}</strong> passages shown{more} · '
            f'propaganda density <strong>{doc.density:.1%}</strong> of the text (all {len(doc.spans)} passages found)</p>'
            f'<p class="ps-note">{escape(DENSITY_NOTE)}</p>{voice_markup(doc)}{partisan_markup(doc)}')


def passages_markup(doc: AnalysedDocument) -> str:
    """Every flagged passage with its confidence, labelled and explained, and a link to it in the text."""
    spans = sorted_spans(doc)
    if not spans:
        return '<section class="passages"><h2>All flagged passages</h2><p>No propaganda techniques found.</p></section>'
    items = []
    for i, (s, anchor) in enumerate(zip(spans, span_anchors(doc))):
        t = techniques.get(s.technique)
        unc = "" if doc.is_shown(s) else ' data-unc="1" hidden'
        items.append(
            f'<li data-tech="{escape(t.name)}" data-span="{i}"{unc}>{swatch(t)} <strong>{escape(t.title)}</strong> '
            f'<span class="conf">model confidence {s.confidence:.0%}</span>: '
            f'<q>{escape(doc.text[s.start : s.end])}</q>{_voice_note(s)} <a class="jump" href="#{anchor}" data-span="{i}">show in text</a>'
            f'<details><summary>What is {escape(t.title.lower())}?</summary><p>{escape(t.definition)}</p>'
            f'<p class="ex">Example: {escape(t.example)}</p></details></li>'
        )
    return (f'<section class="passages"><h2>All flagged passages</h2><p class="ps-note">{escape(CONFIDENCE_NOTE)}</p>'
            f'<ol>{"".join(items)}</ol></section>')


CLAIMS_NOTE = ("Sentences that state a factual claim of public interest that could be checked (trained on "
               "CheckThat! 2024: US debates and speeches). Check-worthy is not the same as false.")


REASON_CHARS = 240  # a passage longer than this is cut at a word, with an ellipsis


def partisan_markup(doc: AnalysedDocument) -> str:
    """A gauge of how partisan the article reads, the caution, and the reasons behind it."""
    r = doc.hyperpartisan
    if r is None:
        return ""
    reasons = []
    for x in r.reasons:
        kind = {"phrase": "phrase", "passage": "passage", "technique": "rate"}.get(x.kind, x.kind)
        text = quoted_html(clipped(x.text, REASON_CHARS)) if x.kind != "technique" else escape(x.text)
        reasons.append(f'<li><span class="kind">{escape(kind)}</span> {text}</li>')
    verdict = "Reads as hyperpartisan" if r.label == "hyperpartisan" else "Does not read as hyperpartisan"
    why = "What raised it" if r.label == "hyperpartisan" else "What kept it low"
    return (f'<section class="ps-partisan" aria-label="Partisanship">'
            f'<p><strong>Partisanship: {verdict.lower()}</strong> · probability <strong id="ps-hp">{r.probability:.0%}</strong> '
            f'<meter min="0" max="1" low="0.35" high="0.65" optimum="0" value="{r.probability:.3f}" '
            f'aria-label="probability that the article reads as hyperpartisan">{r.probability:.0%}</meter></p>'
            f'<p class="ps-note">{escape(PARTISAN_CAUTION)}</p>'
            + (f'<details><summary>{why}</summary><ul class="ps-reasons">{"".join(reasons)}</ul></details>'
               if reasons else "")
            + "</section>")


def claims_markup(doc: AnalysedDocument) -> str:
    """"Claims to check": each claim with its score and a link to it in the text, best first."""
    if doc.claims is None:
        return ""
    claims = sorted_claims(doc)
    if not claims:
        return ('<section class="ps-claims"><h2>Claims to check</h2>'
                '<p>No sentence reads as a check-worthy factual claim.</p></section>')
    order = sorted(range(len(claims)), key=lambda k: -claims[k].score)
    items = "".join(
        f'<li>{quoted_html(doc.text[claims[k].start : claims[k].end])} '
        f'<span class="conf">check-worthiness {claims[k].score:.0%}</span> '
        f'<a class="jump-claim" href="#ps-c{k}" data-claim="{k}">show in text</a></li>' for k in order)
    return (f'<section class="ps-claims"><h2>Claims to check ({len(claims)})</h2>'
            f'<p class="ps-note">{escape(CLAIMS_NOTE)}</p><ol>{items}</ol></section>')


def _voice_note(span) -> str:
    if span.voice != "quoted":
        return ""
    return f' <span class="voice">· {escape(quoted_from(span.speaker))}</span>'


def voice_markup(doc: AnalysedDocument) -> str:
    """Density in the author's own voice against quoted material, in one line."""
    v = doc.voice_figures
    if v is None or not doc.attributions:
        return ""
    return (f'<p class="ps-note ps-voice">In the author\'s own voice: density <strong>{v["density_author"]:.1%}</strong>; '
            f'in quoted material ({v["quoted_share"]:.0%} of the text, shaded): <strong>{v["density_quoted"]:.1%}</strong>. '
            f'A technique inside a quotation is reported by the article, not necessarily used by it.</p>')


def report_body(doc: AnalysedDocument) -> str:
    """Highlighted article, legend, chart, details panel, the passage list and the script's data:
    shared by the standalone report and the web app's result page, so both look and behave the same.
    The side panel comes first in the page so that on a phone (one column) the switches sit above
    the article, as a bar that folds away, not thousands of pixels below it; on a wide screen the
    stylesheet puts it in the right-hand column."""
    return f"""<main class="ps-layout">
<aside class="ps-side" aria-label="Techniques and switches">
<details class="ps-controls" id="ps-controls" open>
<summary>Techniques and switches</summary>
<section><h2>Techniques</h2>{legend_markup(doc)}</section>
<section><h2>Counts</h2>{chart_markup(doc.shown_counts, doc.counts)}</section>
</details>
<section id="ps-details" class="ps-details" aria-live="polite"><h2>Details</h2>
<p>Click or focus a highlighted passage to see its technique, definition and confidence.</p></section>
</aside>
<article id="ps-article" class="ps-article" lang="{escape(doc.language)}">{article_markup(doc)}</article>
</main>
{claims_markup(doc)}
{passages_markup(doc)}
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
<p class="ps-meta">Source: {source_markup(doc.source)} · Model {escape(doc.model_version)}</p>
{summary_markup(doc)}
{warnings}
</header>
{report_body(doc)}
<footer><p>Made by propscan, offline. Highlights are a model's guesses, not verdicts; read the passage.</p></footer>
<script>{_static("report.js")}</script>
</body>
</html>
"""
