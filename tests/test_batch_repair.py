"""A damaged batch output (issue 28): a part cut short, changed by one byte or deleted, a SQLite
file cut short or missing one chunk's rows. Resuming reports the damage by name and ends with
exactly the rows of a clean run; `propscan batch --verify` finds the same damage without analysing."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from batch_corpus import feed_with_a_duplicate
from conftest import CliResult, run_cli

TABLES = ("documents", "spans", "claims", "attributions", "errors")
DAMAGED_CHUNK = "part-00000.parquet"  # a0 and j1: the duplicate-id error of chunk 2 depends on j1


def batch(*args: str) -> CliResult:
    """`propscan batch ARGS` in-process; the CLI prints a repeated message only once per process
    (`_err` is cached), and every run here must say what it did."""
    from propscan.cli import _err

    _err.cache_clear()
    return run_cli("batch", *args)


def parquet_rows(out: Path) -> dict[str, set[str]]:
    return {t: {json.dumps(r, sort_keys=True) for r in ds.dataset(out / t, format="parquet").to_table().to_pylist()}
            for t in TABLES}


def sqlite_rows(path: Path) -> dict[str, set[tuple]]:
    db = sqlite3.connect(path)
    try:
        return {t: set(db.execute(f"SELECT * FROM {t}")) for t in TABLES}
    finally:
        db.close()


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> dict[str, Path]:
    """One uninterrupted run into both outputs: the reference every repaired output must equal."""
    root = tmp_path_factory.mktemp("clean")
    feed = feed_with_a_duplicate(root / "feed.jsonl")
    out, db = root / "out", root / "out.db"
    r = batch(str(feed), "--out", str(out), "--sqlite", str(db), "--chunk-size", "2")
    assert r.code == 0, r.err
    rows = parquet_rows(out)
    assert len(rows["documents"]) == 5 and len(rows["errors"]) == 2 and rows["spans"]
    assert any("duplicate id 'j1'" in e for e in rows["errors"])
    assert pq.read_table(out / "documents" / DAMAGED_CHUNK).column("id").to_pylist() == ["a0", "j1"]
    assert pq.read_table(out / "spans" / DAMAGED_CHUNK).num_rows > 0
    return {"feed": feed, "out": out, "db": db}


def cut_short(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


def change_one_byte(path: Path) -> None:
    """Flip the case of one letter inside a string value stored verbatim in the file, where it
    changes what is read (bit rot that leaves the file readable: a reader without checksums takes
    the wrong value for the right one)."""
    original = path.read_bytes()
    table = pq.read_table(path)
    values = sorted({v for c in table.column_names if table.schema.field(c).type == "string"
                     for v in table.column(c).to_pylist() if v and len(v) >= 12}, key=len, reverse=True)
    for value in values:
        raw = value.encode("utf-8")
        letter = next((i for i in range(len(raw) // 2, len(raw)) if chr(raw[i]).isalpha()), None)
        at = original.find(raw)
        while letter is not None and at >= 0:
            data = bytearray(original)
            data[at + letter] ^= 0x20
            path.write_bytes(bytes(data))
            try:
                changed = pq.read_table(path)
            except OSError:
                changed = None
            if changed is not None and changed.num_rows == table.num_rows and changed != table:
                return
            at = original.find(raw, at + 1)
    raise AssertionError(f"no string value stored verbatim in {path}")


def delete(path: Path) -> None:
    path.unlink()


DAMAGE = {"cut short": cut_short, "one byte changed": change_one_byte, "deleted": delete}


def damaged_copy(clean: dict[str, Path], where: Path, table: str, damage: str) -> Path:
    out = where / "out"
    shutil.copytree(clean["out"], out)
    DAMAGE[damage](out / table / DAMAGED_CHUNK)
    return out


@pytest.mark.parametrize("damage", DAMAGE)
@pytest.mark.parametrize("table", ["documents", "spans"])
def test_a_damaged_part_is_named_and_its_documents_analysed_again(clean, tmp_path, table, damage):
    out = damaged_copy(clean, tmp_path, table, damage)
    r = batch(str(clean["feed"]), "--out", str(out), "--chunk-size", "2")
    assert r.code == 0, r.err
    assert f"{table}/{DAMAGED_CHUNK}" in r.err and "analysed again" in r.err
    assert "done: 2 documents" in r.err  # the damaged chunk's two documents, no more
    assert parquet_rows(out) == parquet_rows(clean["out"])
    again = batch(str(clean["feed"]), "--out", str(out), "--chunk-size", "2")
    assert again.code == 0 and "warning" not in again.err and "done: 0 documents" in again.err
    assert parquet_rows(out) == parquet_rows(clean["out"])


@pytest.mark.parametrize("entry", ['{"format": 1, "chunk": 0, "par', '{"format": 1, "chunk": 0, "parts": []}',
                                   '{"chunk": 0, "parts": [{"table": "documents", "name": "part-00000.parquet", '
                                   '"rows": 2, "bytes": "9993", "sha256": "x"}]}'])
def test_a_damaged_entry_is_named_and_its_chunk_analysed_again(clean, tmp_path, entry):
    out = tmp_path / "out"
    shutil.copytree(clean["out"], out)
    (out / "_chunks" / "chunk-00000.json").write_text(entry)
    r = batch(str(clean["feed"]), "--out", str(out), "--chunk-size", "2")
    assert r.code == 0 and "_chunks/chunk-00000.json: unreadable entry" in r.err, r.err
    assert "done: 2 documents" in r.err and parquet_rows(out) == parquet_rows(clean["out"])


@pytest.mark.parametrize("damage", DAMAGE)
def test_verify_names_the_damaged_part_and_changes_nothing(clean, tmp_path, damage):
    out = damaged_copy(clean, tmp_path, "spans", damage)
    before = sorted((p.relative_to(out), p.stat().st_size) for p in out.rglob("*") if p.is_file())
    r = batch("--verify", "--out", str(out))
    assert r.code == 1 and f"spans/{DAMAGED_CHUNK}" in r.out and "chunk 0" in r.out
    assert sorted((p.relative_to(out), p.stat().st_size) for p in out.rglob("*") if p.is_file()) == before


def test_verify_passes_a_whole_output(clean):
    r = batch("--verify", "--out", str(clean["out"]), "--sqlite", str(clean["db"]))
    assert r.code == 0, r.out + r.err
    assert "4 chunks whole (5 documents" in r.out and "whole (5 documents" in r.out


def test_verify_refuses_a_folder_that_is_no_output(tmp_path):
    r = batch("--verify", "--out", str(tmp_path))
    assert r.code == 2 and "not the output of `propscan batch`" in r.err and len(r.err.strip().splitlines()) == 1


def test_an_output_without_entries_is_read_in_full_and_given_entries(clean, tmp_path):
    """Written by a propscan before entries existed: whole chunks are kept, a cut-off one redone."""
    out = tmp_path / "out"
    shutil.copytree(clean["out"], out)
    shutil.rmtree(out / "_chunks")
    (out / "_propscan_batch.json").unlink()
    cut_short(out / "spans" / DAMAGED_CHUNK)
    check = batch("--verify", "--out", str(out))
    assert check.code == 1 and f"spans/{DAMAGED_CHUNK}: unreadable" in check.out
    r = batch(str(clean["feed"]), "--out", str(out), "--chunk-size", "2")
    assert r.code == 0, r.err
    assert f"spans/{DAMAGED_CHUNK}" in r.err and "older propscan: 3 chunks read in full" in r.err
    assert "done: 2 documents" in r.err and parquet_rows(out) == parquet_rows(clean["out"])
    assert len(list((out / "_chunks").glob("chunk-*.json"))) == 4
    assert batch("--verify", "--out", str(out)).code == 0


def test_a_lost_spans_part_of_an_output_without_entries_is_noticed(clean, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(clean["out"], out)
    shutil.rmtree(out / "_chunks")
    (out / "_propscan_batch.json").unlink()
    delete(out / "spans" / DAMAGED_CHUNK)
    r = batch(str(clean["feed"]), "--out", str(out), "--chunk-size", "2")
    assert r.code == 0 and f"spans/{DAMAGED_CHUNK}: missing" in r.err
    assert parquet_rows(out) == parquet_rows(clean["out"])


def test_a_sqlite_file_cut_short_is_moved_aside_and_filled_again(clean, tmp_path):
    db = tmp_path / "out.db"
    shutil.copy(clean["db"], db)
    cut_short(db)
    check = batch("--verify", "--sqlite", str(db))
    assert check.code == 1 and "damaged" in check.out
    r = batch(str(clean["feed"]), "--sqlite", str(db), "--chunk-size", "2")
    assert r.code == 0, r.err
    assert f"{db}: damaged" in r.err and "moved to out.db.damaged" in r.err
    assert (tmp_path / "out.db.damaged").stat().st_size == clean["db"].stat().st_size // 2
    assert sqlite_rows(db) == sqlite_rows(clean["db"])
    assert batch("--verify", "--sqlite", str(db)).code == 0


def test_one_chunk_deleted_from_sqlite_is_written_again(clean, tmp_path):
    db = tmp_path / "out.db"
    shutil.copy(clean["db"], db)
    con = sqlite3.connect(db)
    with con:
        for t, key in (("documents", "id"), ("spans", "doc_id"), ("claims", "doc_id"), ("attributions", "doc_id")):
            con.execute(f"DELETE FROM {t} WHERE {key} IN ('a0', 'j1')")
    con.close()
    spans = sqlite_rows(clean["db"])["spans"]
    deleted = f"2 of 5 documents, {sum(s[0] in ('a0', 'j1') for s in spans)} of {len(spans)} spans"
    check = batch("--verify", "--sqlite", str(db))
    assert check.code == 1 and f"rows deleted since they were written ({deleted}" in check.out
    r = batch(str(clean["feed"]), "--sqlite", str(db), "--chunk-size", "2")
    assert r.code == 0 and "done: 2 documents" in r.err and f"({deleted}" in r.err, r.err
    assert sqlite_rows(db) == sqlite_rows(clean["db"])
    assert batch("--verify", "--sqlite", str(db)).code == 0


def test_spans_deleted_from_sqlite_are_noticed(clean, tmp_path):
    db = tmp_path / "out.db"
    shutil.copy(clean["db"], db)
    con = sqlite3.connect(db)
    with con:
        con.execute("DELETE FROM spans WHERE doc_id = 'j1'")
    con.close()
    check = batch("--verify", "--sqlite", str(db))
    assert check.code == 1 and "lost spans or claims rows (j1)" in check.out
    r = batch(str(clean["feed"]), "--sqlite", str(db), "--chunk-size", "2")
    assert r.code == 0 and "(j1): removed" in r.err and "done: 1 documents" in r.err, r.err
    assert sqlite_rows(db) == sqlite_rows(clean["db"])


def test_a_repaired_sqlite_beside_whole_parquet_is_refilled_without_duplicating_parquet(clean, tmp_path):
    out, db = tmp_path / "out", tmp_path / "out.db"
    shutil.copytree(clean["out"], out)
    shutil.copy(clean["db"], db)
    cut_short(db)
    r = batch(str(clean["feed"]), "--out", str(out), "--sqlite", str(db), "--chunk-size", "2")
    assert r.code == 0 and "done: 5 documents" in r.err, r.err
    assert sqlite_rows(db) == sqlite_rows(clean["db"]) and parquet_rows(out) == parquet_rows(clean["out"])
    assert len(list((out / "_chunks").glob("chunk-*.json"))) == 4  # no chunk added to the whole Parquet output


# --- the write path itself (no model: rows made up) -----------------------------------------------

def made_up_rows(ids: list[str]) -> dict[str, list[dict]]:
    from propscan.batch.records import DOCUMENT_COLUMNS, SPAN_COLUMNS

    docs = [{**dict.fromkeys(DOCUMENT_COLUMNS), "id": i, "content_hash": f"hash-{i}", "n_spans": 1} for i in ids]
    spans = [{**dict.fromkeys(SPAN_COLUMNS), "doc_id": i, "start": 0, "end": 4, "technique": "Doubt"} for i in ids]
    return {"documents": docs, "spans": spans, "claims": [], "attributions": [], "errors": []}


class Crash(BaseException):
    """The process dies here: no cleanup runs (it is not an OSError)."""


def test_a_chunk_is_on_disk_before_its_entry_commits_it(tmp_path, monkeypatch):
    """The order a power loss needs: each part fsynced before its rename, its folder fsynced before
    the entry is renamed into place, and the entry's folder fsynced before the next chunk."""
    from propscan.batch.tables import ParquetParts

    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}"))),
                                                 real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda src, dst: (events.append(("rename", str(dst))), real_replace(src, dst))[1])
    parts = ParquetParts(str(tmp_path / "out"))
    parts.prepare()
    events.clear()
    parts.write_chunk(0, made_up_rows(["a", "b"]))
    root = str((tmp_path / "out").absolute())
    at = {e: i for i, e in enumerate(events)}
    entry = f"{root}/_chunks/chunk-00000.json"
    for table in ("spans", "documents"):
        part = f"{root}/{table}/part-00000.parquet"
        assert at[("fsync", f"{root}/{table}/.part-00000.parquet.tmp")] < at[("rename", part)]
        assert at[("rename", part)] < at[("fsync", f"{root}/{table}")] < at[("rename", entry)]
    assert at[("fsync", f"{root}/_chunks/.chunk-00000.json.tmp")] < at[("rename", entry)] < at[("fsync", f"{root}/_chunks")]


@pytest.mark.parametrize("crash_at", range(10))
def test_a_crash_at_any_step_leaves_the_chunk_whole_or_absent(tmp_path, monkeypatch, crash_at):
    from propscan.batch.tables import ParquetParts

    out = tmp_path / "out"
    parts = ParquetParts(str(out))
    parts.prepare()
    parts.write_chunk(0, made_up_rows(["a", "b"]))
    steps = []
    real_fsync, real_replace = os.fsync, os.replace

    def step(real):
        def call(*args):
            if len(steps) == crash_at:
                raise Crash
            steps.append(real)
            return real(*args)
        return call

    monkeypatch.setattr(os, "fsync", step(real_fsync))
    monkeypatch.setattr(os, "replace", step(real_replace))
    crashed = False
    try:
        parts.write_chunk(1, made_up_rows(["c", "d"]))
    except Crash:
        crashed = True
    monkeypatch.undo()
    assert crashed == (crash_at < 9), "a chunk of two parts: 2 x (fsync, rename), 2 folder fsyncs, the entry's 3 steps"
    held = ParquetParts(str(out)).prepare()
    assert set(held.documents) in ({"a", "b"}, {"a", "b", "c", "d"})
    assert (set(held.documents) == {"a", "b", "c", "d"}) == (crash_at >= 8)  # committed by the entry's rename
    assert batch("--verify", "--out", str(out)).code == 0
    ids = sorted(pq.read_table(out / "documents").column("id").to_pylist())
    assert ids == sorted(held.documents) and pq.read_table(out / "spans").num_rows == len(ids)


def test_an_object_store_gets_whole_puts_and_a_size_check_on_resume(tmp_path, monkeypatch):
    """Not a local disk (here a pyarrow filesystem that is not LocalFileSystem, as S3 or GCS are):
    each object is put whole under its own name, and resume compares sizes with the entries
    (reading every object back is left to `--verify` and the store's own checksums)."""
    import pyarrow.fs as pafs

    from propscan.batch import tables

    bucket = tmp_path / "bucket"
    bucket.mkdir()
    monkeypatch.setattr(tables, "filesystem", lambda out: (pafs.SubTreeFileSystem(str(bucket), pafs.LocalFileSystem()), "out"))
    parts = tables.ParquetParts("s3://bucket/out")
    parts.prepare()
    parts.write_chunk(0, made_up_rows(["a", "b"]))
    parts.write_chunk(1, made_up_rows(["c", "d"]))
    assert not [p for p in bucket.rglob(".*")] and len(list(bucket.rglob("chunk-*.json"))) == 2
    cut_short(bucket / "out" / "spans" / "part-00001.parquet")
    said: list[str] = []
    held = tables.ParquetParts("s3://bucket/out").prepare(said.append)
    assert set(held.documents) == {"a", "b"}
    assert len(said) == 1 and "s3://bucket/out/spans/part-00001.parquet: cut short" in said[0]
    assert not (bucket / "out" / "documents" / "part-00001.parquet").exists()
    part = bucket / "out" / "documents" / "part-00000.parquet"
    part.write_bytes(part.read_bytes()[:-4] + b"XXXX")  # same size: only reading it shows the damage
    said.clear()
    held = tables.ParquetParts("s3://bucket/out").prepare(said.append)
    assert held.documents == {} and len(said) == 1 and "documents/part-00000.parquet: unreadable" in said[0]
