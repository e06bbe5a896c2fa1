"""Learning from the Reviews page: the button starts `propscan learn` in a child process, the page
follows it, the server keeps answering meanwhile, writes need the key, and a run that cannot learn
says why in one line."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from test_learn import history, news_texts, slogan_texts
from web_helpers import BASE, make_app

pytest.importorskip("torch")


@pytest.fixture
def models_dir(tmp_path, monkeypatch):
    folder = tmp_path / "models"
    monkeypatch.setenv("PROPSCAN_MODELS_DIR", str(folder))  # the child process inherits it
    return folder


def client_for(analyzer, db, **options) -> TestClient:
    return TestClient(make_app(analyzer, db, **options), base_url=BASE, raise_server_exceptions=False)


def wait_done(c: TestClient, limit: float = 180.0) -> str:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        page = c.get("/reviews").text
        if 'data-state="running"' not in page:
            return page
        time.sleep(0.5)
    raise AssertionError("learning did not finish")


def test_reviews_page_learns_in_the_background_and_keeps_answering(analyzer, tmp_path, models_dir):
    db = history(tmp_path / "h.db", slogan_texts(24), news_texts(6))
    with client_for(analyzer, db) as c:
        assert "Learn from these reviews</button>" in c.get("/reviews").text
        started = c.post("/reviews/learn", data={}, follow_redirects=False)
        assert started.status_code == 303 and started.headers["location"] == "/reviews#learn"
        t0 = time.monotonic()
        running = c.get("/reviews")
        assert running.status_code == 200 and 'data-state="running"' in running.text
        assert c.get("/history").status_code == 200 and time.monotonic() - t0 < 5
        done = wait_done(c)
    assert 'data-state="kept"' in done and "kept learned-1 (Slogans" in done
    assert (models_dir / "learned-1" / "model.json").is_file()


def test_learning_needs_the_key_and_starts_nothing_without_it(analyzer, tmp_path, models_dir):
    db = history(tmp_path / "h.db", slogan_texts(6), [])
    with client_for(analyzer, db, api_key="s3cret-key") as c:
        refused = c.post("/reviews/learn", data={"api_key": "wrong"})
        assert refused.status_code == 401 and "Not started:" in refused.text
        assert "learn-status" not in c.get("/reviews").text
    assert not models_dir.exists()


def test_a_history_without_reviews_says_why_in_one_line(analyzer, tmp_path, models_dir):
    from propscan.store.sqlite import AnalysisStore

    AnalysisStore(tmp_path / "empty.db")
    with client_for(analyzer, tmp_path / "empty.db") as c:
        assert c.post("/reviews/learn", data={}, follow_redirects=False).status_code == 303
        page = wait_done(c, 90)
    assert 'data-state="failed"' in page
    assert "Learning did not run: 0 finished reviews in" in page and "learning needs at least 5" in page
    assert "Traceback" not in page
