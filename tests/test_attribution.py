"""Who is speaking: quotation marks, PolNeAR reading and scoring, attributions and voices on real
model output, and where they show.

tests/fixtures/attribution/quotes.json is this project's own quotation-mark test set (straight,
curly, single, guillemets, German quotes, nested, across paragraphs, unbalanced, apostrophes, inch
marks); every case must pass. tests/fixtures/attribution/polnear/ is a one-article PolNeAR-format
folder written for these tests.
"""

from __future__ import annotations

import json

import pytest

from conftest import FIXTURES, ROOT, run_cli

HERE = FIXTURES / "attribution"
QUOTES = json.loads((HERE / "quotes.json").read_text(encoding="utf-8"))
SHARED_POLNEAR = ROOT.parent / "shared" / "data" / "polnear"

QUOTED_ARTICLE = (
    "Bridge row deepens\n\n"
    "The council voted on Tuesday to close the Harbour Bridge for repairs. Opponents of the plan were "
    "furious. \"These corrupt, reckless bureaucrats are destroying our town,\" said Marta Ilic, who runs a "
    "fish stall on the east bank. She added that \"the thugs at City Hall\" had never listened.\n\n"
    "The mayor, Delia Voss, said the repairs were overdue and would be finished within eighteen months. "
    "This disastrous, shameful decision will ruin every family on the east bank.\n"
)


@pytest.mark.parametrize("case", QUOTES, ids=[c["name"] for c in QUOTES])
def test_quotation_marks(case):
    from propscan.attribution.quotes import find_quotes

    text = case["text"]
    assert [text[s:e] for s, e in find_quotes(text)] == case["quotes"]


def test_polnear_reader_and_scores_on_the_fixture():
    from propscan.attribution.polnear import read_split
    from propscan.attribution.score import attribution_scores

    (article,) = read_split(HERE / "polnear")
    got = [[article.text[slice(*r)] if r else None for r in (a.source, a.cue, a.content)] for a in article.attributions]
    assert got[0] == ["Mayor Delia Voss", "said", '"We cannot let the east bank wither,"']
    assert got[2][:2] == ["the traders' association", "According to"]
    gold = {article.name: article.attributions}
    perfect = attribution_scores(gold, gold)
    assert perfect["content"]["overlap"]["f1"] == perfect["cue"]["exact"]["f1"] == perfect["pairing_accuracy"] == 1.0
    nothing = attribution_scores({article.name: []}, gold)
    assert nothing["content"]["overlap"]["f1"] == 0 and nothing["pairing_accuracy"] == 0


def test_polnear_reader_refuses_a_folder_without_texts(tmp_path):
    from propscan.attribution.polnear import read_split
    from propscan.errors import InputError

    with pytest.raises(InputError, match="no text"):
        read_split(tmp_path)


INTERRUPTED = '"Judge," Brafman said, "I have never had that happen in any case."'


def _at(text: str, piece: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(piece, start + 1)
    return start, start + len(piece)


def test_a_content_interrupted_by_its_own_cue_teaches_the_cue_and_source_as_such():
    """PolNeAR reads "Judge," Brafman said, "I have ..." as one content from the first quote mark to
    the last; the cue and source inside it must still be taught as cue and source."""
    from propscan.attribution.polnear import Attribution
    from propscan.attribution.tags import TAGS, token_tags

    text = INTERRUPTED
    words = [m.span() for m in __import__("re").finditer(r"\w+|[^\w\s]", text)]
    gold = [Attribution((0, len(text)), _at(text, "said"), _at(text, "Brafman"))]
    tags = [TAGS[t] for t in token_tags(words, gold)]
    by_word = {text[s:e]: t for (s, e), t in zip(words, tags)}
    assert by_word["Brafman"] == "B-Source" and by_word["said"] == "B-Cue"
    assert by_word["Judge"] == "I-Content" and by_word["never"] == "I-Content"


def test_contents_join_across_their_own_cue_but_not_across_a_sentence_end():
    from propscan.attribution.link import link

    text = INTERRUPTED
    spans = [("Content", *_at(text, '"Judge,"')), ("Source", *_at(text, "Brafman")), ("Cue", *_at(text, "said")),
             ("Content", *_at(text, '"I have never had that happen in any case."'))]
    (joined,) = link(text, spans, [])
    assert joined.content == (0, len(text)) and text[slice(*joined.source)] == "Brafman"
    two = 'Officials said the bridge was safe. Engineers said it was not safe at all.'
    spans = [("Source", *_at(two, "Officials")), ("Cue", *_at(two, "said")),
             ("Content", *_at(two, "the bridge was safe")), ("Source", *_at(two, "Engineers")),
             ("Cue", *_at(two, "said", 1)), ("Content", *_at(two, "it was not safe at all"))]
    got = link(two, spans, [])
    assert sorted(two[slice(*a.content)] for a in got) == ["it was not safe at all", "the bridge was safe"]
    assert {two[slice(*a.content)]: two[slice(*a.source)] for a in got}["it was not safe at all"] == "Engineers"


def test_a_cue_loses_the_comma_its_tokens_took_but_a_lone_colon_stays():
    from propscan.attribution.extract import trimmed

    text = '"It is over," he added, looking away. Her reply: no.'
    added = _at(text, "added,")
    assert text[slice(*trimmed(text, *added))] == "added"
    colon = _at(text, ":")
    assert trimmed(text, *colon) == colon


@pytest.fixture(scope="module")
def quoted_doc(analyzer):
    from propscan.ingest.sources import RawArticle

    return analyzer.analyze([RawArticle(source="q", text=QUOTED_ARTICLE, title="", kind="text")])[0]


def test_voice_separates_quoted_words_from_the_authors(quoted_doc):
    doc = quoted_doc
    text = doc.text
    assert doc.attributions, "the article quotes two people"
    contents = [text[a.content[0] : a.content[1]] for a in doc.attributions]
    assert any("These corrupt, reckless bureaucrats are destroying our town" in c for c in contents)
    for s in doc.spans:
        assert s.voice in ("author", "quoted")
    quoted = [s for s in doc.spans if s.voice == "quoted"]
    author = [s for s in doc.spans if s.voice == "author"]
    assert any("reckless" in text[s.start : s.end] or "corrupt" in text[s.start : s.end] for s in quoted)
    assert any(text.index("This disastrous") <= s.start for s in author)  # the article's own closing line
    speakers = {s.speaker.name for s in quoted if s.speaker}
    assert "Marta Ilic" in speakers
    v = doc.voice_figures
    assert 0 < v["quoted_share"] < 1 and v["density_author"] > 0 and v["density_quoted"] > 0
    assert sum(v["counts_author"].values()) + sum(v["counts_quoted"].values()) == len(doc.spans)


def test_a_scare_quote_is_the_authors_voice(analyzer, example_text):
    from propscan.ingest.sources import RawArticle

    doc = analyzer.analyze([RawArticle(source="e", text=example_text, title="", kind="text")])[0]
    scare = [s for s in doc.spans if "transport experts" in example_text[s.start : s.end]]
    assert scare and all(s.voice == "author" for s in scare)
    chef = example_text.index("completely made up")  # a quotation with its source named before it
    assert any(a.content[0] <= chef < a.content[1] for a in doc.attributions)


def test_json_carries_attributions_and_voices_and_reads_back(quoted_doc):
    from propscan.doc import AnalysedDocument

    data = json.loads(json.dumps(quoted_doc.to_dict()))
    assert data["schema_version"] == "1.4"
    for a in data["attributions"]:
        assert a["content"]["end"] > a["content"]["start"]
        if a["source"]:
            assert data["text"][a["source"]["start"] : a["source"]["end"]] == a["source"]["text"]
    assert all(s["voice"] in ("author", "quoted") for s in data["spans"])
    back = AnalysedDocument.from_dict(data)
    assert back.attributions == quoted_doc.attributions and back.spans == sorted(
        quoted_doc.spans, key=lambda s: (s.start, s.end, s.technique))


def test_cli_voice_author_leaves_out_quoted_material(tmp_path):
    path = tmp_path / "q.txt"
    path.write_text(QUOTED_ARTICLE, encoding="utf-8")
    every = json.loads(run_cli("analyze", str(path), "-f", "json").out)
    own = json.loads(run_cli("analyze", str(path), "-f", "json", "--voice", "author").out)
    assert any(s["voice"] == "quoted" for s in every["spans"])
    assert own["spans"] and all(s["voice"] == "author" for s in own["spans"])
    assert len(own["spans"]) == sum(s["voice"] == "author" for s in every["spans"])
    r = run_cli("analyze", str(path), "--voice", "speaker")
    assert r.code == 2 and "--voice" in r.err and "Traceback" not in r.err
    plain = run_cli("analyze", str(path)).out
    assert "quoted (Marta Ilic)" in plain and "in the author's own voice" in plain


@pytest.mark.parametrize("text", [
    "No quotes at all: the council met and approved the budget for the coming year without debate.",
    '"' + "Everything here is one long quotation without an end, " * 20,
    "He said \"first part.\n\nAnd a stray ” mark, don't, the '90s, rock 'n' roll.",
    ("El alcalde dijo «vamos a reconstruir el puente» ayer por la tarde en la plaza mayor. " * 6).strip(),
])
def test_hostile_quoting_gives_a_result(analyzer, text):
    from propscan.ingest.sources import RawArticle

    doc = analyzer.analyze([RawArticle(source="t", text=text, title="", kind="text")])[0]
    if doc.attributions is None:
        assert doc.language != "en" and any("attributions" in w for w in doc.warnings)
    else:
        for a in doc.attributions:
            assert 0 <= a.content[0] < a.content[1] <= len(text)


def test_html_shades_quoted_material_and_offers_the_author_only_switch(quoted_doc):
    from propscan.render.html import render_report

    page = render_report(quoted_doc)
    assert 'class="ps-q"' in page or " q\"" in page
    assert 'id="ps-author-only"' in page and "quoted from Marta Ilic" in page
    assert "in quoted material" in page


def test_evaluate_polnear_format():
    r = run_cli("evaluate", "--polnear", str(HERE / "polnear"), "--json")
    assert r.code == 0, r.err
    rep = json.loads(r.out)
    assert rep["articles"] == 1 and rep["gold_attributions"] == 3
    for role in ("content", "cue", "source"):
        assert 0 <= rep[role]["overlap"]["f1"] <= 1 and 0 <= rep[role]["exact"]["f1"] <= 1
    assert rep["content"]["overlap"]["f1"] > 0.5  # a direct quote and two reported statements
    r = run_cli("evaluate", "--polnear", str(HERE / "missing"))
    assert r.code == 2 and "no such folder" in r.err


@pytest.mark.shared
@pytest.mark.skipif(not (SHARED_POLNEAR / "dev").is_dir(), reason="../shared/data/polnear is not beside this checkout")
def test_shipped_tagger_scores_what_its_card_says_on_polnear_dev():
    shipped = json.loads((ROOT / "src/propscan/resources/attribution/attribution.json").read_text())["figures"]["dev"]
    rep = json.loads(run_cli("evaluate", "--polnear", str(SHARED_POLNEAR / "dev"), "--json").out)
    for role in ("content", "cue", "source"):
        assert rep[role]["overlap"]["f1"] == pytest.approx(shipped[role]["overlap"]["f1"], abs=0.01)
