"""`propscan batch` and `propscan stats` on real inputs: every format, bad input, resume, engines."""

from __future__ import annotations

import json
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from batch_corpus import article, folder_corpus, mixed_inputs
from conftest import ROOT, run_cli


def table(out: Path, name: str) -> list[dict]:
    return ds.dataset(out / name, format="parquet").to_table().to_pylist()


def propscan(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "propscan", *args], capture_output=True, text=True, cwd=ROOT, **kw)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> dict[str, Path]:
    return mixed_inputs(tmp_path_factory.mktemp("inputs"))


@pytest.fixture(scope="module")
def mixed_run(mixed, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "run"
    inputs = [str(p) for p in mixed.values()] + [str(mixed["folder"].parent / "missing.jsonl")]
    result = run_cli("batch", *inputs, "--out", str(out), "--chunk-size", "3", "--sqlite", str(out.with_suffix(".db")))
    return out, result


def test_every_format_is_read(mixed_run):
    out, result = mixed_run
    docs = {d["id"]: d for d in table(out, "documents")}
    warc_ids = {i for i in docs if i.startswith("<urn:uuid:")}
    assert set(docs) - warc_ids == {"site/politics/one.txt", "site/politics/page.html", "j1", "j2", "g1", "c1", "c2",
                                    "p1", "p2"}
    warc = [d for d in docs.values() if d["input"].endswith("crawl.warc.gz")]
    assert len(warc) == 1 and warc[0]["url"] == "https://news.example.com/riverside"
    assert warc[0]["date"].startswith("2024-03-05T10:00:00") and warc[0]["source"] == "news.example.com"
    assert warc[0]["title"] == "Mayor's Plan Will Ruin the Riverside"
    assert docs["site/politics/one.txt"]["source"] == "politics"
    assert docs["j1"]["source"] == "Daily Bugle" and docs["j1"]["date"] == "2024-01-15T00:00:00"
    assert docs["j2"]["source"] == "bugle.example"  # from the URL when no source field
    assert docs["p1"]["date"] == "2024-03-01T08:00:00" and docs["c2"]["source"] == "Herald"
    spans = table(out, "spans")
    for d in docs.values():
        own = [s for s in spans if s["doc_id"] == d["id"]]
        assert len(own) == d["n_spans"] == sum(v for k, v in d.items() if k.startswith("count_"))
    assert result.code == 2 and "missing.jsonl: no such file" in result.err


def test_bad_input_goes_to_the_errors_table(mixed_run, mixed):
    out, result = mixed_run
    errors = {(e["id"], e["reason"]) for e in table(out, "errors")}
    reasons = " | ".join(r for _, r in errors)

    def has(id_part: str, words: str) -> bool:
        return any(id_part in i and words.lower() in r.lower() for i, r in errors)

    assert has("empty.txt", "empty") and has("binary.txt", "binary")
    assert has("feed.jsonl:3", "not valid JSON") and has("feed.jsonl:4", "not a JSON object")
    assert has("j1", "duplicate id") and has("j5", "neither") and has("j6", "empty")
    assert has("cut.jsonl.gz", "cannot be read"), reasons
    assert has("nocolumns.csv", "missing column") and has("broken.parquet", "cannot be read")
    assert has("urn:uuid", "truncated") and has("missing.jsonl", "no such file")
    assert not any("notes.md" in i for i, _ in errors)  # not an article file: ignored, not an error
    assert "j1-copy" not in {d["id"] for d in table(out, "documents")}  # same content as j1: skipped
    assert "1 skipped" in result.err


def test_sqlite_holds_the_same_tables(mixed_run):
    out, _ = mixed_run
    db = sqlite3.connect(out.with_suffix(".db"))
    assert db.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == len(table(out, "documents"))
    assert db.execute("SELECT COUNT(*) FROM spans").fetchone()[0] == len(table(out, "spans"))
    assert db.execute("SELECT COUNT(*) FROM errors").fetchone()[0] == len(table(out, "errors"))


def test_documents_carry_partisanship_and_claims(mixed_run):
    out, _ = mixed_run
    docs = {d["id"]: d for d in table(out, "documents")}
    claims = table(out, "claims")
    spans = {(s["doc_id"], s["start"]): s for s in table(out, "spans")}
    assert claims, "the batch corpus states facts"
    for d in docs.values():
        own = [c for c in claims if c["doc_id"] == d["id"]]
        assert d["n_claims"] is None or len(own) == d["n_claims"]
        assert d["words"] > 0
        if d["words"] >= 100 and d["language"] == "en":
            assert 0 <= d["hyperpartisan_probability"] <= 1
        elif d["words"] < 100:
            assert d["hyperpartisan_probability"] is None
    for c in claims:
        assert c["text"].strip() == c["text"] and c["end"] - c["start"] == len(c["text"])
        assert 0 <= c["score"] <= 1
    assert spans  # the spans table is still written beside
    attributions = table(out, "attributions")
    for a in attributions:
        assert a["content_end"] > a["content_start"] and a["doc_id"] in docs
        assert a["speaker"] is None or a["source_text"] is not None
    for s in spans.values():
        assert s["voice"] in ("author", "quoted") and (s["speaker"] is None or s["voice"] == "quoted")
    for d in docs.values():
        assert d["density_author"] is None or 0 <= d["density_author"] <= 1
    db = sqlite3.connect(out.with_suffix(".db"))
    assert db.execute("SELECT COUNT(*) FROM claims").fetchone()[0] == len(claims)
    assert db.execute("SELECT COUNT(*) FROM attributions").fetchone()[0] == len(attributions)
    assert db.execute("SELECT COUNT(*) FROM documents WHERE hyperpartisan_probability IS NOT NULL").fetchone()[0] == \
        sum(d["hyperpartisan_probability"] is not None for d in docs.values())


def test_spans_only_writes_the_same_spans_without_the_reading_aids(mixed_run, mixed, tmp_path):
    full, _ = mixed_run
    out = tmp_path / "spans-only"
    result = run_cli("batch", str(mixed["folder"]), "--out", str(out), "--spans-only")
    assert result.code == 0, result.err
    docs = table(out, "documents")
    assert docs and all(d["hyperpartisan_probability"] is None and d["n_claims"] is None for d in docs)
    assert table(out, "claims") == [] and table(out, "attributions") == []
    ids = {d["id"] for d in docs}
    key = lambda s: (s["doc_id"], s["start"], s["end"], s["technique"], s["confidence"])  # noqa: E731
    mine = sorted(key(s) for s in table(out, "spans"))
    assert mine and mine == sorted(key(s) for s in table(full, "spans") if s["doc_id"] in ids)
    assert all(s["voice"] is None for s in table(out, "spans"))


def test_rerun_skips_everything(mixed_run, mixed):
    out, _ = mixed_run
    before = {t: len(table(out, t)) for t in ("documents", "spans", "claims", "attributions", "errors")}
    inputs = [str(p) for p in mixed.values()]
    again = run_cli("batch", *inputs, "--out", str(out), "--chunk-size", "3")
    assert again.code == 0 and "done: 0 documents" in again.err
    assert {t: len(table(out, t)) for t in ("documents", "spans", "claims", "attributions", "errors")} == before


def test_field_mapping(tmp_path):
    src = tmp_path / "mapped.csv"
    src.write_text("doc,body,outlet,published\nm1,\"" + article(11) + "\",Courier,05 Mar 2024 10:00:00 GMT\n",
                   encoding="utf-8")
    out = tmp_path / "out"
    r = run_cli("batch", str(src), "--out", str(out), "--id-field", "doc", "--text-field", "body",
                "--source-field", "outlet", "--date-field", "published")
    assert r.code == 0, r.err
    (doc,) = table(out, "documents")
    assert (doc["id"], doc["source"], doc["date"]) == ("m1", "Courier", "2024-03-05T10:00:00+00:00")


def test_output_not_writable(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    r = run_cli("batch", str(tmp_path), "--out", str(blocker / "out"))
    assert r.code == 2 and "cannot write" in r.err and len(r.err.strip().splitlines()) == 1


def test_needs_an_output(tmp_path):
    r = run_cli("batch", str(tmp_path))
    assert r.code == 2 and "--out" in r.err


# --- resume ------------------------------------------------------------------------------------

def committed_documents(out: Path) -> int:
    """Documents of the chunks whose entry has arrived (a documents part without one is not committed)."""
    entries = [json.loads(e.read_text()) for e in (out / "_chunks").glob("chunk-*.json")]
    return sum(p["rows"] for e in entries for p in e["parts"] if p["table"] == "documents")


def _rows(out: Path) -> tuple[list, list]:
    docs = sorted(json.dumps(d, sort_keys=True) for d in table(out, "documents"))
    spans = sorted(json.dumps(s, sort_keys=True) for s in table(out, "spans"))
    return docs, spans


def test_resume_after_kill_matches_an_uninterrupted_run(tmp_path):
    corpus = folder_corpus(tmp_path / "corpus", 40)
    clean = tmp_path / "clean"
    assert propscan("batch", str(corpus), "--out", str(clean), "--chunk-size", "4", "-q").returncode == 0

    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "propscan", "batch", str(corpus), "--out", str(out),
                             "--chunk-size", "4", "-q"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (out / "_chunks" / "chunk-00001.json").exists():
        assert time.monotonic() < deadline and proc.poll() is None, "batch ended before it could be killed"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = committed_documents(out)
    assert 8 <= partial < 40, "killed mid-run, after at least two committed chunks"

    resumed = propscan("batch", str(corpus), "--out", str(out), "--chunk-size", "4", "-q")
    assert resumed.returncode == 0 and f"{partial} skipped" in resumed.stderr
    docs, spans = _rows(out)
    assert len(docs) == 40 and len({json.loads(d)["id"] for d in docs}) == 40
    assert (docs, spans) == _rows(clean)


def test_leftovers_of_an_interrupted_chunk_are_removed(tmp_path):
    corpus = folder_corpus(tmp_path / "corpus", 6)
    out = tmp_path / "out"
    assert run_cli("batch", str(corpus), "--out", str(out), "--chunk-size", "3").code == 0
    # a crash between writing a chunk's spans and committing its documents
    shutil.copy(out / "spans" / "part-00001.parquet", out / "spans" / "part-00002.parquet")
    (out / "documents" / ".part-00002.parquet.tmp").write_bytes(b"half a file")
    assert run_cli("batch", str(corpus), "--out", str(out), "--chunk-size", "3").code == 0
    assert not (out / "spans" / "part-00002.parquet").exists()
    assert not (out / "documents" / ".part-00002.parquet.tmp").exists()
    assert len(table(out, "spans")) == sum(d["n_spans"] for d in table(out, "documents"))


def _limit_file_size():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG, like a full disk
    resource.setrlimit(resource.RLIMIT_FSIZE, (6_000, 6_000))


def test_full_disk_stops_cleanly_and_resumes(tmp_path):
    corpus = folder_corpus(tmp_path / "corpus", 12)
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "propscan", "batch", str(corpus), "--out", str(out), "--chunk-size", "4",
                        "-q"], cwd=ROOT, capture_output=True, text=True, preexec_fn=_limit_file_size)
    assert r.returncode == 2 and "cannot write chunk" in r.stderr and "Traceback" not in r.stderr
    for part in (out / "documents").glob("*.parquet"):  # whatever is visible is complete and committed
        pq.read_table(part)
        assert (out / "spans" / part.name).exists() or pq.read_table(part).column("n_spans").to_pylist() == [0] * 4
    assert not list(out.rglob(".part-*"))
    r = propscan("batch", str(corpus), "--out", str(out), "--chunk-size", "4", "-q")
    assert r.returncode == 0
    assert len(table(out, "documents")) == 12


# --- engines -----------------------------------------------------------------------------------

def test_two_local_workers_give_the_same_tables(tmp_path):
    corpus = folder_corpus(tmp_path / "corpus", 10)
    one, two = tmp_path / "one", tmp_path / "two"
    assert propscan("batch", str(corpus), "--out", str(one), "-q").returncode == 0
    assert propscan("batch", str(corpus), "--out", str(two), "--workers", "2", "-q").returncode == 0
    assert _rows(one) == _rows(two)


def _loopback_only(cmd: list[str]) -> list[str]:
    """Run cmd in a new network namespace that has nothing but loopback (Ray listens on all interfaces)."""
    return ["unshare", "--net", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *cmd]


def _can_isolate() -> bool:
    if not shutil.which("unshare") or not shutil.which("ip"):
        return False
    return subprocess.run(_loopback_only(["true"]), capture_output=True).returncode == 0


@pytest.mark.skipif(not _can_isolate(), reason="needs `unshare --net` (root) to keep the Ray cluster on loopback")
def test_ray_engine_matches_the_local_engine(tmp_path, mixed):
    pytest.importorskip("ray.data")
    inputs = [str(mixed["folder"]), str(mixed["jsonl"]), str(mixed["csv"]), str(mixed["warc"]), str(mixed["parquet"])]
    local, on_ray = tmp_path / "local", tmp_path / "ray"
    assert propscan("batch", *inputs, "--out", str(local), "--workers", "2", "-q").returncode == 0
    r = subprocess.run(_loopback_only([sys.executable, "-m", "propscan", "batch", *inputs, "--out", f"file://{on_ray}",
                                       "--engine", "ray", "--workers", "2", "-q"]),
                       cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert _rows(local) == _rows(on_ray)
    errors = lambda out: sorted((e["id"], e["reason"]) for e in table(out, "errors"))  # noqa: E731
    assert errors(local) == errors(on_ray)
