"""The HTTP API against the real app (real model, temporary SQLite): every endpoint, every bad input."""

from __future__ import annotations

import json
import sqlite3
import threading
import time

import pytest
from fastapi.testclient import TestClient

from conftest import FIXTURES, run_cli
from propscan import techniques
from propscan.web.intake import Limits
from propscan.store.sqlite import MIGRATIONS
from web_helpers import client_factory

ARTICLE = ("Greyport's Bridge Disaster\n\nThe reckless, corrupt mayor and her band of clueless bureaucrats want to "
           "destroy our town. Make no mistake: this is the worst decision in the history of our city. "
           "Real patriots will stand up and fight. Stop the madness now!\n")
XSS = '<script>alert("t")</script><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def app_factory(analyzer, tmp_path_factory):
    with client_factory(analyzer, lambda: tmp_path_factory.mktemp("db") / "propscan.db") as build:
        yield build


@pytest.fixture(scope="module")
def client(app_factory):
    return app_factory()


@pytest.fixture(scope="module")
def local_client(app_factory):
    """May fetch from loopback (the test site), with small limits to test them."""
    return app_factory(limits=Limits(allow_private=True, max_bytes=100_000, max_chars=5_000, timeout=5))


def stored_count(c: TestClient) -> int:
    return c.get("/api/v1/analyses").json()["total"]


def post(c: TestClient, body, **kw):
    return c.post("/api/v1/analyses", json=body, **kw)


def assert_error(resp, status: int, code: str, words: str = ""):
    assert resp.status_code == status, resp.text
    err = resp.json()["error"]
    assert err["code"] == code
    assert words.lower() in err["message"].lower()
    assert "Traceback" not in resp.text


def test_healthz_names_the_model(client, analyzer):
    data = client.get("/healthz").json()
    assert data["status"] == "ok" and data["model_version"] == analyzer.model_version
    assert data["schema_version"] == len(MIGRATIONS) == 6


def test_post_text_gives_the_same_analysis_as_the_cli(client):
    resp = post(client, {"text": ARTICLE})
    assert resp.status_code == 201
    data = resp.json()
    assert resp.headers["location"] == f"/api/v1/analyses/{data['id']}"
    cli = json.loads(run_cli("analyze", "-", "--format", "json", stdin=ARTICLE).out)
    for key in ("schema_version", "text", "title", "spans", "counts", "density", "model_version", "techniques"):
        assert data[key] == cli[key], key
    assert data["source"] == "pasted" and data["source_kind"] == "pasted"
    assert data["spans"], "the article is full of loaded language; the model should flag something"
    for s in data["spans"]:
        assert data["text"][s["start"]:s["end"]] == s["text"]
    assert client.get(f"/api/v1/analyses/{data['id']}").json() == data


def test_list_search_filter_and_delete(client):
    a = post(client, {"text": "Zebra crossing plans\n\nThe shameful, disgraceful zebra crossing plan is a disaster."}).json()
    b = post(client, {"html": (FIXTURES / "html" / "article_with_boilerplate.html").read_text(),
                      "url": "https://www.example.org/news/riverside"}).json()
    assert b["title"] == "Mayor's Plan Will Ruin the Riverside" and b["source"] == "https://www.example.org/news/riverside"
    listing = client.get("/api/v1/analyses", params={"limit": 2}).json()
    assert [i["id"] for i in listing["items"]] == [b["id"], a["id"]]  # newest first
    assert listing["total"] >= 2 and "text" not in listing["items"][0]
    assert [i["id"] for i in client.get("/api/v1/analyses", params={"q": "zebra"}).json()["items"]] == [a["id"]]
    assert [i["id"] for i in client.get("/api/v1/analyses", params={"domain": "example.org"}).json()["items"]] == [b["id"]]
    assert [i["id"] for i in client.get("/api/v1/analyses", params={"q": "100%_"}).json()["items"]] == []
    tech = a["spans"][0]["technique"] if a["spans"] else techniques.NAMES[0]
    ids = [i["id"] for i in client.get("/api/v1/analyses", params={"technique": tech, "limit": 100}).json()["items"]]
    assert (a["id"] in ids) == bool(a["spans"])
    assert client.get("/api/v1/analyses", params={"offset": 1, "limit": 1}).json()["items"][0]["id"] == a["id"]
    assert client.delete(f"/api/v1/analyses/{a['id']}").status_code == 204
    assert_error(client.get(f"/api/v1/analyses/{a['id']}"), 404, "not_found", a["id"])
    assert_error(client.delete(f"/api/v1/analyses/{a['id']}"), 404, "not_found")


def test_aids_in_the_api_and_history_filters(client, example_text):
    from propscan.assess.datasets import read_semeval2019

    partisan = read_semeval2019(FIXTURES / "aids" / "articles.xml")[0].text
    loaded = post(client, {"text": example_text}).json()
    angry = post(client, {"text": partisan}).json()
    calm = post(client, {"text": "Council notes\n\n" + " ".join(
        ["The council met on Tuesday and approved the minutes of the last meeting."] * 12)}).json()
    for a in (loaded, angry, calm):
        assert 0 <= a["hyperpartisan"]["probability"] <= 1 and a["hyperpartisan"]["caution"]
        assert client.get(f"/api/v1/analyses/{a['id']}").json()["hyperpartisan"] == a["hyperpartisan"]
    assert any("eleven months late" in c["text"] for c in loaded["claims"])
    for c in loaded["claims"]:
        assert loaded["text"][c["start"]:c["end"]] == c["text"]
    found = client.get("/api/v1/analyses", params={"claim": "eleven months late", "limit": 100}).json()["items"]
    assert [i["id"] for i in found] == [loaded["id"]] and found[0]["n_claims"] == len(loaded["claims"])
    assert found[0]["hyperpartisan_probability"] == pytest.approx(loaded["hyperpartisan"]["probability"], abs=1e-4)
    for label, which in (("hyperpartisan", lambda p: p >= 0.5), ("not", lambda p: p < 0.5)):
        items = client.get("/api/v1/analyses", params={"partisan": label, "limit": 100}).json()["items"]
        assert items and all(which(i["hyperpartisan_probability"]) for i in items)
        assert (angry["id"] in {i["id"] for i in items}) == (label == "hyperpartisan")
    assert client.get("/api/v1/analyses", params={"partisan": "maybe"}).status_code == 422
    page = client.get("/history", params={"claim": "eleven months late"}).text
    assert loaded["title"][:30] in page and calm["title"] not in page


def test_store_false_analyses_without_storing(client):
    before = stored_count(client)
    resp = client.post("/api/v1/analyses", params={"store": "false"}, json={"text": ARTICLE})
    assert resp.status_code == 200 and resp.json()["id"] is None and resp.json()["text"] == ARTICLE
    assert stored_count(client) == before


def test_url_is_fetched(local_client, site):
    resp = post(local_client, {"url": f"{site}/article"})
    assert resp.status_code == 201, resp.text
    data = resp.json()
    assert data["source_kind"] == "url" and data["fetched_at"] and data["title"] == "Mayor's Plan Will Ruin the Riverside"


def test_techniques_endpoint(client):
    data = client.get("/api/v1/techniques").json()
    assert [t["name"] for t in data] == list(techniques.NAMES)
    assert all(t["definition"] and t["example"] for t in data)


def test_openapi_document_describes_the_api(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/v1/analyses", "/api/v1/analyses/{analysis_id}", "/api/v1/techniques", "/healthz"} <= set(spec["paths"])
    docs = client.get("/docs")
    assert docs.status_code == 200 and "POST /api/v1/analyses" in docs.text
    import re

    scripts = re.findall(r"<script[^>]*>", docs.text)
    assert scripts and all('src="/static/' in tag for tag in scripts)  # no inline script, no CDN
    assert "`" not in docs.text and "<code>propscan analyze --format json</code>" in docs.text
    assert "curl -s -X POST http://localhost/api/v1/analyses" in docs.text  # the server as it was reached
    served = client.get("/docs", headers={"Host": "127.0.0.1:8765"})
    assert "curl -s -X POST http://127.0.0.1:8765/api/v1/analyses" in served.text


BAD_BODIES = [
    ({"text": ""}, 422, "invalid_input", "empty"),
    ({"text": " \n\t "}, 422, "invalid_input", "whitespace"),
    ({"text": 5}, 422, "invalid_request", "string"),
    ({"text": ["a"]}, 422, "invalid_request", "string"),
    ({"text": "a", "colour": "red"}, 422, "unknown_field", "colour"),
    ({}, 422, "invalid_request", "one of"),
    ({"text": "a", "html": "<p>b</p>"}, 422, "invalid_request", "exactly one"),
    ({"url": "javascript:alert(1)"}, 422, "invalid_input", "http"),
    ({"url": "ftp://example.org/a"}, 422, "invalid_input", "http"),
    ({"html": "<p>x</p>", "url": "javascript:alert(1)"}, 422, "invalid_input", "http"),
    ({"html": (FIXTURES / "html" / "no_article.html").read_text()}, 422, "no_article", "no article"),
    ({"url": "http://127.0.0.1:9/article"}, 422, "fetch_failed", "non-public"),
    ({"url": "http://10.0.0.7/article"}, 422, "fetch_failed", "non-public"),
    ({"url": "http://169.254.169.254/latest/meta-data"}, 422, "fetch_failed", "non-public"),
    ({"url": "http://[::1]/x"}, 422, "fetch_failed", "non-public"),
    ({"url": "http://224.0.0.1/x"}, 422, "fetch_failed", "non-public"),
]


@pytest.mark.parametrize("body,status,code,words", BAD_BODIES)
def test_bad_bodies_are_refused_and_nothing_is_stored(client, body, status, code, words):
    before = stored_count(client)
    assert_error(post(client, body), status, code, words)
    assert stored_count(client) == before
    assert client.get("/healthz").status_code == 200


def test_malformed_json_and_non_object(client):
    before = stored_count(client)
    resp = client.post("/api/v1/analyses", content=b'{"text": ', headers={"content-type": "application/json"})
    assert_error(resp, 400, "malformed_json", "not valid JSON")
    resp = client.post("/api/v1/analyses", content=b'["text"]', headers={"content-type": "application/json"})
    assert_error(resp, 422, "invalid_request")
    assert stored_count(client) == before


@pytest.mark.parametrize("path,words", [
    ("/article-nowhere", "HTTP 404"),
    ("/json", "not an HTML page"),
    ("/empty-page", "no article"),
])
def test_bad_urls(local_client, site, path, words):
    before = stored_count(local_client)
    resp = post(local_client, {"url": site + path})
    assert resp.status_code == 422 and words.lower() in resp.json()["error"]["message"].lower()
    assert stored_count(local_client) == before


def test_unreachable_and_too_large_urls(local_client, site):
    from web_helpers import free_port

    assert_error(post(local_client, {"url": f"http://127.0.0.1:{free_port()}/"}), 422, "fetch_failed", "unreachable")
    assert_error(post(local_client, {"url": site + "/big"}), 413, "too_large", "limit")


def test_size_limits(app_factory, local_client):
    assert_error(post(local_client, {"text": "word " * 2_000}), 413, "too_large", "5,000-character")
    small = app_factory(max_body=1_000)
    assert_error(post(small, {"text": "word " * 300}), 413, "body_too_large", "1,000-byte")
    # a chunked body without Content-Length is counted as it arrives
    resp = small.post("/api/v1/analyses", content=iter([b'{"text": "', b"x" * 2_000, b'"}']),
                      headers={"content-type": "application/json"})
    assert_error(resp, 413, "body_too_large")
    assert stored_count(small) == 0


@pytest.mark.parametrize("params", [{"limit": -1}, {"limit": 0}, {"limit": 10**6}, {"offset": -5},
                                    {"offset": 10**20}, {"limit": "ten"}, {"technique": "Lying"}])
def test_bad_pagination(client, params):
    assert_error(client.get("/api/v1/analyses", params=params), 422, "invalid_request")


def test_unknown_routes_and_methods(client):
    assert_error(client.get("/api/v1/nothing"), 404, "not_found")
    assert_error(client.put("/api/v1/techniques"), 405, "method_not_allowed")


def test_api_key_protects_writes(app_factory):
    c = app_factory(api_key="s3cret")
    assert_error(post(c, {"text": ARTICLE}), 401, "unauthorized", "bearer")
    assert_error(post(c, {"text": ARTICLE}, headers={"Authorization": "Bearer wrong"}), 401, "unauthorized")
    ok = post(c, {"text": ARTICLE}, headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 201
    aid = ok.json()["id"]
    assert c.get(f"/api/v1/analyses/{aid}").status_code == 200  # reads stay open
    assert_error(c.delete(f"/api/v1/analyses/{aid}"), 401, "unauthorized")
    assert c.delete(f"/api/v1/analyses/{aid}", headers={"Authorization": "Bearer s3cret"}).status_code == 204


def test_writes_from_another_origin_are_refused(client):
    resp = post(client, {"text": ARTICLE}, headers={"Origin": "http://evil.example"})
    assert_error(resp, 403, "cross_origin")
    resp = client.post("/analyse", data={"text": ARTICLE}, headers={"Origin": "null"})
    assert resp.status_code == 403


def test_security_headers_on_every_response(client):
    for path in ("/", "/history", "/healthz", "/api/v1/analyses/none"):
        csp = client.get(path).headers["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]


def test_serve_refuses_public_address_without_key(monkeypatch):
    monkeypatch.delenv("PROPSCAN_API_KEY", raising=False)
    result = run_cli("serve", "--host", "0.0.0.0", "--port", "1")
    assert result.code == 2 and "PROPSCAN_API_KEY" in result.err and len(result.err.strip().splitlines()) == 1


def test_server_keeps_answering_while_it_analyses(client, example_text):
    """Inference runs off the event loop: health checks return while a long article is analysed."""
    long_text = (example_text + "\n\n") * 30  # ~70k characters, a few seconds of work
    done = {}

    def analyse():
        done["status"] = client.post("/api/v1/analyses", params={"store": "false"}, json={"text": long_text}).status_code
        done["at"] = time.monotonic()

    worker = threading.Thread(target=analyse)
    worker.start()
    time.sleep(0.3)
    answered = []
    while worker.is_alive() and len(answered) < 3:
        assert client.get("/healthz").status_code == 200
        answered.append(time.monotonic())
    worker.join()
    assert done["status"] == 200
    assert answered and answered[0] < done["at"], "healthz should answer before the long analysis finishes"


def test_database_is_wal_and_migrates(tmp_path, analyzer):
    from propscan.store.sqlite import AnalysisStore

    db = tmp_path / "h.db"
    store = AnalysisStore(db)
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) == store.schema_version()
    con.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    con.commit()
    con.close()
    with pytest.raises(RuntimeError, match="newer"):
        AnalysisStore(db)


def test_short_article_is_answered_during_a_long_one(client, example_text):
    """The worker pauses a long article between windows to serve a short request; results are unchanged."""
    long_text = (example_text + "\n\n") * 30
    finished = {}

    def post_long():
        client.post("/api/v1/analyses", params={"store": "false"}, json={"text": long_text})
        finished["long"] = time.monotonic()

    worker = threading.Thread(target=post_long)
    worker.start()
    time.sleep(0.5)
    short = client.post("/api/v1/analyses", params={"store": "false"}, json={"text": ARTICLE})
    finished["short"] = time.monotonic()
    worker.join()
    assert short.status_code == 200 and finished["short"] < finished["long"]
    alone = client.post("/api/v1/analyses", params={"store": "false"}, json={"text": ARTICLE}).json()
    assert short.json()["spans"] == alone["spans"]


@pytest.mark.parametrize("content,content_type,status,code,words", [
    (b"", "application/json", 422, "empty_body", 'send JSON such as {"text": "..."} with Content-Type: application/json'),
    (b"", None, 422, "empty_body", "Content-Type: application/json"),
    (b'{"text": "The reckless plan."}', "text/plain", 415, "unsupported_media_type",
     'sent as text/plain, not as JSON: send JSON such as {"text": "..."} with Content-Type: application/json'),
    (b"text=The+reckless+plan.", "application/x-www-form-urlencoded", 415, "unsupported_media_type",
     "sent as application/x-www-form-urlencoded"),
    (b'["The reckless plan."]', "application/json", 422, "invalid_request", "JSON but not an object"),
])
def test_a_wrong_body_says_what_to_send(client, content, content_type, status, code, words):
    """'missing 'body'' and 'Input should be a valid dictionary or object to extract fields from'
    told a client nothing it could act on."""
    headers = {"content-type": content_type} if content_type else {}
    resp = client.post("/api/v1/analyses", content=content, headers=headers)
    assert_error(resp, status, code, words)
    assert "dictionary" not in resp.text and "'body'" not in resp.text


def test_a_delete_is_not_refused_for_a_body_it_never_reads(app_factory):
    small = app_factory(max_body=1_000)
    resp = small.request("DELETE", "/api/v1/analyses/nothing-here", content=b"x" * 5_000)
    assert_error(resp, 404, "not_found")
