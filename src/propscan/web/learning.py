"""`propscan learn` started from the Reviews page: one at a time, in a child process.

A child process, not a thread, so that training (torch, two busy cores) never holds up the
server's own requests, and a crash of the trainer cannot take the server with it. Its progress is
the last line it wrote; its exit status says how it ended (0 kept, 1 the gate kept nothing,
2 bad input). The server keeps the model it started with: a kept model is the model in use for the
next `propscan serve` (and every command), which the status says.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

OUTCOMES = {0: "kept", 1: "refused"}
_MAKING = threading.Lock()


class LearnJob:
    def __init__(self, db: Path):
        self.db = Path(db)
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._log: Path | None = None
        self._started: float | None = None

    def start(self, reviewer: str | None = None) -> bool:
        """Start learning unless a run is going on (False)."""
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                return False
            fd, name = tempfile.mkstemp(prefix="propscan-learn-", suffix=".log")
            args = [sys.executable, "-m", "propscan", "learn", "--db", str(self.db)]
            if reviewer:
                args += ["--reviewer", reviewer]
            with open(fd, "wb") as log:
                self._proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
            if self._log is not None:
                self._log.unlink(missing_ok=True)
            self._log, self._started = Path(name), time.time()
            return True

    def status(self) -> dict:
        """state (idle, running, kept, refused, failed), the last line the run wrote, seconds so far."""
        with self._lock:
            if self._proc is None:
                return {"state": "idle", "line": "", "seconds": 0}
            code = self._proc.poll()
            state = "running" if code is None else OUTCOMES.get(code, "failed")
            return {"state": state, "line": self._last_line(), "seconds": round(time.time() - self._started)}

    def _last_line(self) -> str:
        try:
            lines = self._log.read_text(encoding="utf-8", errors="replace").replace("\r", "\n").splitlines()
        except OSError:
            return ""
        last = next((x.strip() for x in reversed(lines) if x.strip()), "")
        return last.removeprefix("propscan: ").removeprefix("error: ")

    def stop(self) -> None:
        """Stop a run (the server is shutting down): the trainer writes nothing half-done."""
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                self._proc.terminate()
                try:
                    self._proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._proc.kill()


def job_of(app) -> LearnJob:
    """The app's one learning job, made on first use."""
    with _MAKING:
        job = getattr(app.state, "learn_job", None)
        if job is None:
            job = app.state.learn_job = LearnJob(app.state.config.db)
        return job
