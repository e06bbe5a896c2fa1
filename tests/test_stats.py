"""`propscan stats` on a hand-made output folder, checked against numbers worked out by hand."""

from __future__ import annotations

import csv

import pytest

from conftest import run_cli
from propscan.batch.records import COUNT_COLUMNS
from propscan.batch.stats import corpus_stats
from propscan.batch.tables import ParquetParts


def doc(id, source, date, length, density, counts, partisan=None, claims=None, words=None):
    row = {"id": id, "source": source, "url": "", "date": date, "title": f"Title {id}", "language": "en",
           "length": length, "density": density, "n_spans": sum(counts.values()),
           "words": words if words is not None else length // 5, "hyperpartisan_probability": partisan,
           "n_claims": claims, "model_version": "m", "content_hash": id, "input": "x"}
    row.update({col: counts.get(name, 0) for name, col in COUNT_COLUMNS.items()})
    return row


def span(doc_id, technique, text, speaker=None):
    return {"doc_id": doc_id, "start": 0, "end": len(text), "technique": technique, "confidence": 0.5, "text": text,
            "voice": "quoted" if speaker else "author", "speaker": speaker}


@pytest.fixture()
def folder(tmp_path):
    docs = [
        doc("a", "Herald", "2024-01-03T10:00:00", 1000, 0.10, {"Loaded_Language": 2, "Doubt": 1}, 0.9, 2, 200),
        doc("b", "Herald", "2024-01-20", 3000, 0.30, {"Loaded_Language": 1}, 0.5, 1, 600),
        doc("c", "<script>Bugle</script>", "2024-02-07", 2000, 0.05, {"Slogans": 1}),
        doc("d", "", "", 500, 0.0, {}),
    ]
    spans = [span("a", "Loaded_Language", "Reckless", "Marta Ilic"), span("a", "Loaded_Language", "reckless "),
             span("a", "Doubt", "Can we trust them?", "Marta  Ilic"), span("b", "Loaded_Language", "disaster", "Bob"),
             span("c", "Slogans", "Stop the madness!")]
    parts = ParquetParts(str(tmp_path / "out"))
    parts.prepare()
    claims = [{"doc_id": "a", "start": 0, "end": 30, "score": 0.7, "text": "Taxes rose by  ten percent."},
              {"doc_id": "a", "start": 31, "end": 60, "score": 0.95, "text": "The bridge cost $4m."},
              {"doc_id": "b", "start": 0, "end": 20, "score": 0.8, "text": "Crime fell 3%."}]
    parts.write_chunk(0, {"documents": docs[:2], "spans": spans[:4], "claims": claims, "errors": []})
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


def test_partisanship_and_claims_per_group(folder):
    s = corpus_stats(str(folder), "source")
    herald, unknown, bugle = s["groups"]
    assert herald["mean_hyperpartisan"] == 0.7  # (0.9 + 0.5) / 2
    assert herald["claims_per_1k_words"] == 3.75  # 3 claims over 800 words
    assert bugle["mean_hyperpartisan"] is None and bugle["claims_per_1k_words"] is None  # never read
    assert s["claims"] == 3
    assert [(r["source"], r["score"]) for r in s["top_claims"]] == [("Herald", 0.95), ("Herald", 0.8), ("Herald", 0.7)]
    assert s["top_claims"][2]["text"] == "Taxes rose by ten percent."  # spacing folded
    r = run_cli("stats", str(folder))
    assert r.code == 0 and "Most check-worthy claims" in r.out and "The bridge cost $4m." in r.out


def test_speakers_quoted_with_techniques(folder):
    s = corpus_stats(str(folder), "source")
    rows = [(r["source"], r["speaker"], r["spans"]) for r in s["quoted_speakers"]]
    assert rows == [("Herald", "Marta Ilic", 2), ("Herald", "Bob", 1)]  # spacing folded; most first
    assert "Loaded language 1" in s["quoted_speakers"][0]["top_techniques"]


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
    assert list(csv.DictReader((tmp_path / "t.claims.csv").open()))[0]["text"] == "The bridge cost $4m."
    html = report.read_text()
    assert "<script>Bugle" not in html and "&lt;script&gt;Bugle" in html and "<svg" in html


def test_stats_on_a_folder_that_is_not_an_output(tmp_path):
    r = run_cli("stats", str(tmp_path))
    assert r.code == 2 and "documents" in r.err and len(r.err.strip().splitlines()) == 1
