"""What a running server was told: database, limits, API key, and the Host names it answers to.

Kept apart from the app so routers and middleware can read it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .intake import Limits

# Names a browser uses for a server on this machine. A DNS-rebinding page reaches loopback under
# its own name, so any other Host is refused unless the operator names it.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
WILDCARD_ADDRESSES = ("0.0.0.0", "::", "")


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("propscan", appauthor=False) / "propscan.db"


def allowed_hosts_for(listen_host: str, extra: tuple[str, ...] | list[str] = ()) -> tuple[str, ...]:
    """Loopback names, the address the server listens on (unless it is a wildcard), and `extra`."""
    names = [*LOOPBACK_HOSTS]
    if listen_host.strip("[]") not in WILDCARD_ADDRESSES:
        names.append(listen_host)
    names += list(extra)
    return tuple(dict.fromkeys(n.strip("[]").lower() for n in names if n.strip()))


@dataclass
class ServerConfig:
    db: Path = field(default_factory=default_db_path)
    api_key: str | None = None
    max_body: int = 5 * 1024 * 1024
    limits: Limits = field(default_factory=Limits)
    model: str | Path | None = None  # a tier or a model folder
    min_confidence: float | None = None  # None: the model's display threshold
    threads: int | None = None
    allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS
    lock_timeout: float = 10.0  # seconds a history write waits for another process's lock (then 503)
