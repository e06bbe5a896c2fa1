"""The history's SQLite connections, kept open, and what the storage is doing now.

Connections stay open for the server's life: a connection opened afresh needs the WAL's
`-shm` file, which SQLite deletes when the last connection closes and cannot make again on
storage that has turned read-only, so per-request connections lost reads along with writes.
Writes go through one connection behind a lock (SQLite allows one writer anyway); reads take
a connection from a pool, so they never wait for a write. Every sqlite3 error leaves here as a
StorageError that names what failed.
"""

from __future__ import annotations

import contextlib
import os
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from ..errors import StorageError
from .faults import REASONS, refusal, storage_error

RESERVE_BYTES = 1024 * 1024
T = TypeVar("T")


class Reserve:
    """Space set aside beside the database, given back so that a delete can still commit on a full
    disk (deleting writes too: to the WAL). Made again once the disk has room for it twice over."""

    def __init__(self, path: Path, size: int):
        self.path, self.size = path, size

    def keep(self) -> None:
        if not self.size or self.path.exists():
            return
        try:
            folder = os.statvfs(self.path.parent)
            if folder.f_bavail * folder.f_frsize < 2 * self.size:
                return
            with open(self.path, "wb") as f:  # zeros written, not a hole: the blocks are really taken
                for _ in range(0, self.size, 65536):
                    f.write(bytes(65536))
        except OSError:
            with contextlib.suppress(OSError):
                self.path.unlink()

    def release(self) -> bool:
        try:
            self.path.unlink()
            return True
        except OSError:
            return False


class Connections:
    def __init__(self, path: Path, setup: Callable[[sqlite3.Connection], None], *,
                 lock_timeout: float = 10.0, reserve_bytes: int = RESERVE_BYTES):
        """`setup` runs once on the writer connection, in a transaction (the schema migrations)."""
        self.path, self.folder = path, path.parent
        self.lock_timeout = lock_timeout
        self.reserve = Reserve(path.with_name(path.name + "-reserve"), reserve_bytes)
        self._setup = setup
        self._lock = threading.Lock()
        self._writer: sqlite3.Connection | None = None
        self._idle: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._failure: StorageError | None = None  # the last write's, until one succeeds

    def open(self) -> StorageError | None:
        """Open the writer and bring the schema up to date. A storage fault is remembered and
        returned, not raised: the server still starts, reads what it can, and says why it cannot write."""
        try:
            with self._lock:
                self._writer_connection()
        except sqlite3.Error as exc:
            self._failure = storage_error(exc, self.folder, "open the history for writing")
            return self._failure
        self.reserve.keep()
        return None

    def close(self) -> None:
        with self._lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return

    def _connect(self, target: str | Path, **options) -> sqlite3.Connection:
        db = sqlite3.connect(target, timeout=self.lock_timeout, isolation_level=None, check_same_thread=False,
                             **options)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA foreign_keys=ON")
        db.execute(f"PRAGMA busy_timeout={int(self.lock_timeout * 1000)}")
        return db

    def _writer_connection(self) -> sqlite3.Connection:
        """Called with the lock held; raises sqlite3.Error."""
        if self._writer is None:
            db = self._connect(self.path)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("BEGIN IMMEDIATE")
                self._setup(db)
                db.execute("COMMIT")
            except BaseException:
                _close_quietly(db)
                raise
            self._writer = db
        return self._writer

    @contextlib.contextmanager
    def reading(self, doing: str = "read the history") -> Iterator[sqlite3.Connection]:
        try:
            db, pooled = self._reader()
        except sqlite3.Error as exc:
            raise storage_error(exc, self.folder, doing) from None
        try:
            yield db
        except sqlite3.Error as exc:
            _close_quietly(db)
            failure = storage_error(exc, self.folder, doing)
            if failure.kind == "damaged":  # found by a read, kept for /healthz: its probe reads little
                self._failure = failure
            raise failure from None
        except BaseException:
            _close_quietly(db)
            raise
        if pooled:
            self._idle.put(db)
        else:
            db.close()

    def _reader(self) -> tuple[sqlite3.Connection, bool]:
        """A pooled connection, or a new one. On storage that is read-only and has no `-shm` file, a
        WAL database can only be opened as immutable: such a connection is used once, not pooled,
        so nothing stale is kept once the storage is writable again."""
        with contextlib.suppress(queue.Empty):
            return self._idle.get_nowait(), True
        db = self._connect(self.path)
        try:
            db.execute("SELECT 1 FROM sqlite_master LIMIT 1")
            return db, True
        except sqlite3.Error as exc:
            _close_quietly(db)
            if exc.sqlite_errorname != "SQLITE_CANTOPEN" or refusal(self.folder) != "read_only":
                raise
        return self._connect(self.path.absolute().as_uri() + "?mode=ro&immutable=1", uri=True), False

    def write(self, work: Callable[[sqlite3.Connection], T], doing: str, outcome: str, *,
              use_reserve: bool = False) -> T:
        """`work(db)` in one transaction on the writer; its result. A failure says what failed and
        `outcome` (what became of the write). `use_reserve`: on a full disk, give back the reserve
        and try once more (for deletes, so that room can be made through the API)."""
        try:
            return self._write_once(work, doing, outcome)
        except StorageError as exc:
            if not (use_reserve and exc.kind == "full"):
                raise
            if not self.reserve.release():
                raise StorageError("full", f"{exc}: the space set aside for deleting is used up too, so room must "
                                           "be made on the server's disk") from None
        result = self._write_once(work, doing, outcome)
        self._failure = StorageError("full", f"{REASONS['full']}: a delete used the space set aside for it")
        return result

    def _write_once(self, work: Callable[[sqlite3.Connection], T], doing: str, outcome: str) -> T:
        with self._lock:
            db = None
            try:
                db = self._writer_connection()
                db.execute("BEGIN IMMEDIATE")
                try:
                    result = work(db)
                    db.execute("COMMIT")
                except BaseException:
                    if db.in_transaction:  # SQLite has already rolled back after some errors (a full disk)
                        db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                self._failure = storage_error(exc, self.folder, doing, outcome)
                if db is not None and self._failure.kind not in ("full", "locked"):
                    _close_quietly(db)  # start afresh next time: the file or its disk changed under it
                    self._writer = None
                raise self._failure from None
            self._failure = None
        self.reserve.keep()
        return result

    def state(self) -> tuple[str, str, int | None]:
        """(state, message, schema version) as found now: reading, taking the write lock (our own writes
        are waited for), and the last failure (a write's, or damage a read found) where no write has
        succeeded since. state: ok, full, read_only, locked, damaged or failed."""
        try:
            with self.reading("read the history") as db:
                version = db.execute("PRAGMA user_version").fetchone()[0]
                db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except StorageError as exc:
            return exc.kind, str(exc), None
        live = self._write_lock_refusal()
        if live is not None:
            return live.kind, str(live), version
        failure = self._failure
        if failure is not None and failure.kind != "locked":  # a lock's failure is stale once the lock is free
            return failure.kind, str(failure), version
        return "ok", "", version

    def _write_lock_refusal(self) -> StorageError | None:
        """Take the write lock and let it go, waiting at most a second: another server's write is over
        by then, a lock held on purpose is not."""
        with self._lock:
            try:
                db = self._writer_connection()
                db.execute(f"PRAGMA busy_timeout={int(min(1.0, self.lock_timeout) * 1000)}")
                try:
                    db.execute("BEGIN IMMEDIATE")
                    db.execute("ROLLBACK")
                finally:
                    db.execute(f"PRAGMA busy_timeout={int(self.lock_timeout * 1000)}")
            except sqlite3.Error as exc:
                return storage_error(exc, self.folder, "write to the history")
        return None

    def free_bytes(self) -> int | None:
        try:
            folder = os.statvfs(self.folder)
        except OSError:
            return None
        return folder.f_bavail * folder.f_frsize


def _close_quietly(db: sqlite3.Connection) -> None:
    with contextlib.suppress(sqlite3.Error):
        db.close()

