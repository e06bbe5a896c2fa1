"""Files propscan writes follow the user's umask, as open() would, and the CLI says where reports went."""

from __future__ import annotations

import contextlib
import os
import stat

import pytest

from conftest import ROOT, run_cli
from propscan.outputs import atomic_write

EXAMPLE = str(ROOT / "examples" / "article.txt")


@contextlib.contextmanager
def umask(mask: int):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_new_file_gets_0666_minus_the_umask(tmp_path, mask):
    with umask(mask):
        atomic_write(tmp_path / "out.json", "{}\n")
        with open(tmp_path / "by_open.json", "w") as f:
            f.write("{}\n")
    assert mode(tmp_path / "out.json") == 0o666 & ~mask
    assert mode(tmp_path / "out.json") == mode(tmp_path / "by_open.json")
    assert (tmp_path / "out.json").read_text() == "{}\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_replaced_file_keeps_its_own_mode(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("old")
    target.chmod(0o640)
    with umask(0o022):
        atomic_write(target, "new")
    assert target.read_text() == "new" and mode(target) == 0o640


@pytest.mark.parametrize("mask", [0o022, 0o077])
def test_cli_outputs_follow_the_umask_and_html_says_where(tmp_path, mask):
    out, page = tmp_path / "out.json", tmp_path / "report.html"
    with umask(mask):
        r = run_cli("analyze", EXAMPLE, "--format", "json", "-o", str(out), "--html", str(page))
    assert r.code == 0, r.err
    assert mode(out) == mode(page) == 0o666 & ~mask
    assert r.out == ""  # stdout stays clean for pipelines
    said = [ln for ln in r.err.splitlines() if "HTML report" in ln]
    assert len(said) == 1 and str(page) in said[0]


def test_cli_html_folder_for_several_sources_says_where(tmp_path):
    other = tmp_path / "second.txt"
    other.write_text(open(EXAMPLE, encoding="utf-8").read(), encoding="utf-8")
    folder = tmp_path / "reports"
    with umask(0o022):
        r = run_cli("analyze", EXAMPLE, str(other), "--format", "ptc", "--html", str(folder))
    assert r.code == 0, r.err
    written = sorted(folder.iterdir())
    assert len(written) == 2 and all(mode(p) == 0o644 for p in written)
    said = [ln for ln in r.err.splitlines() if "HTML report" in ln]
    assert len(said) == 1 and "2 HTML reports" in said[0] and str(folder) in said[0]
    assert r.out.strip(), "the PTC lines still go to standard output"
