"""Show an analysed document in a terminal: highlighted article, legend, span table.

When output is not a terminal, the same information is printed as plain text.
"""

from __future__ import annotations

from dataclasses import replace

from rich.console import Console
from rich.style import Style
from rich.table import Table
from rich.text import Text

from .. import techniques
from ..doc import PARTISAN_CAUTION, AnalysedDocument
from .segments import pieces, quote_at, sorted_spans
from .snippets import clipped


# Terminal highlights are their own palette: the web's pale tints turned into light grey and bright
# white on terminals with fewer colours (Name calling, Slogans), and pale tints all look alike there.
# 256 colours: xterm cube colours that black text reads on at 7:1 or better (WCAG AAA), at least 25
# CIELAB units apart from each other (tests/test_palette.py computes both).
TERMINAL_256 = {
    "Loaded_Language": 214,  # orange
    "Name_Calling,Labeling": 111,  # blue
    "Repetition": 157,  # pale green
    "Exaggeration,Minimisation": 209,  # salmon
    "Doubt": 51,  # cyan
    "Appeal_to_fear-prejudice": 174,  # dusty rose
    "Flag-Waving": 107,  # olive green
    "Causal_Oversimplification": 79,  # sea green
    "Slogans": 218,  # pink
    "Appeal_to_Authority": 117,  # sky blue
    "Black-and-White_Fallacy": 37,  # teal
    "Thought-terminating_Cliches": 179,  # ochre
    "Whataboutism,Straw_Men,Red_Herring": 229,  # pale yellow
    "Bandwagon,Reductio_ad_hitlerum": 140,  # lavender
}
# 16 colours: nine light backgrounds under black text and five dark ones under white, all 14 different
# (text on each at 4.5:1 or better in rich's standard palette).
TERMINAL_16 = {
    "Loaded_Language": ("black", 11),
    "Name_Calling,Labeling": ("bright_white", 4),
    "Repetition": ("black", 10),
    "Exaggeration,Minimisation": ("black", 9),
    "Doubt": ("black", 14),
    "Appeal_to_fear-prejudice": ("bright_white", 1),
    "Flag-Waving": ("bright_white", 3),
    "Causal_Oversimplification": ("black", 2),
    "Slogans": ("black", 13),
    "Appeal_to_Authority": ("bright_white", 5),
    "Black-and-White_Fallacy": ("black", 6),
    "Thought-terminating_Cliches": ("bright_white", 8),
    "Whataboutism,Straw_Men,Red_Herring": ("black", 7),
    "Bandwagon,Reductio_ad_hitlerum": ("black", 15),
}


def highlight_style(technique: str, color_system: str | None) -> Style:
    """A technique's highlight for this console's colours (None: no colour, so reverse video)."""
    if color_system is None:
        return Style(reverse=True)
    if color_system in ("standard", "windows"):
        fg, bg = TERMINAL_16[technique]
        return Style(color=fg, bgcolor=f"color({bg})")
    return Style(color="black", bgcolor=f"color({TERMINAL_256[technique]})")


def _label(names: list[str], color_system: str | None) -> Text:
    """[LL+NC] after a passage: which techniques end here, each in its own colour, so overlapping
    passages (one colour shows under both) and colours that look alike are still told apart."""
    label = Text("[", style="bold")
    for k, name in enumerate(names):
        if k:
            label.append("+", style="bold")
        label.append(techniques.get(name).abbr, style=highlight_style(name, color_system) + Style(bold=True))
    label.append("]", style="bold")
    return label


def _legend(doc: AnalysedDocument, color_system: str | None) -> Table:
    table = Table(title="Techniques found", show_edge=False)
    table.add_column("label")
    table.add_column("technique")
    table.add_column("spans", justify="right")
    for name, n in sorted(doc.counts.items(), key=lambda kv: -kv[1]):
        t = techniques.get(name)
        style = highlight_style(name, color_system)
        table.add_row(Text(f"[{t.abbr}]", style=style + Style(bold=True)), Text(t.title, style=style), str(n))
    return table


def hidden_note(doc: AnalysedDocument) -> str:
    """What the display threshold hides, and how to see it."""
    n = doc.n_hidden
    if not n:
        return ""
    return (f"{n} less certain passage{'s' if n > 1 else ''} hidden (confidence below {doc.min_confidence:.0%}); "
            "--min-confidence 0 shows every passage, and --format json lists them all.")


TOP_CLAIMS = 5
CLAIM_CHARS = 200  # a claim longer than this is cut at a word, with an ellipsis


def voice_label(span) -> str:
    """author, quoted (speaker), or - where attribution was not run."""
    if span.voice is None:
        return "-"
    if span.voice == "quoted":
        return f"quoted ({span.speaker.name})" if span.speaker and span.speaker.name else "quoted (speaker not named)"
    return "author"


def voice_line(doc: AnalysedDocument) -> str:
    v = doc.voice_figures
    if not doc.attributions or v is None:
        return ""
    return (f"voice: density {v['density_author']:.1%} in the author's own voice, {v['density_quoted']:.1%} in "
            f"quoted material ({v['quoted_share']:.0%} of the text, in italics)")


def partisan_line(doc: AnalysedDocument) -> str:
    """One line: how partisan the article reads, with its probability and the caution."""
    r = doc.hyperpartisan
    if r is None:
        return ""
    verdict = "reads as hyperpartisan" if r.label == "hyperpartisan" else "does not read as hyperpartisan"
    return f"partisanship: {verdict} (probability {r.probability:.0%}). {PARTISAN_CAUTION}"


def claim_lines(doc: AnalysedDocument, top: int = TOP_CLAIMS) -> list[str]:
    """The most check-worthy claims, best first, with their offsets."""
    if not doc.claims:
        return [] if doc.claims is None else ["claims to check: none found"]
    best = sorted(doc.claims, key=lambda c: -c.score)[:top]
    more = f", the {len(best)} most check-worthy" if len(doc.claims) > len(best) else ""
    lines = [f"claims to check ({len(doc.claims)}{more}):"]
    for c in best:
        lines.append(f"  {c.score:.2f}  {c.start}-{c.end}  {clipped(doc.text[c.start : c.end], CLAIM_CHARS)}")
    return lines


def render_rich(doc: AnalysedDocument, console: Console) -> None:
    whole, doc = doc, replace(doc, spans=doc.shown_spans)
    spans = sorted_spans(doc)
    quoted = quote_at(doc)
    colours = console.color_system
    ending: dict[int, list[str]] = {}  # offset -> techniques of the passages ending there, most confident first
    for s in sorted(spans, key=lambda s: -s.confidence):
        if s.technique not in ending.setdefault(s.end, []):
            ending[s.end].append(s.technique)
    body = Text()
    for p in pieces(doc):
        chunk = doc.text[p.start : p.end]
        italic = Style(italic=quoted(p.start) is not None)
        if p.spans:
            # the most confident passage's colour; underlined where another passage lies under it
            body.append(chunk, style=highlight_style(spans[p.spans[0]].technique, colours) + italic
                        + Style(underline=len({spans[i].technique for i in p.spans}) > 1))
        else:
            body.append(chunk, style=italic if italic.italic else None)
        if p.end in ending:
            body.append_text(_label(ending[p.end], colours))
    console.rule(Text(doc.title or doc.source, style="bold"))
    console.print(body, markup=False, highlight=False)
    console.print()
    console.print(f"source: {doc.source}   model: {doc.model_version}   spans: {len(spans)}   "
                  f"propaganda density: {whole.density:.1%}", markup=False, highlight=False)
    if note := hidden_note(whole):
        console.print(note, markup=False, highlight=False)
    for line in [voice_line(whole), partisan_line(whole), *claim_lines(whole)]:
        if line:
            console.print(line, markup=False, highlight=False)
    if spans:
        console.print(_legend(doc, colours))
        table = Table(show_edge=False)
        for col in ("#", "start", "end", "technique", "conf.", "voice", "text"):
            table.add_column(col, overflow="fold")
        for i, s in enumerate(spans, 1):
            snippet = " ".join(doc.text[s.start : s.end].split())
            table.add_row(str(i), str(s.start), str(s.end), techniques.get(s.technique).title,
                          f"{s.confidence:.2f}", voice_label(s), Text(snippet[:160]))
        console.print(table)
    for w in doc.warnings:
        console.print(Text(f"warning: {w}", style="yellow"))


def render_plain(doc: AnalysedDocument) -> str:
    whole, doc = doc, replace(doc, spans=doc.shown_spans)
    lines = [f"# {doc.title or doc.source}",
             f"source: {doc.source}",
             f"model: {doc.model_version}",
             f"spans: {len(doc.spans)}  propaganda density: {whole.density:.1%}"]
    if note := hidden_note(whole):
        lines.append(note)
    lines += [x for x in [voice_line(whole), partisan_line(whole), *claim_lines(whole)] if x]
    for name, n in sorted(doc.counts.items(), key=lambda kv: -kv[1]):
        lines.append(f"  {techniques.get(name).title}: {n}")
    lines.append("")
    for s in sorted_spans(doc):
        snippet = " ".join(doc.text[s.start : s.end].split())
        lines.append(f"{s.start}\t{s.end}\t{s.technique}\t{s.confidence:.2f}\t{voice_label(s)}\t{snippet}")
    lines += [f"warning: {w}" for w in doc.warnings]
    return "\n".join(lines) + "\n"
