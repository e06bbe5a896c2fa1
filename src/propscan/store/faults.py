"""What went wrong with the history's storage, in words an operator can act on.

SQLite names a full disk, a read-only file, a lock held too long and a damaged file with result
codes of their own. An I/O error or a file it cannot open does not say why (a filesystem that
turned read-only under an open file answers EIO), so the folder is asked directly: can a new
file be written beside the database?
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import threading
from pathlib import Path

from ..errors import StorageError

REASONS = {
    "full": "the disk holding the history database is full",
    "read_only": "the history database's storage is read-only",
    "locked": "the history database is locked by another process",
    "damaged": "the history database is damaged",
    "failed": "the history database's storage failed",
}
_BY_ERRNO = {errno.EROFS: "read_only", errno.EACCES: "read_only", errno.EPERM: "read_only",
             errno.ENOSPC: "full", errno.EDQUOT: "full", errno.EFBIG: "full"}


def storage_error(exc: sqlite3.Error, folder: Path, doing: str, outcome: str = "") -> StorageError:
    """`exc` as a StorageError: "could not DOING: REASON (sqlite's words); OUTCOME"."""
    kind = kind_of(exc, folder)
    message = f"could not {doing}: {REASONS[kind]} ({exc})"
    return StorageError(kind, f"{message}; {outcome}" if outcome else message)


def kind_of(exc: sqlite3.Error, folder: Path) -> str:
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith("SQLITE_FULL"):
        return "full"
    if name.startswith("SQLITE_READONLY"):
        return "read_only"
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return "locked"
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return "damaged"
    if name.startswith(("SQLITE_IOERR", "SQLITE_CANTOPEN")):
        return refusal(folder) or "failed"
    return "failed"


def refusal(folder: Path) -> str | None:
    """"read_only" or "full" when a new file of one block cannot be written in `folder`; None when it can."""
    probe = folder / f".propscan-probe-{os.getpid()}-{threading.get_ident()}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        return _BY_ERRNO.get(exc.errno)
    try:
        os.write(fd, b"\0" * 4096)  # a full disk lets the name be made but not the block
        return None
    except OSError as exc:
        return _BY_ERRNO.get(exc.errno)
    finally:
        os.close(fd)
        with contextlib.suppress(OSError):
            probe.unlink()
