"""Build the real web app in-process (shared model, temporary database) for API and browser tests."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from propscan.web.app import create_app
from propscan.web.config import ServerConfig
from propscan.web.intake import Limits


BASE = "http://localhost"  # TestClient's default "testserver" is not a loopback name the server answers to


def make_app(analyzer, db: Path, **options):
    limits = options.pop("limits", Limits())
    return create_app(ServerConfig(db=db, limits=limits, **options), analyzer=analyzer)


@contextmanager
def client_factory(analyzer, next_db):
    """Yields build(**options): a TestClient of a fresh app on the database `next_db()` names, started
    as a `with` block would; every client built is closed when the block ends."""
    from fastapi.testclient import TestClient

    clients = []

    def build(**options):
        client = TestClient(make_app(analyzer, next_db(), **options), base_url=BASE, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    try:
        yield build
    finally:
        for client in clients:
            client.__exit__(None, None, None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(app):
    """uvicorn on a free loopback port in a background thread; yields its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
