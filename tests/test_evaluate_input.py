"""`propscan evaluate` refuses label lines that cannot be scored, naming file and line (issue 28).

The gold and prediction files here are the mini PTC fixture's own labels with one impossible
line added; a refused file exits 2 with one error line, and --lenient scores what is left
exactly as if the bad lines had never been there.
"""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import FIXTURES, run_cli

MINI = FIXTURES / "ptc_mini"
GOLD = MINI / "train-task-flc-tc.labels"
ARTICLES = MINI / "train-articles"
CLEAN = GOLD.read_text(encoding="utf-8")
CLEAN_LINES = len(CLEAN.splitlines())  # the added line is line CLEAN_LINES + 1
ARTICLE_9001_CHARS = len((ARTICLES / "article9001.txt").read_text(encoding="utf-8"))

# (line added to a PTC labels file, words the error must use); none needs the articles to be refused
IMPOSSIBLE_ANYWHERE = [
    ("9001\tDoubt\t276\t251", "before"),          # end before start
    ("9001\tDoubt\t251\t251", "before"),          # empty span
    ("9001\tDoubt\t-5\t20", "negative"),
    ("9001\tPropaganda\t10\t20", "unknown technique"),
    ("9001\tDoubt\t10", "columns"),
    ("9001\tDoubt\tten\t20", "whole numbers"),
    ("\tDoubt\t10\t20", "no article id"),
]


def write(path, text: str | bytes):
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def error_line(result) -> str:
    """The single `propscan: error` line of a refused run (and no traceback)."""
    assert result.code == 2, (result.code, result.out, result.err)
    assert "Traceback" not in result.err
    lines = [ln for ln in result.err.splitlines() if ln.startswith("propscan: error")]
    assert len(lines) == 1, result.err
    assert not result.out, "a refused evaluation must print no scores"
    return lines[0]


def scores(*args: str) -> dict:
    r = run_cli("evaluate", *args, "--json")
    assert r.code == 0, r.err
    return json.loads(r.out)


@pytest.mark.parametrize("bad,words", IMPOSSIBLE_ANYWHERE)
def test_impossible_gold_line_is_refused_by_file_and_line(tmp_path, bad, words):
    gold = write(tmp_path / "gold.tsv", CLEAN + bad + "\n")
    r = run_cli("evaluate", "--gold", gold, "--pred", str(GOLD), "--task", "labelled")
    line = error_line(r)
    assert f"{gold}:{CLEAN_LINES + 1}:" in line and words in line, line


@pytest.mark.parametrize("task", ["labelled", "si"])
@pytest.mark.parametrize("bad,words", IMPOSSIBLE_ANYWHERE[:4])
def test_impossible_prediction_line_is_refused(tmp_path, task, bad, words):
    # before the fix a backwards prediction was scored (merge() dropped it, silently changing SI)
    pred = write(tmp_path / "pred.tsv", CLEAN + bad + "\n")
    r = run_cli("evaluate", "--gold", str(GOLD), "--pred", pred, "--task", task)
    line = error_line(r)
    assert f"{pred}:{CLEAN_LINES + 1}:" in line and words in line, line


def test_the_error_counts_the_other_bad_lines(tmp_path):
    gold = write(tmp_path / "gold.tsv", CLEAN + "\n".join(bad for bad, _ in IMPOSSIBLE_ANYWHERE) + "\n")
    line = error_line(run_cli("evaluate", "--gold", gold, "--pred", str(GOLD)))
    assert f"{gold}:{CLEAN_LINES + 1}:" in line
    assert f"{len(IMPOSSIBLE_ANYWHERE) - 1} more" in line and "--lenient" in line


@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_empty_gold_is_refused(tmp_path, text):
    gold = write(tmp_path / "gold.tsv", text)
    line = error_line(run_cli("evaluate", "--gold", gold, "--pred", str(GOLD)))
    assert gold in line and "no labels" in line


@pytest.mark.parametrize("which", ["gold", "pred"])
def test_non_utf8_label_file_is_an_input_error_at_its_byte(tmp_path, which):
    head = (CLEAN + "9001\tLoaded_Languag").encode("utf-8")
    path = write(tmp_path / f"{which}.tsv", head + b"\xe9\t60\t95\n")
    files = {"gold": str(GOLD), "pred": str(GOLD), which: path}
    line = error_line(run_cli("evaluate", "--gold", files["gold"], "--pred", files["pred"]))
    assert path in line and "UTF-8" in line and f"byte {len(head)}" in line and f"line {CLEAN_LINES + 1}" in line


@pytest.mark.parametrize("option", ["--gold", "--pred"])
def test_a_folder_given_as_a_file_says_so(tmp_path, option):
    files = {"--gold": str(GOLD), "--pred": str(GOLD), option: str(tmp_path)}
    line = error_line(run_cli("evaluate", "--gold", files["--gold"], "--pred", files["--pred"]))
    assert str(tmp_path) in line and "is a folder" in line and "no such file" not in line


def test_a_file_given_as_the_articles_folder_says_so():
    line = error_line(run_cli("evaluate", "--gold", str(GOLD), "--articles", str(GOLD)))
    assert str(GOLD) in line and "not a folder" in line


# --- with the articles at hand: offsets within the text, articles that exist --------------------

def test_gold_offsets_beyond_the_article_are_refused_before_the_model_runs(tmp_path):
    gold = write(tmp_path / "gold.tsv", CLEAN + "9001\tLoaded_Language\t100000\t100050\n")
    line = error_line(run_cli("evaluate", "--gold", gold, "--articles", str(ARTICLES)))
    assert f"{gold}:{CLEAN_LINES + 1}:" in line and f"{ARTICLE_9001_CHARS} characters" in line


def test_gold_naming_a_missing_article_is_refused(tmp_path):
    gold = write(tmp_path / "gold.tsv", CLEAN + "9999\tDoubt\t10\t20\n")
    line = error_line(run_cli("evaluate", "--gold", gold, "--articles", str(ARTICLES)))
    assert f"{gold}:{CLEAN_LINES + 1}:" in line and "9999" in line and "no article" in line


def test_pred_beside_articles_scores_as_without_them():
    with_articles = scores("--gold", str(GOLD), "--pred", str(GOLD), "--articles", str(ARTICLES))
    assert with_articles == scores("--gold", str(GOLD), "--pred", str(GOLD))
    assert with_articles["labelled"]["f1"] == pytest.approx(1.0)


@pytest.mark.parametrize("bad,words", [
    (f"9001\tDoubt\t{ARTICLE_9001_CHARS - 5}\t{ARTICLE_9001_CHARS + 1}", "characters"),
    ("9999\tDoubt\t10\t20", "no article"),
])
def test_pred_beside_articles_is_checked_against_them(tmp_path, bad, words):
    pred = write(tmp_path / "pred.tsv", CLEAN + bad + "\n")
    r = run_cli("evaluate", "--gold", str(GOLD), "--pred", pred, "--articles", str(ARTICLES))
    line = error_line(r)
    assert f"{pred}:{CLEAN_LINES + 1}:" in line and words in line, line
    # without the articles nothing says the line is wrong, so it is scored
    assert run_cli("evaluate", "--gold", str(GOLD), "--pred", pred).code == 0


def test_a_span_ending_at_the_last_character_is_fine(tmp_path):
    pred = write(tmp_path / "pred.tsv", CLEAN + f"9001\tDoubt\t{ARTICLE_9001_CHARS - 5}\t{ARTICLE_9001_CHARS}\n")
    report = scores("--gold", str(GOLD), "--pred", pred, "--articles", str(ARTICLES))
    assert report["labelled"]["n_pred"] == report["labelled"]["n_gold"] + 1


# --- --lenient: skip, count, and score the rest as if they were never there ------------------------

def test_lenient_skips_bad_gold_lines_and_scores_the_rest(tmp_path):
    bad = [b for b, _ in IMPOSSIBLE_ANYWHERE] + [f"9001\tDoubt\t{ARTICLE_9001_CHARS}\t{ARTICLE_9001_CHARS + 9}"]
    lines = CLEAN.splitlines()
    mixed = lines[:4] + bad[:3] + lines[4:] + bad[3:]  # the bad lines among the good ones
    gold = write(tmp_path / "gold.tsv", "\n".join(mixed) + "\n")
    pred = write(tmp_path / "pred.tsv", "\n".join(lines[:9]) + "\n9003\tDoubt\t1\t30\n")
    clean = scores("--gold", str(GOLD), "--pred", pred, "--articles", str(ARTICLES))
    r = run_cli("evaluate", "--gold", gold, "--pred", pred, "--articles", str(ARTICLES), "--lenient", "--json")
    assert r.code == 0, r.err
    report = json.loads(r.out)
    assert report.pop("skipped_lines") == {"gold": len(bad), "pred": 0}
    assert report == clean and 0 < clean["labelled"]["f1"] < 1
    assert f"skipped {len(bad)} of {len(mixed)} lines of {gold}" in r.err


def test_lenient_skips_bad_prediction_lines(tmp_path):
    pred = write(tmp_path / "pred.tsv", "9001\tDoubt\t251\t-1\n" + CLEAN + "9001\tDoubt\t276\t251\n")
    r = run_cli("evaluate", "--gold", str(GOLD), "--pred", pred, "--task", "si", "--lenient")
    assert r.code == 0 and "SI        F1 1.0000" in r.out and "2 prediction lines" in r.out, (r.out, r.err)


def test_lenient_tc_drops_the_pair_of_a_bad_gold_line(tmp_path):
    gold = write(tmp_path / "gold.tsv", CLEAN + "9001\tPropaganda\t10\t20\n")
    pred = write(tmp_path / "pred.tsv", CLEAN + "9001\tDoubt\t10\t20\n")
    refused = error_line(run_cli("evaluate", "--gold", gold, "--pred", pred, "--task", "tc"))
    assert f"{gold}:{CLEAN_LINES + 1}:" in refused
    report = scores("--gold", gold, "--pred", pred, "--task", "tc", "--lenient")
    assert report["tc_micro_f1"] == pytest.approx(1.0) and report["skipped_lines"] == {"gold": 1, "pred": 0}


def test_lenient_with_nothing_left_is_refused(tmp_path):
    gold = write(tmp_path / "gold.tsv", "\n".join(b for b, _ in IMPOSSIBLE_ANYWHERE) + "\n")
    line = error_line(run_cli("evaluate", "--gold", gold, "--pred", str(GOLD), "--lenient"))
    assert gold in line and f"none of its {len(IMPOSSIBLE_ANYWHERE)} lines" in line


def test_lenient_model_run_skips_gold_beyond_the_text(tmp_path):
    gold = write(tmp_path / "gold.tsv", "9001\tDoubt\t100000\t100050\n9999\tDoubt\t1\t5\n" + CLEAN)
    strict = error_line(run_cli("evaluate", "--gold", gold, "--articles", str(ARTICLES)))
    assert f"{gold}:1:" in strict and "1 more" in strict
    report = scores("--gold", gold, "--articles", str(ARTICLES), "--lenient")
    assert report["skipped_lines"] == {"gold": 2}
    assert report["articles"] == 3 and report["labelled"]["n_gold"] == scores(
        "--gold", str(GOLD), "--articles", str(ARTICLES))["labelled"]["n_gold"]


# --- the other evaluation inputs --------------------------------------------------------------------

def test_polnear_text_that_is_not_utf8_is_an_input_error(tmp_path):
    folder = tmp_path / "polnear"
    shutil.copytree(FIXTURES / "attribution" / "polnear", folder)
    text = next((folder / "text").glob("*.txt"))
    text.write_bytes(text.read_bytes()[:40] + b"\xff" + text.read_bytes()[40:])
    line = error_line(run_cli("evaluate", "--polnear", str(folder)))
    assert text.name in line and "byte 40" in line


def test_polnear_given_a_file_says_so():
    line = error_line(run_cli("evaluate", "--polnear", str(GOLD)))
    assert str(GOLD) in line and "not a folder" in line


def test_hyperpartisan_truth_naming_a_missing_article_is_refused(tmp_path):
    truth = (FIXTURES / "aids" / "ground-truth.xml").read_text(encoding="utf-8")
    extra = '\t<article hyperpartisan="true" id="7777777" labeled-by="article"/>\n</articles>'
    path = write(tmp_path / "truth.xml", truth.replace("</articles>", extra))
    line = error_line(run_cli("evaluate", "--hyperpartisan", str(FIXTURES / "aids" / "articles.xml"), "--gold", path))
    assert path in line and "7777777" in line


def test_hyperpartisan_given_a_folder_says_so(tmp_path):
    line = error_line(run_cli("evaluate", "--hyperpartisan", str(tmp_path), "--gold", str(tmp_path)))
    assert "is a folder" in line


def test_a_byte_order_mark_is_not_part_of_the_first_id(tmp_path):
    # spreadsheet tools on Windows save UTF-8 with a BOM; it must not turn '9001' into '\ufeff9001'
    gold = write(tmp_path / "gold.tsv", "\ufeff" + CLEAN)
    assert scores("--gold", gold, "--pred", str(GOLD), "--articles", str(ARTICLES))["labelled"]["f1"] == pytest.approx(1.0)


def test_polnear_annotations_without_their_text_are_refused(tmp_path):
    # the gold of a missing article would be dropped without a word, and the score be of fewer articles
    folder = tmp_path / "polnear"
    shutil.copytree(FIXTURES / "attribution" / "polnear", folder)
    ann = next((folder / "attributions").glob("*.ann"))
    shutil.copy(ann, folder / "attributions" / "council_2016-09-02_ferry_ab12.ann")
    line = error_line(run_cli("evaluate", "--polnear", str(folder)))
    assert "council_2016-09-02_ferry_ab12.ann" in line and "no text" in line
