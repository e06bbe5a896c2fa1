"""`propscan` end to end with the shipped model: outputs, formats and every bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import FIXTURES, ROOT, run_cli

MINI = FIXTURES / "ptc_mini"
EXAMPLE = str(ROOT / "examples" / "article.txt")


def assert_one_line_error(result, *needles):
    assert result.code != 0
    lines = [ln for ln in result.err.splitlines() if ln.startswith("propscan: error")]
    assert lines, result.err
    assert "Traceback" not in result.err
    for needle in needles:
        assert any(needle in ln for ln in lines), (needle, result.err)


def test_help_lists_every_command():
    r = run_cli("--help")
    assert r.code == 0
    for cmd in ("analyze", "predict", "evaluate", "adapt", "train", "train-aids", "crossval", "techniques", "learn",
                "models", "export", "import", "reviews"):
        assert cmd in r.out
    assert r.out.count("[train] extra") == 4  # rich markup would swallow an unescaped [train]
    r = run_cli("analyze", "--help")
    assert "--allow-private" in r.out and "--html" in r.out and "schema_version" in r.out


def test_analyze_json_offsets_slice_back(example_text):
    r = run_cli("analyze", EXAMPLE, "--format", "json")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert doc["text"] == example_text
    assert doc["title"].startswith("The Harbour Bridge Scandal")
    assert doc["spans"], "the example article is full of propaganda; the model must find some"
    for s in doc["spans"]:
        assert doc["text"][s["start"] : s["end"]] == s["text"]
        assert 0.0 <= s["confidence"] <= 1.0
    assert doc["counts"] and 0 < doc["density"] <= 1


def test_analyze_stdin_and_ptc(example_text):
    r = run_cli("analyze", "-", "--format", "ptc", stdin=example_text)
    assert r.code == 0, r.err
    for line in r.out.splitlines():
        src, tech, start, end = line.split("\t")
        assert src == "<stdin>" and int(start) < int(end)


def test_analyze_plain_output_when_not_a_terminal():
    r = run_cli("analyze", EXAMPLE)
    assert r.code == 0
    assert "propaganda density" in r.out and "\x1b[" not in r.out


def test_analyze_html_report(tmp_path):
    out = tmp_path / "report.html"
    r = run_cli("analyze", str(FIXTURES / "html" / "hostile.html"), "--html", str(out), "--format", "json")
    assert r.code == 0, r.err
    page = out.read_text()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    doc = json.loads(r.out)
    assert "<script>alert" in doc["text"]  # the JSON carries the analysed text itself


def test_multi_source_run_reports_bad_sources_and_analyses_the_rest(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    out = tmp_path / "out.jsonl"
    r = run_cli("analyze", EXAMPLE, str(empty), str(tmp_path / "missing.txt"), str(MINI / "train-articles"),
                "--format", "json", "-o", str(out))
    assert r.code == 2
    assert_one_line_error(r, "empty.txt: is empty", "missing.txt: no such file")
    docs = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(docs) == 4  # the example and the three mini articles


def test_non_english_text_warns_but_is_analysed(tmp_path):
    path = tmp_path / "de.txt"
    path.write_text("Die Regierung hat gestern beschlossen, dass die Brücke über den Fluss für ein Jahr "
                    "geschlossen wird. Viele Bürger sind darüber sehr verärgert und wollen dagegen protestieren, "
                    "weil sie nicht gefragt wurden und die Umleitung sehr lang ist.")
    r = run_cli("analyze", str(path), "--format", "json")
    assert r.code == 0
    assert "warning" in r.err and "non-English" in r.err and "(detected: de)" in r.err
    assert json.loads(r.out)["language"] == "de"


@pytest.mark.parametrize(
    "content,needle",
    [
        (b"", "is empty"),
        (b" \n\t\n", "is empty"),
        (b"\x00\x01\x02binary\x00" * 50, "binary"),
        (("Caf\u00e9 " * 40).encode("utf-8")[:30] + b"\xff\xfe" + ("Caf\u00e9 " * 40).encode("utf-8"), "not valid UTF-8"),
    ],
)
def test_bad_text_inputs(tmp_path, content, needle):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    out = tmp_path / "out.json"
    r = run_cli("analyze", str(path), "--format", "json", "-o", str(out))
    assert_one_line_error(r, needle)
    assert not out.exists()
    assert not list(tmp_path.glob(".*tmp"))


def test_bad_sources(tmp_path):
    (tmp_path / "nothing").mkdir()
    big = tmp_path / "big.txt"
    big.write_text("word " * 500)
    cases = [
        ((str(tmp_path / "missing.txt"),), "no such file"),
        ((str(tmp_path / "nothing"),), "no .txt or .html articles"),
        ((str(big), "--max-bytes", "100"), "over the"),
        ((str(FIXTURES / "html" / "no_article.html"),), "no article text"),
        (("http://127.0.0.1:9/",), "non-public address"),
        (("ftp://example.org/x",), "only http and https"),
    ]
    for args, needle in cases:
        html_out = tmp_path / "r.html"
        r = run_cli("analyze", *args, "--html", str(html_out))
        assert_one_line_error(r, needle)
        assert not html_out.exists()


def test_predict_formats():
    r = run_cli("predict", str(MINI / "train-articles"), "--format", "ptc")
    assert r.code == 0, r.err
    for line in r.out.splitlines():
        aid, tech, s, e = line.split("\t")
        assert aid in {"9001", "9002", "9003"} and int(s) < int(e)
    r = run_cli("predict", str(MINI / "train-articles"), "--format", "si")
    assert r.code == 0
    by_article: dict[str, list[tuple[int, int]]] = {}
    for line in r.out.splitlines():
        aid, s, e = line.split("\t")
        by_article.setdefault(aid, []).append((int(s), int(e)))
    for spans in by_article.values():
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), "SI spans must be merged and sorted"


def test_predict_tc_keeps_order_and_lines(tmp_path):
    spans = tmp_path / "spans.tsv"
    lines = (MINI / "train-task-flc-tc.labels").read_text().splitlines()
    spans.write_text("\n".join(ln.replace(ln.split("\t")[1], "?") for ln in lines) + "\n")
    r = run_cli("predict", str(MINI / "train-articles"), "--spans", str(spans), "--format", "ptc")
    assert r.code == 0, r.err
    out = r.out.splitlines()
    assert len(out) == len(lines)
    for got, want in zip(out, lines):
        g, w = got.split("\t"), want.split("\t")
        assert (g[0], g[2], g[3]) == (w[0], w[2], w[3]) and g[1] != "?"
    # the same span listed twice gets two different techniques
    dup = [g.split("\t")[1] for g in out if g.split("\t")[2:] == ["302", "318"]]
    assert len(dup) == 2 and dup[0] != dup[1]


def test_predict_same_with_worker_processes(tmp_path):
    """Worker processes change only the speed: same lines, same order, in all three formats."""
    folder = tmp_path / "articles"
    folder.mkdir()
    sources = sorted((MINI / "train-articles").glob("article*.txt"))
    spans = tmp_path / "spans.tsv"
    tc_lines = []
    for k in range(9):  # more articles than one worker task holds
        src = sources[k % len(sources)]
        aid = f"{k + 1:03d}"
        (folder / f"article{aid}.txt").write_bytes(src.read_bytes())
        old = src.stem.removeprefix("article")
        tc_lines += [f"{aid}\t?\t{ln.split(chr(9))[2]}\t{ln.split(chr(9))[3]}"
                     for ln in (MINI / "train-task-flc-tc.labels").read_text().splitlines() if ln.startswith(old)]
    spans.write_text("\n".join(tc_lines[::-1]) + "\n")
    for extra in (["--format", "ptc"], ["--format", "si"], ["--spans", str(spans)]):
        one = run_cli("predict", str(folder), "--workers", "1", *extra)
        two = run_cli("predict", str(folder), "--workers", "2", *extra)
        assert one.code == two.code == 0, two.err
        assert one.out and one.out == two.out
        ids = [ln.split("\t")[0] for ln in one.out.splitlines()]
        if extra[0] == "--spans":
            assert ids == [ln.split("\t")[0] for ln in tc_lines[::-1]]
            continue
        assert ids == sorted(ids)
        rows: dict[str, list[list[str]]] = {}
        for ln in one.out.splitlines():
            rows.setdefault(ln.split("\t")[0], []).append(ln.split("\t")[1:])
        for k in range(3):  # copies of one article, wherever they were analysed, get the same spans
            assert rows.get(f"{k + 1:03d}") == rows.get(f"{k + 4:03d}") == rows.get(f"{k + 7:03d}")
        assert len(rows) >= 6


def test_predict_bad_inputs(tmp_path):
    assert_one_line_error(run_cli("predict", str(tmp_path)), "no articleNNN.txt")
    assert_one_line_error(run_cli("predict", str(tmp_path / "nope")), "is not a folder")
    bad = tmp_path / "spans.tsv"
    bad.write_text("9001\tx\tstart\tend\n")
    assert_one_line_error(run_cli("predict", str(MINI / "train-articles"), "--spans", str(bad)), "integers")


def test_evaluate_prediction_file(tmp_path):
    pred = tmp_path / "pred.tsv"
    pred.write_text((MINI / "train-task-flc-tc.labels").read_text())
    r = run_cli("evaluate", "--gold", str(MINI / "train-task-flc-tc.labels"), "--pred", str(pred), "--task", "labelled", "--json")
    assert r.code == 0, r.err
    report = json.loads(r.out)
    assert report["labelled"]["f1"] == pytest.approx(1.0)
    assert report["si"]["f1"] == pytest.approx(1.0)


def test_evaluate_runs_the_model():
    r = run_cli("evaluate", "--gold", str(MINI / "train-task-flc-tc.labels"), "--articles", str(MINI / "train-articles"), "--json")
    assert r.code == 0, r.err
    report = json.loads(r.out)
    assert report["articles"] == 3
    assert 0 <= report["si"]["f1"] <= 1 and 0 <= report["tc_micro_f1"] <= 1


def test_console_script_runs_as_a_real_process(tmp_path):
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    p = subprocess.run([sys.executable, "-m", "propscan", "analyze", str(tmp_path / "missing.txt")],
                       capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 2
    assert p.stderr.strip().count("\n") == 0 and "no such file" in p.stderr
    p = subprocess.run([sys.executable, "-m", "propscan", "techniques"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stdout.count("Example:") == 14


@pytest.mark.parametrize("args,option", [
    (("analyze", EXAMPLE, "--max-bytes", "-5"), "--max-bytes"),
    (("analyze", EXAMPLE, "--timeout", "0"), "--timeout"),
    (("predict", str(MINI / "train-articles"), "--workers", "0"), "--workers"),
    (("crossval", "--window-tokens", "20"), "--window-tokens"),
    (("train", "--epochs", "0"), "--epochs"),
])
def test_out_of_range_option_values_are_usage_errors(args, option):
    r = run_cli(*args)
    assert r.code == 2, r.err
    assert option in r.err and "Traceback" not in r.err and "internal error" not in r.err
    assert r.err.strip().count("\n") == 0 and r.err.startswith("propscan: error:")  # one line, as other errors


@pytest.mark.parametrize("args,says", [
    (("analyze", "x.txt", "--bogus"), "No such option: --bogus (see 'propscan analyze --help')"),
    (("nosuchcommand",), "No such command 'nosuchcommand' (see 'propscan --help')"),
])
def test_usage_errors_are_one_line_naming_the_help(args, says):
    r = run_cli(*args)
    assert (r.code, r.err.strip()) == (2, f"propscan: error: {says}")
