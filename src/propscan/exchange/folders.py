"""Folder outputs written whole or not at all: filled under a temporary name, then renamed into place."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError


@contextlib.contextmanager
def new_folder(path: Path) -> Iterator[Path]:
    """Yields a temporary folder beside `path` that becomes `path` when the block ends without error.
    `path` must not exist, or be an empty folder: an export never mixes with older files."""
    path = Path(path)
    if path.exists() and not (path.is_dir() and not any(path.iterdir())):
        raise InputError(f"{path} exists and is not an empty folder; give a new folder for the export")
    if not path.parent.is_dir():
        raise InputError(f"cannot write {path}: folder {path.parent} does not exist")
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from None
    try:
        yield tmp
        if path.exists():
            path.rmdir()
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_text(path: Path, text: str) -> None:
    """Exactly these characters: no newline translation, so CR LF stays CR LF and offsets stay true."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def safe_name(doc_id: str) -> str:
    """A file name for a document id: ids are URL-safe already; anything else becomes '_'."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in doc_id).lstrip(".") or "document"
