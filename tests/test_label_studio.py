"""Our Label Studio export against the real tools: the label-studio-sdk converter (JSON_MIN, CONLL2003)
and a real Label Studio server on loopback (create a project with our labelling config, import our
tasks, export, import that back: the same spans).

Neither is a propscan dependency (Label Studio pulls in Django, OpenCV, pandas and more), so these
tests use an installation named by PROPSCAN_LABEL_STUDIO (the `label-studio` executable of a virtualenv
of its own, e.g. `python3 -m venv /tmp/ls-venv && /tmp/ls-venv/bin/pip install label-studio`), or one
on PATH, and skip with the reason when there is none.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import run_cli
from propscan.review import Decision
from propscan.store.sqlite import AnalysisStore
from test_exchange import EMOJI, NAME, at, carried, history, model_doc, reviewed_spans  # noqa: F401 (fixture)
from web_helpers import free_port

LABEL_STUDIO = os.environ.get("PROPSCAN_LABEL_STUDIO") or shutil.which("label-studio")
SDK_PYTHON = Path(LABEL_STUDIO).parent / "python" if LABEL_STUDIO else None
needs_label_studio = pytest.mark.skipif(
    not (LABEL_STUDIO and Path(LABEL_STUDIO).is_file() and SDK_PYTHON.is_file()),
    reason="Label Studio is not installed: set PROPSCAN_LABEL_STUDIO to the label-studio executable of a "
           "virtualenv with it (pip install label-studio)")
TOKEN = "0123456789abcdef0123456789abcdef01234567"

CONVERT = """
import sys
from label_studio_sdk.converter import Converter
config, tasks, out, fmt = sys.argv[1:]
Converter(open(config, encoding="utf-8").read(), out, download_resources=False).convert(tasks, out, fmt, is_dir=False)
"""


def export_tasks(db: Path, out: Path) -> Path:
    r = run_cli("export", "--db", str(db), "--format", "label-studio", "-o", str(out))
    assert r.code == 0, r.err
    return out


def convert(tasks: Path, fmt: str, out: Path) -> Path:
    config = tasks.with_name(tasks.stem + ".label_config.xml")
    done = subprocess.run([str(SDK_PYTHON), "-c", CONVERT, str(config), str(tasks), str(out), fmt],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    [result] = [p for p in out.iterdir() if p.is_file()]
    return result


@needs_label_studio
def test_the_sdk_converter_reads_our_export_as_json_min_with_the_same_spans(tmp_path, history):  # noqa: F811
    db, expected = history
    tasks = export_tasks(db, tmp_path / "tasks.json")
    json_min = convert(tasks, "JSON_MIN", tmp_path / "min")
    r = run_cli("import", str(json_min), "--db", str(tmp_path / "back.db"), "--format", "label-studio")
    assert r.code == 0, r.err
    assert reviewed_spans(tmp_path / "back.db") == carried("label-studio", expected)


def conll_spans(text: str, conll: str) -> list[tuple[int, int, str]]:
    """Spans from CoNLL 2003 BIO tags, each token found in the text after the one before."""
    spans, cursor, current = [], 0, None
    for line in conll.splitlines():
        parts = line.split()
        if not parts or parts[0] == "-DOCSTART-":
            continue
        token, tag = parts[0], parts[-1]
        start = text.index(token, cursor)
        cursor = start + len(token)
        if tag.startswith("B-") or (tag.startswith("I-") and (current is None or current[2] != tag[2:])):
            current = [start, cursor, tag[2:]]
            spans.append(current)
        elif tag.startswith("I-"):
            current[1] = cursor
        else:
            current = None
    return sorted(tuple(s) for s in spans)


@needs_label_studio
def test_the_sdk_converter_reads_our_export_as_conll2003_with_the_same_spans(tmp_path):
    """CoNLL keeps tokens, not offsets, and no overlaps: one reviewed article of word-aligned spans."""
    db = tmp_path / "h.db"
    store = AnalysisStore(db)
    spans = [at(EMOJI, "Vote them out", "Loaded_Language"), at(EMOJI, "traitors", NAME),
             at(EMOJI, "so-called leaders", "Doubt")]
    stored, _ = store.add(model_doc(EMOJI, spans), source_kind="pasted")
    store.save_review(stored.id, "ana", [Decision(*s, "accept") for s in spans], finished=True)
    store.close()
    conll = convert(export_tasks(db, tmp_path / "tasks.json"), "CONLL2003", tmp_path / "conll")
    assert conll_spans(EMOJI, conll.read_text(encoding="utf-8")) == sorted(spans)


class LabelStudio:
    def __init__(self, url: str):
        self.url = url

    def call(self, method: str, path: str, body=None):
        request = urllib.request.Request(self.url + path, method=method,
                                         data=None if body is None else json.dumps(body).encode("utf-8"),
                                         headers={"Authorization": f"Token {TOKEN}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as resp:
            return resp.read()


@pytest.fixture(scope="module")
def label_studio(tmp_path_factory):
    """A real Label Studio on a free loopback port, with its own data folder; stopped afterwards."""
    data = tmp_path_factory.mktemp("label-studio")
    port = free_port()
    log = open(data / "server.log", "wb")
    proc = subprocess.Popen(
        [LABEL_STUDIO, "start", "--no-browser", "--internal-host", "127.0.0.1", "--port", str(port),
         "--username", "propscan@example.com", "--password", "propscan-test-password", "--user-token", TOKEN,
         "--enable-legacy-api-token"],
        env={**os.environ, "LABEL_STUDIO_BASE_DATA_DIR": str(data)}, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600  # the first start migrates its database: a minute or two on 2 cores
        while True:
            try:
                urllib.request.urlopen(url + "/health", timeout=5)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("Label Studio did not start: " + (data / "server.log").read_text(errors="replace")[-2000:])
                time.sleep(2)
        yield LabelStudio(url)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@pytest.mark.slow
@needs_label_studio
def test_our_tasks_go_through_a_real_label_studio_and_come_back_the_same(tmp_path, history, label_studio):  # noqa: F811
    db, expected = history
    tasks = export_tasks(db, tmp_path / "tasks.json")
    config = (tmp_path / "tasks.label_config.xml").read_text(encoding="utf-8")
    project = json.loads(label_studio.call("POST", "/api/projects", {"title": "propscan", "label_config": config}))
    imported = json.loads(label_studio.call("POST", f"/api/projects/{project['id']}/import",
                                            json.loads(tasks.read_text(encoding="utf-8"))))
    assert imported["task_count"] == 3 and imported["annotation_count"] == 1 and imported["prediction_count"] == 3
    for kind in ("JSON", "JSON_MIN"):
        exported = tmp_path / f"export-{kind}.json"
        exported.write_bytes(label_studio.call("GET", f"/api/projects/{project['id']}/export?exportType={kind}"))
        r = run_cli("import", str(exported), "--db", str(tmp_path / f"{kind}.db"), "--format", "label-studio")
        assert r.code == 0, r.err
        assert reviewed_spans(tmp_path / f"{kind}.db") == carried("label-studio", expected), kind
    # back into the history it came from: the review lands on the analysis it was exported from
    r = run_cli("import", str(tmp_path / "export-JSON.json"), "--db", str(db), "--reviewer", "label-studio")
    assert r.code == 0 and "0 new analyses" in r.err, r.err
    store = AnalysisStore(db)
    [reviewed] = store.ids(reviewed_only=True)
    assert store.reviews(reviewed, "label-studio")[0].spans() == expected[EMOJI]
    store.close()
