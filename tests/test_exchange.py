"""propscan export / import: every format round-trips the same spans on hard texts (emoji, CR LF,
combining marks, overlapping spans), UTF-16 offsets are converted or refused, labels are mapped
or refused, and every kind of bad file gives one line naming document and span and stores nothing."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run_cli
from propscan.doc import AnalysedDocument, Span
from propscan.exchange.checks import utf16_positions
from propscan.exchange.export import documents
from propscan.review import Decision
from propscan.store.sqlite import AnalysisStore

FORMATS = {"label-studio": "tasks.json", "brat": "brat", "doccano": "docs.jsonl", "ptc": "ptc"}
NAME = "Name_Calling,Labeling"
# Each text is hard in its own way: astral characters (one code point, two UTF-16 units), CR LF line
# ends, a combining accent (e + U+0301: two code points, one letter on screen) and a flag (two code points).
EMOJI = "Vote them out 😡😡 now!\r\nThese traitors 🤬 sold us out, the so-called leaders 🇺🇸 of nothing."
COMBINING = "Le ministre de\u0301mission! A disgrace\u0301 to the nation.\r\n\r\nShameful cowards, all of them."
PLAIN = "Real patriots stand up and fight.\nEveryone knows the truth: stop the madness now!"


def at(text: str, words: str, technique: str, nth: int = 0) -> tuple[int, int, str]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(words, start + 1)
    return (start, start + len(words), technique)


def model_doc(text: str, spans: list[tuple[int, int, str]], model: str = "fast-test") -> AnalysedDocument:
    return AnalysedDocument(text=text, source="pasted", title=text.split("\r")[0].split("\n")[0], model_version=model,
                            spans=[Span(s, e, t, 0.9 - 0.1 * i) for i, (s, e, t) in enumerate(spans)],
                            min_confidence=0.5)


@pytest.fixture
def history(tmp_path) -> tuple[Path, dict[str, list]]:
    """A history: one analysis reviewed (with an added, a relabelled and an overlapping span), two not.
    Returns the database and, per text, the spans a one-layer export must carry."""
    db = tmp_path / "history.db"
    store = AnalysisStore(db)
    emoji_spans = [at(EMOJI, "traitors 🤬 sold us out", NAME), at(EMOJI, "traitors", "Loaded_Language"),
                   at(EMOJI, "so-called leaders 🇺🇸", "Doubt")]
    reviewed, _ = store.add(model_doc(EMOJI, emoji_spans), source_kind="pasted")
    store.save_review(reviewed.id, "ana", [
        Decision(*emoji_spans[0], "accept"), Decision(*emoji_spans[1], "accept"),  # overlapping, both kept
        Decision(*emoji_spans[2], "relabel", new_technique=NAME),
        Decision(*at(EMOJI, "😡😡 now!\r\n", "Loaded_Language"), "add"),  # ends after the CR LF
    ], finished=True)
    combining = [at(COMBINING, "de\u0301mission!", "Loaded_Language"), at(COMBINING, "disgrace\u0301", NAME),
                 at(COMBINING, "Shameful cowards", NAME), at(COMBINING, "cowards, all of them", "Loaded_Language")]
    store.add(model_doc(COMBINING, combining), source_kind="pasted")
    plain = [at(PLAIN, "Real patriots", "Flag-Waving"), at(PLAIN, "Everyone knows the truth", "Bandwagon,Reductio_ad_hitlerum")]
    store.add(model_doc(PLAIN, plain), source_kind="pasted")
    expected = {EMOJI: store.reviews(reviewed.id)[0].spans(), COMBINING: sorted(combining), PLAIN: sorted(plain)}
    store.close()
    return db, expected


def reviewed_spans(db: Path) -> dict[str, list]:
    """Per text, the spans of its latest finished review: what an import stored."""
    store = AnalysisStore(db)
    try:
        return {d.text: d.annotations[0].spans for d in documents(store) if d.annotations}
    finally:
        store.close()


def carried(fmt: str, expected: dict) -> dict:
    """What a format brings back: Label Studio keeps the model's passages apart (predictions) and only
    annotations are reviews; the one-layer formats carry the model's shown passages where not reviewed."""
    return {EMOJI: expected[EMOJI]} if fmt == "label-studio" else expected


def export_import(tmp_path: Path, db: Path, fmt: str, target: Path, *extra: str):
    out = tmp_path / FORMATS[fmt]
    r = run_cli("export", "--db", str(db), "--format", fmt, "-o", str(out), *extra)
    assert r.code == 0, r.err
    r = run_cli("import", str(out), "--db", str(target))
    assert r.code == 0, r.err
    return out, r


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_then_import_gives_identical_spans(tmp_path, history, fmt):
    db, expected = history
    _, r = export_import(tmp_path, db, fmt, tmp_path / "fresh.db")
    assert f"{len(carried(fmt, expected))} new analyses" in r.err
    assert reviewed_spans(tmp_path / "fresh.db") == carried(fmt, expected)
    for text, spans in expected.items():  # and the texts are kept to the character: CR LF, accents, emoji
        assert all(text[s:e] for s, e, _ in spans)


@pytest.mark.parametrize("fmt", FORMATS)
def test_import_into_the_same_history_reviews_the_exported_analyses(tmp_path, history, fmt):
    db, expected = history
    _, r = export_import(tmp_path, db, fmt, db)
    assert "0 new analyses" in r.err
    store = AnalysisStore(db)
    assert len(store.ids()) == 3 and len(store.ids(reviewed_only=True)) == len(carried(fmt, expected))
    store.close()
    assert reviewed_spans(db) == carried(fmt, expected)


def test_reviewed_only_exports_just_the_reviewed(tmp_path, history):
    db, expected = history
    export_import(tmp_path, db, "doccano", tmp_path / "fresh.db", "--reviewed-only")
    assert reviewed_spans(tmp_path / "fresh.db") == {EMOJI: expected[EMOJI]}


def test_label_studio_tasks_carry_predictions_and_reviews_as_annotations(tmp_path, history):
    db, expected = history
    out = tmp_path / "tasks.json"
    assert run_cli("export", "--db", str(db), "--format", "label-studio", "-o", str(out)).code == 0
    tasks = {t["data"]["text"]: t for t in json.loads(out.read_text(encoding="utf-8"))}
    emoji = tasks[EMOJI]
    assert [(r["value"]["start"], r["value"]["end"], r["value"]["labels"][0]) for r in emoji["annotations"][0]["result"]] \
        == expected[EMOJI]
    assert all(EMOJI[r["value"]["start"]:r["value"]["end"]] == r["value"]["text"] for r in emoji["predictions"][0]["result"])
    assert tasks[PLAIN]["annotations"] == [] and len(tasks[PLAIN]["predictions"][0]["result"]) == 2
    config = (tmp_path / "tasks.label_config.xml").read_text(encoding="utf-8")
    assert 'value="Name_Calling,Labeling"' in config and 'value="$text"' in config


def label_studio_file(path: Path, text: str, regions: list[tuple[int, int, str, str]], **task) -> Path:
    results = [{"from_name": "technique", "to_name": "text", "type": "labels",
                "value": {"start": s, "end": e, "text": t, "labels": [label]}} for s, e, label, t in regions]
    path.write_text(json.dumps([{"data": {"text": text}, "annotations": [{"result": results}], **task}],
                               ensure_ascii=False), encoding="utf-8")
    return path


def utf16(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets as JavaScript counts them."""
    return len(text[:start].encode("utf-16-le")) // 2, len(text[:end].encode("utf-16-le")) // 2


def test_utf16_offsets_from_a_javascript_tool_are_converted(tmp_path):
    s, e, _ = at(EMOJI, "so-called leaders", "Doubt")
    js_start, js_end = utf16(EMOJI, s, e)
    assert (js_start, js_end) != (s, e)  # they differ after the emoji
    path = label_studio_file(tmp_path / "js.json", EMOJI, [(js_start, js_end, "Doubt", EMOJI[s:e])])
    r = run_cli("import", str(path), "--db", str(tmp_path / "h.db"))
    assert r.code == 0, r.err
    assert "UTF-16" in r.err and "task 1" in r.err
    assert reviewed_spans(tmp_path / "h.db") == {EMOJI: [(s, e, "Doubt")]}


def test_utf16_offsets_without_span_text_are_converted_when_only_they_fit(tmp_path):
    text = "😀" * 10 + " Total disaster!"
    s, e, _ = at(text, "disaster!", "Loaded_Language")
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"text": text, "label": [[*utf16(text, s, e), "Loaded_Language"]]}) + "\n", encoding="utf-8")
    r = run_cli("import", str(path), "--db", str(tmp_path / "h.db"))
    assert r.code == 0 and "UTF-16" in r.err, r.err
    assert reviewed_spans(tmp_path / "h.db") == {text: [(s, e, "Loaded_Language")]}


@given(st.lists(st.sampled_from(["a", " ", "é", "e\u0301", "😀", "🇺🇸", "\r\n", "中"]), min_size=1, max_size=40).map("".join))
@settings(max_examples=200, deadline=None)
def test_utf16_positions_point_at_the_same_characters(text):
    positions = utf16_positions(text)
    encoded = text.encode("utf-16-le")
    assert len(positions) == len(encoded) // 2 + 1
    for unit, point in enumerate(positions):
        if point is not None:
            assert encoded[: unit * 2].decode("utf-16-le") == text[:point]


def assert_refused(r, *words: str):
    assert r.code == 2, (r.code, r.err)
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.err, r.err
    for w in words:
        assert w in lines[0], lines[0]


def nothing_stored(db: Path) -> bool:
    if not db.exists():
        return True
    return sqlite3.connect(db).execute("SELECT COUNT(*) FROM analyses").fetchone()[0] == 0


def test_offsets_that_fit_neither_way_are_refused_naming_document_and_span(tmp_path):
    path = label_studio_file(tmp_path / "bad.json", EMOJI, [(0, 4, NAME, "Vote"), (3, 9, NAME, "traitors")],
                             id=17)
    r = run_cli("import", str(path), "--db", str(tmp_path / "h.db"))
    assert_refused(r, "bad.json: task 1 (17), span 2 (3-9", "text mismatch", "'traitors'", "nothing was imported")
    assert nothing_stored(tmp_path / "h.db")


@pytest.mark.parametrize("content, words", [
    (lambda: json.dumps({"text": PLAIN, "label": [[0, 500, "Flag-Waving"]]}) + "\n",
     ["d.jsonl: line 1, span 1 (0-500 Flag-Waving)", "offsets out of range", f"{len(PLAIN)} characters"]),
    (lambda: json.dumps({"text": PLAIN, "label": [[5, 2, "Flag-Waving"]]}) + "\n", ["span 1 (5-2", "start must be before end"]),
    (lambda: json.dumps({"text": PLAIN, "label": [["a", 2, "Flag-Waving"]]}) + "\n", ["span 1", "whole numbers"]),
    (lambda: json.dumps({"text": PLAIN, "label": [[0, 4, "Propaganda"]]}) + "\n",
     ["span 1 (0-4 Propaganda)", "unknown label 'Propaganda'", "known: Loaded_Language", "--label-map"]),
    (lambda: json.dumps({"text": PLAIN, "entities": [{"start_offset": 0, "end_offset": 4}]}) + "\n", ["unknown label None"]),
    (lambda: json.dumps({"text": PLAIN, "label": [[0, 4, "Flag-Waving"]]})[:-20] + "\n", ["line 1", "not valid JSON"]),
    (lambda: json.dumps({"label": []}) + "\n", ["line 1", "no 'text'"]),
])
def test_bad_doccano_lines_are_refused(tmp_path, content, words):
    path = tmp_path / "d.jsonl"
    good = json.dumps({"text": COMBINING, "label": [[0, 2, "Doubt"]]}) + "\n"
    path.write_text(content() + good, encoding="utf-8")
    r = run_cli("import", str(path), "--db", str(tmp_path / "h.db"))
    assert_refused(r, *words)
    assert nothing_stored(tmp_path / "h.db")


def test_a_truncated_label_studio_export_is_refused(tmp_path, history):
    db, _ = history
    out = tmp_path / "tasks.json"
    assert run_cli("export", "--db", str(db), "--format", "label-studio", "-o", str(out)).code == 0
    cut = tmp_path / "cut.json"
    cut.write_bytes(out.read_bytes()[: out.stat().st_size // 2])
    assert_refused(run_cli("import", str(cut), "--db", str(tmp_path / "h.db")), "cut.json", "cut short")
    assert nothing_stored(tmp_path / "h.db")


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(json.dumps({"text": "café", "label": []}).encode("ascii").replace(b"\\u00e9", b"\xe9") + b"\n")
    assert_refused(run_cli("import", str(path), "--db", str(tmp_path / "h.db")), "latin1.jsonl", "not UTF-8", "0xe9")


def test_a_bad_second_file_stores_nothing_from_the_first(tmp_path, history):
    db, _ = history
    good, _ = export_import(tmp_path, db, "doccano", tmp_path / "first.db")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"text": PLAIN, "label": [[0, 4, "Flag-Waving"], [0, 999, "Doubt"]]}) + "\n", encoding="utf-8")
    assert_refused(run_cli("import", str(good), str(bad), "--db", str(tmp_path / "h.db")), "bad.jsonl: line 1, span 2")
    assert nothing_stored(tmp_path / "h.db")


def test_brat_text_mismatch_and_discontinuous_spans_are_refused(tmp_path, history):
    db, _ = history
    out = tmp_path / "brat"
    assert run_cli("export", "--db", str(db), "--format", "brat", "-o", str(out)).code == 0
    ann = next(p for p in sorted(out.glob("*.ann")) if "traitors" in p.read_text(encoding="utf-8"))
    original = ann.read_text(encoding="utf-8")
    ann.write_text(original.replace("\ttraitors\n", "\ttraitor\n"), encoding="utf-8")
    r = run_cli("import", str(out), "--db", str(tmp_path / "h.db"))
    assert_refused(r, ann.name, f"document {ann.stem}", "text mismatch", "'traitor'")
    s, e, _ = at(EMOJI, "traitors", "Loaded_Language")
    ann.write_text(original + f"T99\tLoaded_Language 0 4;{s} {e}\tVote traitors\n", encoding="utf-8")
    assert_refused(run_cli("import", str(out), "--db", str(tmp_path / "h.db")), "line", "fragments")
    assert nothing_stored(tmp_path / "h.db")


def test_brat_names_without_commas_and_fragments_over_a_line_break_are_read(tmp_path):
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "doc.txt").write_bytes(EMOJI.encode("utf-8"))
    s, _, _ = at(EMOJI, "now!", "Loaded_Language")
    _, e, _ = at(EMOJI, "These traitors", "Loaded_Language")
    (folder / "doc.ann").write_text(f"T1\tLoaded_Language {s} {s + 4};{s + 6} {e}\tnow! These traitors\n"
                                    f"T2\tName_Calling-Labeling {e - 8} {e}\ttraitors\n#1\tAnnotatorNotes T1\tok\n",
                                    encoding="utf-8")
    r = run_cli("import", str(folder), "--db", str(tmp_path / "h.db"))
    assert r.code == 0, r.err
    assert reviewed_spans(tmp_path / "h.db") == {EMOJI: sorted([(s, e, "Loaded_Language"), (e - 8, e, NAME)])}


def test_ptc_labels_naming_a_missing_article_are_refused(tmp_path, history):
    db, _ = history
    out = tmp_path / "ptc"
    assert run_cli("export", "--db", str(db), "--format", "ptc", "-o", str(out)).code == 0
    with open(out / "labels.tsv", "a", encoding="utf-8") as f:
        f.write("999\tDoubt\t0\t4\n")
    assert_refused(run_cli("import", str(out), "--db", str(tmp_path / "h.db")), "labels.tsv", "article999.txt")
    assert nothing_stored(tmp_path / "h.db")


@pytest.mark.parametrize("mapping, name", [
    ({"Insult": NAME, "Fear": "Appeal_to_fear-prejudice", "Noise": None}, "map.json"),
    ("Insult\tName_Calling,Labeling\nFear\tAppeal_to_fear-prejudice\nNoise\t\n", "map.tsv"),
])
def test_unknown_labels_are_mapped_or_dropped_with_a_label_map(tmp_path, mapping, name):
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps({"text": PLAIN, "label": [[0, 13, "Insult"], [14, 19, "Fear"], [20, 25, "Noise"],
                                                         [26, 32, "Loaded_Language"]]}) + "\n", encoding="utf-8")
    assert_refused(run_cli("import", str(data), "--db", str(tmp_path / "h.db")), "unknown label 'Insult'", "--label-map")
    label_map = tmp_path / name
    label_map.write_text(json.dumps(mapping) if isinstance(mapping, dict) else mapping, encoding="utf-8")
    r = run_cli("import", str(data), "--db", str(tmp_path / "h.db"), "--label-map", str(label_map))
    assert r.code == 0, r.err
    assert reviewed_spans(tmp_path / "h.db") == {PLAIN: [(0, 13, NAME), (14, 19, "Appeal_to_fear-prejudice"),
                                                         (26, 32, "Loaded_Language")]}


def test_a_label_map_to_no_technique_is_refused(tmp_path):
    label_map = tmp_path / "map.json"
    label_map.write_text(json.dumps({"Insult": "Insulting"}), encoding="utf-8")
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps({"text": PLAIN, "label": []}) + "\n", encoding="utf-8")
    assert_refused(run_cli("import", str(data), "--db", str(tmp_path / "h.db"), "--label-map", str(label_map)),
                   "map.json", "'Insulting', which is no technique")


def test_export_refuses_a_missing_database_and_an_existing_folder(tmp_path, history):
    db, _ = history
    assert_refused(run_cli("export", "--db", str(tmp_path / "none.db"), "--format", "brat", "-o", str(tmp_path / "o")),
                   "no database")
    assert not (tmp_path / "none.db").exists()
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "old.ann").write_text("", encoding="utf-8")
    assert_refused(run_cli("export", "--db", str(db), "--format", "brat", "-o", str(tmp_path / "full")), "not an empty folder")
    assert sorted(p.name for p in (tmp_path / "full").iterdir()) == ["old.ann"]


def test_a_file_of_unknown_kind_asks_for_the_format(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("hello", encoding="utf-8")
    assert_refused(run_cli("import", str(path), "--db", str(tmp_path / "h.db")), "notes.md", "--format")


def test_fifty_thousand_spans_export_and_import(tmp_path, capsys):
    """500 articles of 100 reviewed spans each: export, then import into a fresh history."""
    from propscan.store.sqlite import ImportedDocument

    sentence = "The corrupt elite 😡 lie to you\r\nevery day, and nobody stops them. "
    docs = []
    for n in range(500):
        text = f"Article {n}\n" + sentence * 50
        spans = sorted({(i * len(sentence) + 10, i * len(sentence) + 10 + 16 + (n + i) % 20, NAME)
                        for i in range(50)} | {(i * len(sentence) + 22, i * len(sentence) + 40, "Loaded_Language")
                                               for i in range(50)})
        docs.append(ImportedDocument(text, spans, title=f"Article {n}"))
    db = tmp_path / "big.db"
    store = AnalysisStore(db)
    store.import_reviewed(docs, "seed")
    store.close()
    assert sum(len(d.spans) for d in docs) == 50_000
    timings = {}
    for fmt in FORMATS:
        started = time.perf_counter()
        out = tmp_path / FORMATS[fmt]
        assert run_cli("export", "--db", str(db), "--format", fmt, "-o", str(out)).code == 0
        exported = time.perf_counter()
        target = tmp_path / f"{fmt}.db"
        r = run_cli("import", str(out), "--db", str(target))
        assert r.code == 0 and "50000 spans" in r.err, r.err
        timings[fmt] = (exported - started, time.perf_counter() - exported)
    assert reviewed_spans(tmp_path / "brat.db") == {d.text: d.spans for d in docs}
    with capsys.disabled():
        print("\n50,000 spans, export / import seconds: " +
              ", ".join(f"{f} {e:.1f} / {i:.1f}" for f, (e, i) in timings.items()))


def test_json_min_items_nobody_annotated_are_left_out(tmp_path):
    """The label-studio-sdk converter writes every task to JSON_MIN; one without an annotation has a
    null annotation_id and no regions, and is not a review that found nothing."""
    s, e, _ = at(PLAIN, "Real patriots", "Flag-Waving")
    path = tmp_path / "min.json"
    path.write_text(json.dumps([
        {"text": PLAIN, "id": 1, "annotation_id": 7, "technique": [{"start": s, "end": e, "text": PLAIN[s:e],
                                                                    "labels": ["Flag-Waving"]}]},
        {"text": EMOJI, "id": 2, "annotation_id": None}]), encoding="utf-8")
    r = run_cli("import", str(path), "--db", str(tmp_path / "h.db"))
    assert r.code == 0 and "1 tasks without an annotation left out" in r.err, r.err
    assert reviewed_spans(tmp_path / "h.db") == {PLAIN: [(s, e, "Flag-Waving")]}
