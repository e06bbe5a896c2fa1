"""Real storage faults for the web app's tests, made inside a private mount namespace.

Tests run as root in CI, so `chmod` proves nothing: root writes anyway. These faults bind
root too: a small tmpfs that really fills up, an ext4 image mounted `errors=remount-ro` whose
error switch (`/sys/fs/ext4/<dev>/trigger_fs_error`) turns it read-only under open files, as a
failing disk does, and a tmpfs remounted read-only. A holder process owns the namespace
(`unshare -m`), so nothing is mounted on the machine itself; servers run in it as a real
`propscan serve` (`nsenter -m`), and the test reaches its files through /proc/<holder>/root.
Where a namespace, a mount or a loop device cannot be had, the test is skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from web_helpers import free_port


class Namespace:
    def __init__(self, holder: subprocess.Popen, disk: Path):
        self.holder, self.disk = holder, disk

    def outside(self, inside: Path) -> Path:
        """A path in the namespace, as this (outside) process reaches it."""
        return Path(f"/proc/{self.holder.pid}/root") / inside.relative_to("/")

    def run(self, *command: str) -> str:
        done = subprocess.run(["nsenter", "-t", str(self.holder.pid), "-m", *command],
                              capture_output=True, text=True, timeout=30)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)}: {done.stderr.strip()}")
        return done.stdout

    def fill(self) -> int:
        """Fill the disk (again) with one file until it refuses a byte more; returns the bytes written."""
        written = 0
        fd = os.open(self.outside(self.disk / "filler"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            for size in (1 << 16, 1 << 12, 1):
                try:
                    while True:
                        written += os.write(fd, bytes(size))
                except OSError as exc:
                    assert exc.errno == 28, exc  # ENOSPC
        finally:
            os.close(fd)
        return written

    def make_read_only(self) -> None:
        """Remount the tmpfs read-only (refused while a file on it is open for writing)."""
        self.run("mount", "-o", "remount,ro", str(self.disk))

    def fail_ext4(self) -> None:
        """Make the ext4 disk report an error: mounted errors=remount-ro, it turns read-only at once."""
        device = Path(self.run("findmnt", "-no", "SOURCE", str(self.disk)).strip()).name
        Path(f"/sys/fs/ext4/{device}/trigger_fs_error").write_text("1")


@contextmanager
def private_disk(tmp_path: Path, kind: str = "tmpfs", size_mb: int = 4):
    """A disk of `size_mb` MiB mounted at tmp_path/disk in a private mount namespace: a tmpfs, or
    (kind="ext4") an ext4 image on a loop device mounted errors=remount-ro."""
    if shutil.which("unshare") is None or shutil.which("nsenter") is None:
        pytest.skip("unshare and nsenter (util-linux) are needed to mount a disk in a private namespace")
    disk = tmp_path / "disk"
    disk.mkdir()
    if kind == "tmpfs":
        mount = f"mount -t tmpfs -o size={size_mb}m tmpfs {disk}"
    else:
        if shutil.which("mkfs.ext4") is None:
            pytest.skip("mkfs.ext4 is needed for a disk that turns read-only on an error")
        image = tmp_path / "disk.img"
        with open(image, "wb") as f:
            f.truncate(size_mb << 20)
        subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], check=True, capture_output=True)
        mount = f"mount -o loop,errors=remount-ro {image} {disk}"
    holder = subprocess.Popen(["unshare", "-m", "--propagation", "private", "sh", "-c",
                               f"{mount} && echo ready && exec sleep 3600"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if holder.stdout.readline().strip() != "ready":
        holder.wait(timeout=10)
        pytest.skip(f"cannot mount a {kind} disk in a private namespace (needs root): {holder.stderr.read().strip()}")
    try:
        yield Namespace(holder, disk)
    finally:
        holder.kill()
        holder.wait(timeout=10)


@contextmanager
def serving(ns: Namespace, db: Path, log: Path, *options: str):
    """`propscan serve --db DB` inside the namespace; yields an httpx client on its address."""
    port = free_port()
    with open(log, "w") as err:
        server = subprocess.Popen(["nsenter", "-t", str(ns.holder.pid), "-m", sys.executable, "-m", "propscan",
                                   "serve", "--db", str(db), "--port", str(port), *options],
                                  stdout=err, stderr=err)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=120) as client:
            _wait_until_up(client, server, log)
            yield client
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def _wait_until_up(client: httpx.Client, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"propscan serve exited {server.returncode}: {log.read_text().strip()}")
        try:
            if client.get("/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"propscan serve did not answer in 120 s: {log.read_text().strip()}")
