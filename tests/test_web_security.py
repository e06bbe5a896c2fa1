"""Regression tests for the server's security review: DNS rebinding, lone surrogates, headers on
crashes, the address given beside pasted HTML, and one history row per repeated analysis."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from conftest import FIXTURES, run_cli
from propscan.web.config import allowed_hosts_for
from propscan.web.intake import Limits
from web_helpers import BASE, make_app

ARTICLE = ("Greyport's Bridge Disaster\n\nThe reckless, corrupt mayor and her band of clueless bureaucrats want to "
           "destroy our town. Make no mistake: this is the worst decision in the history of our city.\n")
SURROGATE_TEXT = "Lone surrogate \ud800 here. The reckless, corrupt mayor wants to destroy our town.\n"
PAGE = (FIXTURES / "html" / "article_with_boilerplate.html").read_text(encoding="utf-8")
SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy")


@pytest.fixture(scope="module")
def client(analyzer, tmp_path_factory):
    app = make_app(analyzer, tmp_path_factory.mktemp("db") / "s.db", limits=Limits(allow_private=True))
    with TestClient(app, base_url=BASE, raise_server_exceptions=False) as c:
        yield c


def test_foreign_host_is_refused_on_every_route(client):
    """A rebinding page reaches loopback under its own name: every route must refuse that Host."""
    evil = {"Host": "attacker.example:8765"}
    for path in ("/api/v1/analyses", "/", "/history", "/docs", "/openapi.json", "/static/app.css",
                 "/static/report/report.js", "/healthz", "/no-such-page"):
        resp = client.get(path, headers=evil)
        assert resp.status_code == 400, path
        assert resp.json()["error"]["code"] == "host_not_allowed"
        assert all(h in resp.headers for h in SECURITY_HEADERS)
    before = client.get("/api/v1/analyses").json()["total"]
    resp = client.post("/api/v1/analyses", json={"text": ARTICLE},
                       headers={**evil, "Origin": "http://attacker.example:8765"})
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "host_not_allowed"
    assert client.get("/api/v1/analyses").json()["total"] == before


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1:8765", "[::1]:8000", "LOCALHOST", "127.0.0.1"])
def test_loopback_hosts_are_answered(client, host):
    assert client.get("/healthz", headers={"Host": host}).status_code == 200


def test_allowed_hosts_come_from_host_and_allowed_host(analyzer, tmp_path):
    assert allowed_hosts_for("0.0.0.0") == ("localhost", "127.0.0.1", "::1")
    hosts = allowed_hosts_for("192.168.1.5", ["News.Example.org"])
    assert hosts == ("localhost", "127.0.0.1", "::1", "192.168.1.5", "news.example.org")
    app = make_app(analyzer, tmp_path / "h.db", allowed_hosts=hosts)
    with TestClient(app, base_url="http://news.example.org", raise_server_exceptions=False) as c:
        assert c.get("/healthz").status_code == 200
        assert c.get("/healthz", headers={"Host": "192.168.1.5:8000"}).status_code == 200
        assert c.get("/healthz", headers={"Host": "evil.example.org"}).status_code == 400


def test_serve_help_names_the_allow_list():
    result = run_cli("serve", "--help")
    assert result.code == 0 and "--allowed-host" in result.out


def post_json(client, body: dict, **kw):
    """JSON with \\u escapes, as a client sends a lone surrogate (UTF-8 cannot carry one)."""
    return client.post("/api/v1/analyses", content=json.dumps(body), headers={"Content-Type": "application/json"},
                       **kw)


def test_lone_surrogate_is_replaced_with_a_warning_by_the_api(client):
    resp = post_json(client, {"text": "abc \ud800 def"}, params={"store": "false"})
    assert resp.status_code == 200, resp.text
    resp = post_json(client, {"text": SURROGATE_TEXT})
    assert resp.status_code == 201, resp.text
    data = resp.json()
    assert data["text"] == SURROGATE_TEXT.replace("\ud800", "\ufffd")
    assert len(data["text"]) == len(SURROGATE_TEXT)  # offsets unchanged
    assert any("surrogate" in w for w in data["warnings"])
    assert all(data["text"][s["start"]:s["end"]] == s["text"] for s in data["spans"])
    page = client.get(f"/a/{data['id']}")
    assert page.status_code == 200 and "surrogate" in page.text


def test_lone_surrogate_in_pasted_html_and_the_form(client):
    html = PAGE.replace("<h1>", "<h1>\ud800", 1)
    resp = post_json(client, {"html": html}, params={"store": "false"})
    assert resp.status_code == 200 and "\ufffd" in resp.json()["text"]
    # the form posts UTF-8, which cannot carry a lone surrogate; a browser sends U+FFFD or a
    # surrogate escape the multipart parser decodes: either way the page answers
    resp = client.post("/analyse", data={"text": SURROGATE_TEXT.replace("\ud800", "\\ud800")})
    assert resp.status_code in (200, 303)


def test_lone_surrogate_on_the_command_line(tmp_path):
    wtf8 = tmp_path / "wtf8.txt"  # UTF-8 with an encoded surrogate (WTF-8 / CESU-8 style)
    wtf8.write_bytes(SURROGATE_TEXT.encode("utf-8", "surrogatepass"))
    result = run_cli("analyze", str(wtf8), "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["text"] == SURROGATE_TEXT.replace("\ud800", "\ufffd")
    assert "surrogate" in result.err and "Traceback" not in result.err
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text(json.dumps({"id": "bad\udc80id", "text": SURROGATE_TEXT}) + "\n"
                     + json.dumps({"id": "ok", "text": ARTICLE}) + "\n", encoding="utf-8")
    result = run_cli("batch", str(jsonl), "--sqlite", str(tmp_path / "b.db"), "--workers", "1")
    assert result.code == 0, result.err
    import sqlite3

    with sqlite3.connect(tmp_path / "b.db") as db:
        ids = sorted(r[0] for r in db.execute("SELECT id FROM documents"))
    assert ids == ["bad\ufffdid", "ok"]


def test_unexpected_errors_carry_security_headers(analyzer, tmp_path, monkeypatch):
    app = make_app(analyzer, tmp_path / "e.db")
    with TestClient(app, base_url=BASE, raise_server_exceptions=False) as c:
        def boom(raw):
            raise RuntimeError("model exploded")

        monkeypatch.setattr(c.app.state.queue, "analyze", boom)
        resp = c.post("/api/v1/analyses", json={"text": ARTICLE})
        assert resp.status_code == 500
        assert resp.json()["error"]["code"] == "internal_error" and "exploded" not in resp.text
        assert all(h in resp.headers for h in SECURITY_HEADERS)
        resp = c.post("/analyse", data={"text": ARTICLE})
        assert resp.status_code == 500 and all(h in resp.headers for h in SECURITY_HEADERS)


@pytest.mark.parametrize("url", [
    'https://ex"><script>alert(10)</script>.com/',
    "javascript:alert(1)",
    "https://exa mple.com/",
    "ftp://example.com/x",
    "https://-bad-.example/",
    "https:///path-only",
])
def test_url_beside_html_is_checked_like_a_fetched_url(client, url):
    before = client.get("/api/v1/analyses").json()["total"]
    resp = client.post("/api/v1/analyses", json={"html": PAGE, "url": url})
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "invalid_input"
    assert client.get("/api/v1/analyses").json()["total"] == before
    assert "<script>" not in client.get("/history").text


def test_url_beside_html_is_kept_when_valid(client):
    resp = client.post("/api/v1/analyses", json={"html": PAGE, "url": "https://news.example.org/story?id=1"})
    assert resp.status_code == 201 and resp.json()["source"] == "https://news.example.org/story?id=1"


def test_private_address_refusal_speaks_to_a_web_user(client, monkeypatch):
    monkeypatch.setattr(client.app.state.config, "limits", Limits(allow_private=False))
    resp = client.post("/api/v1/analyses", json={"url": "http://127.0.0.1:9/x"})
    assert resp.status_code == 422
    message = resp.json()["error"]["message"]
    assert "private" in message and "--" not in message
    form = client.post("/analyse", data={"url": "http://127.0.0.1:9/x"})
    assert "private networks" in form.text and "--allow-private" not in form.text


def test_same_text_is_stored_once(client):
    first = client.post("/api/v1/analyses", json={"text": ARTICLE + "Once.\n"})
    assert first.status_code == 201
    total = client.get("/api/v1/analyses").json()["total"]
    again = client.post("/api/v1/analyses", json={"text": ARTICLE + "Once.\n"})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert again.headers["location"] == f"/api/v1/analyses/{first.json()['id']}"
    assert again.json()["analysed_again_at"] and first.json()["analysed_again_at"] is None
    form = client.post("/analyse", data={"text": ARTICLE + "Once.\n"}, follow_redirects=False)
    assert form.headers["location"] == f"/a/{first.json()['id']}"
    assert client.get("/api/v1/analyses").json()["total"] == total
    assert "analysed again" in client.get(f"/a/{first.json()['id']}").text
    other = client.post("/api/v1/analyses", json={"text": ARTICLE + "Twice.\n"})
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]


def test_405_names_every_method_the_path_takes(client):
    resp = client.put("/api/v1/analyses", json={})
    assert resp.status_code == 405
    assert set(resp.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    resp = client.patch("/api/v1/analyses/abc")
    assert set(resp.headers["allow"].replace(" ", "").split(",")) >= {"GET", "DELETE"}


def test_a_body_that_is_not_utf8_is_a_documented_400(client):
    resp = client.post("/api/v1/analyses", content=b'{"text": "abc \xff def"}',
                       headers={"Content-Type": "application/json"})
    assert resp.status_code == 400 and resp.json()["error"] == {"code": "malformed_json",
                                                                "message": "request body is not JSON in UTF-8"}
    spec = client.get("/openapi.json").json()
    assert "malformed_json" in spec["paths"]["/api/v1/analyses"]["post"]["responses"]["400"]["description"]


def test_nulls_are_refused_as_the_schema_says(client):
    resp = client.post("/api/v1/analyses", json={"text": None, "url": None, "html": None})
    assert resp.status_code == 422 and "not null" in resp.json()["error"]["message"]


def test_title_is_a_headline_cut_at_a_word(client):
    """No headline: the first sentence, not the first 200 characters cut mid-word."""
    body = ("The reckless mayor and her clueless cronies have decided to wreck the harbour bridge again. "
            "Nobody asked the people who built it with their own hands. " * 3)
    data = client.post("/api/v1/analyses", json={"text": body}, params={"store": "false"}).json()
    assert data["title"] == body.split(". ")[0] + "."
    run_on = "word " * 80
    data = client.post("/api/v1/analyses", json={"text": run_on + "\n\nMore."}, params={"store": "false"}).json()
    assert data["title"].endswith("word…") and len(data["title"]) <= 120
    stored = client.post("/api/v1/analyses", json={"text": "Short Headline\n\n" + body}).json()
    listed = client.get("/api/v1/analyses", params={"q": "Short Headline"}).json()["items"]
    assert stored["title"] == "Short Headline" and listed[0]["title"] == "Short Headline"
