"""The reading aids: partisanship and check-worthy claims, on real model output.

Fixtures in tests/fixtures/aids/ were written for this project in the two labelled formats
(SemEval-2019 Task 4 XML, CheckThat! 2024 Task 1 TSV); tests that read ../shared check it exists.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from conftest import FIXTURES, ROOT, run_cli

EXAMPLE_ARTICLE = str(ROOT / "examples" / "article.txt")

AIDS = FIXTURES / "aids"
SHARED = ROOT.parent / "shared" / "data"
needs_checkworthy = pytest.mark.skipif(not (SHARED / "checkworthy").is_dir(),
                                       reason="../shared/data/checkworthy is not beside this checkout")


@pytest.fixture(scope="module")
def partisan_articles():
    from propscan.assess.datasets import read_semeval2019

    return read_semeval2019(AIDS / "articles.xml", AIDS / "ground-truth.xml")


def analyse(analyzer, text: str, source: str = "t"):
    from propscan.ingest.sources import RawArticle

    return analyzer.analyze([RawArticle(source=source, text=text, title="", kind="text")])[0]


# --- readers ----------------------------------------------------------------------------------


def test_semeval_reader_joins_title_and_paragraphs(partisan_articles):
    first = partisan_articles[0]
    assert [a.hyperpartisan for a in partisan_articles] == [True, False, False]
    assert first.text.startswith(first.title + "\n\n") and "\n\nEvery single day" in first.text
    assert "<p>" not in first.text


@pytest.mark.parametrize("content, needle", [
    ("<articles><article id='1'><p>x</articles>", "not readable XML"),
    ("<articles></articles>", "no <article> elements"),
])
def test_semeval_reader_refuses_broken_files(tmp_path, content, needle):
    from propscan.assess.datasets import read_semeval2019
    from propscan.errors import InputError

    path = tmp_path / "a.xml"
    path.write_text(content)
    with pytest.raises(InputError, match=needle):
        read_semeval2019(path)


@pytest.mark.parametrize("content, needle", [
    ("id\ttext\n1\tx\n", "expected a header"),
    ("Sentence_id\tText\tclass_label\n1\tSome text\tMaybe\n", "expected Yes or No"),
    ("Sentence_id\tText\tclass_label\n", "no sentences"),
])
def test_checkthat_reader_refuses_broken_files(tmp_path, content, needle):
    from propscan.assess.datasets import read_checkthat
    from propscan.errors import InputError

    path = tmp_path / "c.tsv"
    path.write_text(content)
    with pytest.raises(InputError, match=needle):
        read_checkthat(path)


def test_checkthat_reader_unquotes_csv_quoting(tmp_path):
    from propscan.assess.datasets import read_checkthat

    path = tmp_path / "c.tsv"
    path.write_text('Sentence_id\tText\tclass_label\n7\t"He said, ""No."""\tNo\n')
    assert read_checkthat(path)[0].text == 'He said, "No."'


# --- the linear models match what trained them --------------------------------------------


def test_text_model_reproduces_scikit_learn():
    pytest.importorskip("sklearn")
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from propscan.assess.datasets import read_checkthat
    from propscan.assess.linear import terms
    from propscan.train.assess import fit_text

    rows = read_checkthat(AIDS / "checkworthy.tsv")
    texts, y = [r.text for r in rows], np.array([r.checkworthy for r in rows], dtype=int)
    model = fit_text(texts, y, 4.0, min_df=1)
    vec = TfidfVectorizer(analyzer=terms, sublinear_tf=True, min_df=1)
    reference = LogisticRegression(C=4.0, max_iter=5000).fit(vec.fit_transform(texts), y)
    unseen = ["Unemployment fell last year, my opponent said.", "Thank you, and good night."]
    expected = reference.decision_function(vec.transform(texts + unseen))
    assert np.allclose(model.logit_many(texts + unseen), expected, atol=1e-6)


# --- on the document ----------------------------------------------------------------------


def test_partisan_article_reads_as_hyperpartisan_and_neutral_one_does_not(analyzer, partisan_articles):
    loaded, neutral, _ = (analyse(analyzer, a.text) for a in partisan_articles)
    assert loaded.hyperpartisan.label == "hyperpartisan" and loaded.hyperpartisan.probability >= 0.5
    assert neutral.hyperpartisan.label == "not hyperpartisan" and neutral.hyperpartisan.probability < 0.5
    for doc in (loaded, neutral):
        reasons = doc.hyperpartisan.reasons
        assert reasons and {r.kind for r in reasons} <= {"phrase", "passage", "technique"}
        for r in reasons:
            if r.start is not None:  # a phrase or passage: its text is where it says
                assert doc.text[r.start : r.end] == r.text
            assert r.kind != "phrase" or re.search(r"[A-Za-z]{3}", r.text)  # never "the" or "a"
    assert all(r.weight > 0 for r in loaded.hyperpartisan.reasons)
    assert all(r.weight < 0 for r in neutral.hyperpartisan.reasons)


def test_claims_are_whole_sentences_with_offsets_into_the_text(analyzer, example_text):
    from propscan.sentences import sentence_bounds

    doc = analyse(analyzer, example_text)
    sentences = set(sentence_bounds(example_text))
    assert doc.claims, "the example article states checkable facts"
    for c in doc.claims:
        assert (c.start, c.end) in sentences
        assert c.score >= analyzer.reading_aids.claims.threshold
    factual = "It opened eleven months late and forty percent over budget."
    assert factual in [example_text[c.start : c.end] for c in doc.claims]
    slogan = "Keep the bridge open."
    assert slogan not in [example_text[c.start : c.end] for c in doc.claims]


def test_json_has_the_aids_and_reads_back(analyzer, example_text):
    from propscan.doc import AnalysedDocument

    doc = analyse(analyzer, example_text)
    data = json.loads(json.dumps(doc.to_dict()))
    assert data["schema_version"] == "1.4"
    assert 0 <= data["hyperpartisan"]["probability"] <= 1 and data["hyperpartisan"]["caution"]
    for c in data["claims"]:
        assert example_text[c["start"] : c["end"]] == c["text"]
    back = AnalysedDocument.from_dict(data)
    assert back.claims == doc.claims
    assert back.hyperpartisan.probability == pytest.approx(doc.hyperpartisan.probability, abs=1e-4)
    # a 1.1 document (before the aids) still reads, without them
    old = {k: v for k, v in data.items() if k not in ("hyperpartisan", "claims")} | {"schema_version": "1.1"}
    older = AnalysedDocument.from_dict(old)
    assert older.hyperpartisan is None and older.claims is None
    # a claim whose text does not match its offsets is refused
    data["claims"][0]["text"] = "something else"
    with pytest.raises(ValueError, match="does not match"):
        AnalysedDocument.from_dict(data)


# --- bad input ----------------------------------------------------------------------------


def test_short_text_gets_no_reading_and_says_why(analyzer):
    doc = analyse(analyzer, "The mayor lied about the bridge again.")
    assert doc.hyperpartisan is None
    assert any("too short" in w and "100" in w for w in doc.warnings)
    assert doc.claims is not None  # claims are still read sentence by sentence


def test_non_english_gets_neither_aid(analyzer):
    text = ("El ayuntamiento aprobó ayer el presupuesto para reparar las carreteras de la ciudad. " * 12).strip()
    doc = analyse(analyzer, text)
    assert doc.language != "en"
    assert doc.hyperpartisan is None and doc.claims is None
    assert any("partisanship" in w for w in doc.warnings) and any("claims" in w for w in doc.warnings)


def test_run_on_sentence_is_not_one_claim(analyzer):
    words = ("the budget rose by forty million dollars while the city cut three hundred jobs and "
             "closed two libraries ").split()
    text = " ".join(words[i % len(words)] for i in range(900))  # ~5,000 characters, no punctuation
    assert len(text) > 4_000 and "." not in text
    doc = analyse(analyzer, text)
    assert doc.claims == []
    assert any("1,000 characters" in w for w in doc.warnings)


def test_headlines_and_all_quotes_give_a_result(analyzer):
    headlines = "\n".join([
        "Senate passes budget after all-night session", "Storm leaves 40,000 homes without power",
        "Local team wins the cup for the third time", "Prices rose 3.1 percent in March, figures show",
    ] * 8)
    quotes = " ".join(['"We will win this fight," she said.', '"They lied to you about the jobs," he said.'] * 20)
    for text in (headlines, quotes):
        doc = analyse(analyzer, text)
        assert doc.hyperpartisan is not None and 0 <= doc.hyperpartisan.probability <= 1
        assert all(text[c.start : c.end].strip() for c in doc.claims)


def test_cli_switches_and_threshold(tmp_path):
    r = run_cli("analyze", EXAMPLE_ARTICLE, "--format", "json", "--no-claims", "--no-partisanship")
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert data["claims"] is None and data["hyperpartisan"] is None
    every = json.loads(run_cli("analyze", EXAMPLE_ARTICLE, "-f", "json", "--claims-threshold", "0").out)["claims"]
    default = json.loads(run_cli("analyze", EXAMPLE_ARTICLE, "-f", "json").out)["claims"]
    none = json.loads(run_cli("analyze", EXAMPLE_ARTICLE, "-f", "json", "--claims-threshold", "1").out)["claims"]
    assert len(every) > len(default) > len(none) == 0
    for bad in ("1.5", "-0.1"):
        r = run_cli("analyze", EXAMPLE_ARTICLE, "--claims-threshold", bad)
        assert r.code == 2 and "--claims-threshold" in r.err and "Traceback" not in r.err


def test_one_bad_document_does_not_stop_the_others(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(Path(EXAMPLE_ARTICLE).read_text(encoding="utf-8"))
    short = tmp_path / "short.txt"
    short.write_text("Tax cuts.")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    out = tmp_path / "out.jsonl"
    r = run_cli("analyze", str(good), str(short), str(empty), "-f", "json", "-o", str(out))
    assert r.code == 2 and "Traceback" not in r.err
    docs = [json.loads(line) for line in out.read_text().splitlines()]
    assert [Path(d["source"]).name for d in docs] == ["good.txt", "short.txt"]
    assert docs[0]["hyperpartisan"] is not None and docs[1]["hyperpartisan"] is None


def test_terminal_shows_the_reading_and_top_claims():
    r = run_cli("analyze", EXAMPLE_ARTICLE)
    assert r.code == 0, r.err
    line = next(ln for ln in r.out.splitlines() if ln.startswith("partisanship:"))
    assert re.search(r"probability \d+%", line) and "not a judgement of truth" in line
    assert "claims to check" in r.out and "It opened eleven months late" in r.out


def test_aids_are_skipped_for_a_detector_they_were_not_trained_on(analyzer, example_text):
    from dataclasses import replace

    from propscan.pipeline import Analyzer

    other = Analyzer(analyzer.predictor, reading_aids=replace(analyzer.reading_aids, detector="another-model"))
    doc = analyse(other, example_text)
    assert doc.hyperpartisan is None and doc.claims is None
    assert any("trained with" in w for w in doc.warnings)


def test_html_report_has_gauge_claims_list_and_claim_marks(analyzer, example_text):
    from propscan.render.html import render_report

    doc = analyse(analyzer, example_text.replace("Greyport", "<b>Greyport</b>"))
    page = render_report(doc)
    assert "<b>Greyport</b>" not in page and "&lt;b&gt;Greyport&lt;/b&gt;" in page
    assert page.count('class="ps-claim"') == len(doc.claims)
    assert "<meter" in page and "not a judgement of truth" in page
    for k in range(len(doc.claims)):
        assert f'href="#ps-c{k}"' in page and f'id="ps-c{k}"' in page
    # claims and technique marks nest properly: every closing tag closes the last one opened
    from html.parser import HTMLParser

    class Nesting(HTMLParser):
        stack: list = []
        ok = True

        def handle_starttag(self, tag, attrs):
            if tag in ("span", "mark"):
                self.stack.append(tag)

        def handle_endtag(self, tag):
            if tag in ("span", "mark"):
                self.ok = self.ok and bool(self.stack) and self.stack.pop() == tag

    checker = Nesting()
    checker.feed(page)
    assert checker.ok and not checker.stack


# --- evaluate ------------------------------------------------------------------------------


def test_evaluate_scores_both_formats():
    r = run_cli("evaluate", "--checkworthy", str(AIDS / "checkworthy.tsv"), "--json")
    assert r.code == 0, r.err
    rep = json.loads(r.out)
    c = rep["confusion"]
    assert rep["sentences"] == rep["n"] == 8 and sum(c.values()) == 8 and rep["positives"] == 4
    assert rep["f1"] >= 0.75  # plain facts with numbers against pleasantries
    r = run_cli("evaluate", "--hyperpartisan", str(AIDS / "articles.xml"), "--gold", str(AIDS / "ground-truth.xml"))
    assert r.code == 0, r.err
    assert "hyperpartisan: 3 articles" in r.out and "1 articles got no reading" in r.out


@pytest.mark.parametrize("args, needle", [
    (["--checkworthy", "missing.tsv"], "no such file"),
    (["--hyperpartisan", str(AIDS / "articles.xml")], "--gold is needed"),
    (["--checkworthy", str(AIDS / "checkworthy.tsv"), "--hyperpartisan", str(AIDS / "articles.xml")], "exactly one"),
    (["--checkworthy", str(AIDS / "articles.xml")], "expected a header"),
])
def test_evaluate_bad_input_is_one_line(args, needle):
    r = run_cli("evaluate", *args)
    assert r.code == 2 and needle in r.err and "Traceback" not in r.err


@needs_checkworthy
@pytest.mark.shared
def test_shipped_claims_model_scores_what_its_card_says_on_dev_test():
    from propscan.assess.aids import load_aids

    path = next((SHARED / "checkworthy").glob("*_dev-test.tsv"))
    rep = json.loads(run_cli("evaluate", "--checkworthy", str(path), "--json").out)
    shipped = json.loads((ROOT / "src/propscan/resources/assess/claims.json").read_text())["figures"]["dev-test"]
    assert rep["f1"] == pytest.approx(shipped["f1"], abs=0.002)
    assert load_aids().claims.threshold == rep["threshold"]
