"""`propscan stats` on a hand-made output folder, checked against numbers worked out by hand."""

from __future__ import annotations

import csv

import pytest

from conftest import run_cli
from propscan.batch.records import COUNT_COLUMNS
from propscan.batch.stats import corpus_stats
from propscan.batch.tables import ParquetParts


def doc(id, source, date, length, density, counts):
    row = {"id": id, "source": source, "url": "", "date": date, "title": f"Title {id}", "language": "en",
           "length": length, "density": density, "n_spans": sum(counts.values()),
           "model_version": "m", "content_hash": id, "input": "x"}
    row.update({col: counts.get(name, 0) for name, col in COUNT_COLUMNS.items()})
    return row


def span(doc_id, technique, text):
    return {"doc_id": doc_id, "start": 0, "end": len(text), "technique": technique, "confidence": 0.5, "text": text}


@pytest.fixture()
def folder(tmp_path):
    docs = [
        doc("a", "Herald", "2024-01-03T10:00:00", 1000, 0.10, {"Loaded_Language": 2, "Doubt": 1}),
        doc("b", "Herald", "2024-01-20", 3000, 0.30, {"Loaded_Language": 1}),
        doc("c", "<script>Bugle</script>", "2024-02-07", 2000, 0.05, {"Slogans": 1}),
        doc("d", "", "", 500, 0.0, {}),
    ]
    spans = [span("a", "Loaded_Language", "Reckless"), span("a", "Loaded_Language", "reckless "),
             span("a", "Doubt", "Can we trust them?"), span("b", "Loaded_Language", "disaster"),
             span("c", "Slogans", "Stop the madness!")]
    parts = ParquetParts(str(tmp_path / "out"))
    parts.prepare()
    parts.write_chunk(0, {"documents": docs[:2], "spans": spans[:4], "errors": []})
    parts.write_chunk(1, {"documents": docs[2:], "spans": spans[4:], "errors": []})
    return tmp_path / "out"


def test_groups_by_source(folder):
    s = corpus_stats(str(folder), "source")
    herald = s["groups"][0]
    assert herald["source"] == "Herald" and herald["documents"] == 2 and herald["spans"] == 4
    assert herald["mean_density"] == 0.2  # (0.10 + 0.30) / 2
    assert herald["spans_per_1k_chars"] == 1.0  # 4 spans over 4,000 characters
    assert herald["Loaded_Language"] == 3 and herald["Doubt"] == 1 and herald["Slogans"] == 0
    assert [g["source"] for g in s["groups"]] == ["Herald", "(unknown source)", "<script>Bugle</script>"]


def test_groups_by_month_and_week(folder):
    months = {g["month"]: g for g in corpus_stats(str(folder), "month")["groups"]}
    assert months["2024-01"]["documents"] == 2 and months["2024-02"]["documents"] == 1
    assert months["(undated)"]["documents"] == 1
    weeks = {g["week"]: g["documents"] for g in corpus_stats(str(folder), "week")["groups"]}
    assert weeks == {"2024-W01": 1, "2024-W03": 1, "2024-W06": 1, "(undated)": 1}


def test_top_spans_and_ranking(folder):
    s = corpus_stats(str(folder))
    loaded = [r for r in s["top_spans"] if r["technique"] == "Loaded_Language"]
    assert loaded[0] == {"technique": "Loaded_Language", "text": "reckless", "count": 2}  # case and spaces folded
    assert [r["id"] for r in s["ranked"] if r["rank"].startswith("most")] == ["b", "a", "c", "d"]
    assert [r["id"] for r in s["ranked"] if r["rank"].startswith("least")] == ["d", "c", "a", "b"]


def test_cli_writes_csv_and_escaped_html(folder, tmp_path):
    report, table = tmp_path / "r.html", tmp_path / "t.csv"
    r = run_cli("stats", str(folder), "--by", "source", "--html", str(report), "--csv", str(table))
    assert r.code == 0 and "Herald" in r.out
    rows = list(csv.DictReader(table.open()))
    assert rows[0]["source"] == "Herald" and rows[0]["mean_density"] == "0.2"
    assert (tmp_path / "t.top_spans.csv").exists() and (tmp_path / "t.documents.csv").exists()
    html = report.read_text()
    assert "<script>Bugle" not in html and "&lt;script&gt;Bugle" in html and "<svg" in html


def test_stats_on_a_folder_that_is_not_an_output(tmp_path):
    r = run_cli("stats", str(tmp_path))
    assert r.code == 2 and "documents" in r.err and len(r.err.strip().splitlines()) == 1
