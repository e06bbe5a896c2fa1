"""Files that survive a power loss whole or not at all, on a local disk.

A rename alone is atomic for a running system, but after a power loss the renamed file may hold
fewer bytes than were written (the data was still in the page cache) and the rename itself may be
undone (the folder was not flushed). So: write a dot-named temporary file, fsync it, rename it into
place, and fsync the folder before anything that depends on the file is written.
"""

from __future__ import annotations

import os


def temporary_name(path: str) -> str:
    """`.NAME.tmp` beside NAME: dot-names are ignored by Parquet readers and removed on resume."""
    folder, name = os.path.split(path)
    return os.path.join(folder, f".{name}.tmp")


def write_durably(path: str, data: bytes) -> None:
    """Write `data` to `path` through a temporary file that is fsynced, then renamed into place.
    The caller fsyncs the folder (once for several files) with `sync_folder`."""
    tmp = temporary_name(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        _remove(tmp)
        raise
    os.close(fd)
    try:
        os.replace(tmp, path)
    except BaseException:
        _remove(tmp)
        raise


def sync_folder(folder: str) -> None:
    """Make the renames into `folder` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
