"""Storage failures are named, not bugs: a full disk (507), read-only storage, a locked and a damaged
database (503, each its own code), with a message that says what failed and that nothing was
stored. Reads keep working while writes fail, DELETE works on a full disk, the form shows a page,
and /healthz says what the store is doing.

The full and read-only disks are real (see storage_faults.py): `propscan serve` runs inside a
private mount namespace on a small tmpfs or an ext4 image. The lock and the damage need no mount:
another connection holds the lock; the damage is written into the file.
"""

from __future__ import annotations

import sqlite3

import pytest

from propscan.store.sqlite import MIGRATIONS
from storage_faults import private_disk, serving
from web_helpers import client_factory

OPENING = ("The reckless, corrupt mayor and her band of clueless bureaucrats want to destroy our town. Make no "
           "mistake: this is the worst decision in the history of our city. Real patriots will stand up and fight.")


def article(n: int) -> str:
    """A short article of its own (the same text twice is only marked analysed again)."""
    return f"Greyport Council, Part {n}\n\n{OPENING} Stop the madness at meeting number {n}!\n"


def assert_storage_error(resp, status: int, code: str, *words: str):
    assert resp.status_code == status, resp.text
    error = resp.json()["error"]
    assert error["code"] == code, error
    for word in words:
        assert word in error["message"], error
    assert "Traceback" not in resp.text


def total(client) -> int:
    resp = client.get("/api/v1/analyses")
    assert resp.status_code == 200, resp.text
    return resp.json()["total"]


def store_state(client) -> dict:
    resp = client.get("/healthz")
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_full_disk_is_507_reads_go_on_and_delete_works_or_says_why(tmp_path):
    with private_disk(tmp_path, "tmpfs", size_mb=4) as ns, serving(ns, ns.disk / "propscan.db",
                                                                   tmp_path / "serve.log") as client:
        ids = [client.post("/api/v1/analyses", json={"text": article(n)}).json()["id"] for n in range(3)]
        assert store_state(client)["store"]["state"] == "ok"
        ns.fill()

        assert_storage_error(client.post("/api/v1/analyses", json={"text": article(9)}), 507, "storage_full",
                             "could not store the analysis", "disk", "full", "nothing was stored")
        form = client.post("/analyse", data={"text": article(10)})
        assert form.status_code == 507 and form.headers["content-type"].startswith("text/html")
        assert "nothing was stored" in form.text and '{"error"' not in form.text
        assert total(client) == 3
        assert client.get(f"/api/v1/analyses/{ids[0]}").status_code == 200
        assert client.get("/history").status_code == 200
        health = store_state(client)
        assert health["status"] == "degraded" and health["store"]["state"] == "full", health
        assert health["store"]["free_bytes"] < 64 * 1024

        assert client.delete(f"/api/v1/analyses/{ids[0]}").status_code == 204
        assert client.get(f"/api/v1/analyses/{ids[0]}").status_code == 404
        assert total(client) == 2

        ns.fill()  # the space the first delete was given is taken too: the next one says why it cannot
        assert_storage_error(client.delete(f"/api/v1/analyses/{ids[1]}"), 507, "storage_full",
                             "could not delete the analysis", "nothing was deleted", "set aside for deleting is used up")
        assert total(client) == 2


def test_storage_turning_read_only_while_serving_keeps_reads(tmp_path):
    """The ext4 disk fails under the running server, as a dying disk does (errors=remount-ro)."""
    with private_disk(tmp_path, "ext4", size_mb=16) as ns, serving(ns, ns.disk / "propscan.db",
                                                                   tmp_path / "serve.log") as client:
        first = client.post("/api/v1/analyses", json={"text": article(1)})
        assert first.status_code == 201, first.text
        ns.fail_ext4()

        assert total(client) == 1
        assert client.get(f"/api/v1/analyses/{first.json()['id']}").status_code == 200
        assert client.get("/history").status_code == 200
        assert store_state(client)["schema_version"] == len(MIGRATIONS)
        assert_storage_error(client.post("/api/v1/analyses", json={"text": article(2)}), 503, "storage_read_only",
                             "could not store the analysis", "read-only", "nothing was stored")
        assert_storage_error(client.delete(f"/api/v1/analyses/{first.json()['id']}"), 503, "storage_read_only",
                             "could not delete the analysis", "nothing was deleted")
        health = store_state(client)
        assert health["status"] == "degraded" and health["store"]["state"] == "read_only", health
        assert total(client) == 1


def test_server_starts_on_read_only_storage_and_serves_reads(tmp_path):
    db = None
    with private_disk(tmp_path, "tmpfs", size_mb=8) as ns:
        db = ns.disk / "propscan.db"
        with serving(ns, db, tmp_path / "first.log") as client:
            stored = client.post("/api/v1/analyses", json={"text": article(1)}).json()["id"]
        ns.make_read_only()
        with serving(ns, db, tmp_path / "second.log") as client:
            health = store_state(client)
            assert health["status"] == "degraded" and health["store"]["state"] == "read_only", health
            assert client.get(f"/api/v1/analyses/{stored}").json()["id"] == stored
            assert total(client) == 1
            assert_storage_error(client.post("/api/v1/analyses", json={"text": article(2)}), 503,
                                 "storage_read_only", "read-only", "nothing was stored")
            page = client.post("/analyse", data={"text": article(3)})
            assert page.status_code == 503 and "read-only" in page.text and '{"error"' not in page.text


@pytest.fixture
def app_on(analyzer, tmp_path):
    with client_factory(analyzer, lambda: tmp_path / "propscan.db") as build:
        yield build


def test_locked_database_is_503_and_reads_go_on(app_on, tmp_path):
    client = app_on(lock_timeout=0.5)
    stored = client.post("/api/v1/analyses", json={"text": article(1)}).json()["id"]
    other = sqlite3.connect(tmp_path / "propscan.db", isolation_level=None)  # another process's writer
    other.execute("BEGIN IMMEDIATE")
    try:
        assert_storage_error(client.post("/api/v1/analyses", json={"text": article(2)}), 503, "storage_locked",
                             "could not store the analysis", "locked by another process", "nothing was stored")
        assert_storage_error(client.delete(f"/api/v1/analyses/{stored}"), 503, "storage_locked",
                             "nothing was deleted")
        page = client.post(f"/a/{stored}/delete", data={"confirm": "yes"})
        assert page.status_code == 503 and "Not deleted" in page.text and "locked by another process" in page.text
        assert total(client) == 1
        assert client.get(f"/api/v1/analyses/{stored}").status_code == 200
        assert store_state(client)["store"]["state"] == "locked"
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert store_state(client)["store"]["state"] == "ok"
    assert client.post("/api/v1/analyses", json={"text": article(2)}).status_code == 201


def test_damaged_database_is_503_storage_damaged(app_on, tmp_path):
    client = app_on()
    for n in range(3):
        assert client.post("/api/v1/analyses", json={"text": article(n)}).status_code == 201
    client.__exit__(None, None, None)  # server stopped: the WAL is checked into the file
    db = tmp_path / "propscan.db"
    with sqlite3.connect(db) as con:
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
        root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'analyses'").fetchone()[0]
    with open(db, "r+b") as f:  # the analyses table's first page overwritten, as a bad sector would
        f.seek((root - 1) * page_size)
        f.write(b"\xa5" * page_size)

    client = app_on()
    assert_storage_error(client.post("/api/v1/analyses", json={"text": article(7)}), 503, "storage_damaged",
                         "could not store the analysis", "damaged", "nothing was stored")
    assert_storage_error(client.get("/api/v1/analyses"), 503, "storage_damaged", "could not read the history")
    history = client.get("/history")
    assert history.status_code == 503 and "damaged" in history.text and '{"error"' not in history.text
    health = store_state(client)
    assert health["status"] == "degraded" and health["store"]["state"] == "damaged", health


def test_openapi_names_the_storage_errors(app_on):
    spec = app_on().get("/openapi.json").json()["paths"]
    post, delete = spec["/api/v1/analyses"]["post"], spec["/api/v1/analyses/{analysis_id}"]["delete"]
    assert {"503", "507"} <= set(post["responses"]) and {"503", "507"} <= set(delete["responses"])
    for code in ("storage_read_only", "storage_locked", "storage_damaged"):
        assert code in post["responses"]["503"]["description"] and code in delete["responses"]["503"]["description"]
    assert "storage_full" in post["responses"]["507"]["description"]
    assert "503" in spec["/api/v1/analyses"]["get"]["responses"]
