"""The hand-marked voice set: its marks fit the real texts, and its scoring counts what the protocol says."""

from __future__ import annotations

import json
import subprocess
import sys
import zlib
from collections import Counter
from pathlib import Path

import pytest

from propscan.assess.datasets import LabelledArticle
from propscan.errors import InputError
from propscan.evaluate.voice_set import (GoldPassage, check_against_texts, false_positives, load_marks, missed,
                                         score_article, select_articles, speaker_matches)

ROOT = Path(__file__).resolve().parent.parent
MARKS = ROOT / "benchmarks" / "voice_set" / "marks.json"
HYPERPARTISAN = ROOT.parent / "shared" / "data" / "hyperpartisan"
needs_hyperpartisan = pytest.mark.skipif(
    not (HYPERPARTISAN / "articles-training-byarticle-20181122.xml").is_file(),
    reason="../shared/data/hyperpartisan is not beside this checkout")


def gold(text: str, snippet: str, speaker: str | None = "John Smith", aliases=("Smith",), kind="reported"):
    start = text.index(snippet)
    return GoldPassage(start, start + len(snippet), snippet, speaker, tuple(aliases), kind)


# --- the marks against the texts (../shared) ---

@pytest.fixture(scope="module")
def real_articles():
    from propscan.assess.datasets import read_semeval2019

    return read_semeval2019(HYPERPARTISAN / "articles-training-byarticle-20181122.xml",
                            HYPERPARTISAN / "ground-truth-training-byarticle-20181122.xml")


@pytest.mark.shared
@needs_hyperpartisan
def test_marks_fit_the_texts_they_were_made_on(real_articles):
    marks = load_marks(MARKS)
    texts = {a.id: a.text for a in real_articles}
    assert check_against_texts(marks, texts) == []
    for art in marks:
        assert art.passages, f"{art.id} has no passage"
        for p in art.passages:
            assert p.text == p.text.strip(), f"{art.id}: passage {p.start} starts or ends with whitespace"
            assert p.speaker is None or p.speaker.strip(), f"{art.id}: blank speaker"


@pytest.mark.shared
@needs_hyperpartisan
def test_marks_are_the_written_selection_split_15_15_and_15_fresh(real_articles):
    marks = load_marks(MARKS)
    labels = {a.id: a.hyperpartisan for a in real_articles}
    assert sorted((m.id, m.hyperpartisan, m.split) for m in marks) == sorted(select_articles(real_articles))
    assert all(labels[m.id] == m.hyperpartisan for m in marks)
    assert Counter(m.split for m in marks) == {"tune": 15, "heldout": 15, "fresh": 15}
    for split in ("tune", "heldout", "fresh"):
        assert {m.hyperpartisan for m in marks if m.split == split} == {True, False}
    fresh = [m.id for m in marks if m.split == "fresh"]
    first = [m.id for m in marks if m.split != "fresh"]
    assert len(set(fresh)) == 15 and len(set(first)) == 30 and not set(fresh) & set(first)
    assert Counter(m.hyperpartisan for m in marks if m.split == "fresh") == {True: 8, False: 7}


@pytest.mark.shared
@needs_hyperpartisan
def test_check_against_texts_reports_a_shifted_and_an_overlapping_passage(real_articles):
    marks = load_marks(MARKS)
    art = marks[0]
    text = next(a.text for a in real_articles if a.id == art.id)
    first = art.passages[0]
    shifted = GoldPassage(first.start + 1, first.end + 1, first.text, first.speaker, first.aliases, first.kind)
    overlapping = GoldPassage(first.start, first.end + 5, text[first.start:first.end + 5], None, (), "quote")
    broken = type(art)(art.id, art.split, art.hyperpartisan, (shifted, overlapping, *art.passages[1:]))
    problems = check_against_texts([broken], {art.id: text})
    assert any("not" in p for p in problems) and any("overlap" in p for p in problems)


# --- the selection rule on made-up articles (no ../shared needed) ---

def made_up_articles(n: int, hyperpartisan: bool, prefix: str) -> list[LabelledArticle]:
    body = "Smith said the plan fails. " * 60  # 300 words with a 'said'
    return [LabelledArticle(f"{prefix}{i:04d}", "T", f"T\n\n{body}", hyperpartisan) for i in range(n)]


def test_fresh_split_continues_down_each_ranked_list_after_the_first_15():
    articles = made_up_articles(30, True, "h") + made_up_articles(30, False, "m")
    articles.append(LabelledArticle("short", "T", "T\n\nSmith said no.", True))  # too short: never chosen
    chosen = select_articles(articles)
    first = select_articles(articles, fresh_per_label={True: 0, False: 0})
    assert [c for c in chosen if c[2] != "fresh"] == first  # adding fresh left the first 30 as they were
    for label, n in ((True, 8), (False, 7)):
        ranked = sorted((a.id for a in articles if a.hyperpartisan is label and a.id != "short"),
                        key=lambda i: (zlib.crc32(i.encode()), i))
        assert [c[0] for c in chosen if c[1] is label and c[2] == "fresh"] == ranked[15:15 + n]
        assert {c[0] for c in first if c[1] is label} == set(ranked[:15])


# --- scoring on tiny hand-made inputs (no ../shared needed) ---

TEXT = "Smith said: the plan fails. Rain fell.\n\nJones wrote that taxes rise."


def test_exact_prediction_scores_one_and_names_the_speaker():
    g = [gold(TEXT, "the plan fails")]
    counts, judged = score_article(TEXT, g, [(g[0].start, g[0].end, "Smith")])
    assert (counts.precision, counts.recall, counts.f1) == (1.0, 1.0, 1.0)
    assert counts.speakers_judged == 1 and counts.speakers_right == 1


def test_characters_are_counted_without_whitespace():
    g = [gold(TEXT, "the plan fails")]  # 12 characters without spaces
    counts, _ = score_article(TEXT, g, [(0, TEXT.index("fails") + len("fails."), "Smith")])
    # predicted "Smith said: the plan fails." is 23 characters without spaces, 12 of them gold
    assert (counts.predicted, counts.gold, counts.overlap) == (23, 12, 12)
    assert counts.precision == pytest.approx(12 / 23) and counts.recall == 1.0


def test_pooled_over_articles_and_missed_passage_counts_against_recall():
    g = [gold(TEXT, "the plan fails"), gold(TEXT, "taxes rise", speaker="Jones", aliases=())]
    counts, judged = score_article(TEXT, g, [(g[0].start, g[0].end, "Jones")])
    assert (counts.gold, counts.overlap) == (12 + 9, 12)
    assert [j.right for j in judged] == [False]  # shown as quoted, but the wrong name
    assert missed(TEXT, g, [(g[0].start, g[0].end, None)]) == [g[1]]


def test_speaker_judged_only_when_more_than_half_shown_and_named():
    g = [gold(TEXT, "the plan fails")]
    half = g[0].start + len("the plan")  # "theplan" is 7 of 12 characters: more than half
    assert score_article(TEXT, g, [(g[0].start, half, "Smith")])[0].speakers_judged == 1
    assert score_article(TEXT, g, [(g[0].start, g[0].start + len("the pl"), "Smith")])[0].speakers_judged == 0
    assert score_article(TEXT, g, [(g[0].start, g[0].end, None)])[0].speakers_judged == 0
    unnamed = [gold(TEXT, "the plan fails", speaker=None, aliases=())]
    assert score_article(TEXT, unnamed, [(g[0].start, g[0].end, "Smith")])[0].speakers_judged == 0


def test_false_positives_are_the_stretches_outside_gold():
    g = [gold(TEXT, "the plan fails")]
    fps = false_positives(TEXT, g, [(0, g[0].end, "Smith"), (TEXT.index("Rain"), TEXT.index("fell.") + 5, None)])
    assert [TEXT[s:e] for s, e, _ in fps] == ["Smith said: ", "Rain fell."]


@pytest.mark.parametrize("predicted, gold_name, aliases, right", [
    ("Trump", "Donald Trump", ("the president",), True),
    ("President Trump", "Donald Trump", (), True),
    ("the president", "Donald Trump", ("Trump", "the president"), True),
    ("Associated Press", "The Associated Press", ("AP",), True),
    ("AP", "The Associated Press", ("AP",), True),
    ("the", "Donald Trump", ("the president",), False),
    ("He", "Donald Trump", ("the president",), False),
    ("Obama", "Donald Trump", ("the president",), False),
    ("Trumpet", "Donald Trump", (), False),
    ("As Treasurer", "John Smith", ("Smith",), False),
])
def test_speaker_matching_rule(predicted, gold_name, aliases, right):
    assert speaker_matches(predicted, gold_name, aliases) is right


def test_malformed_marks_file_is_a_one_line_input_error(tmp_path):
    bad = tmp_path / "marks.json"
    bad.write_text(json.dumps({"articles": [{"id": "1", "split": "train", "hyperpartisan": True, "passages": []}]}))
    with pytest.raises(InputError) as exc:
        load_marks(bad)
    assert "train" in exc.value.one_line() and "\n" not in exc.value.one_line()


@pytest.mark.parametrize("split", ["tune", "fresh"])
def test_benchmark_exits_with_one_line_when_shared_data_is_missing(tmp_path, split):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "voice_realnews.py"), "--split", split,
                           "--data", str(tmp_path / "nowhere")], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert done.stderr.count("\n") == 1 and "voice_realnews: error:" in done.stderr and "Traceback" not in done.stderr
