"""The review API against the real app (real model, temporary SQLite): read and replace a reviewer's
decisions, the key every write needs, bad input as 4xx JSON, and the history's reviewed filter."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from web_helpers import client_factory

ARTICLE = ("Greyport's Bridge Disaster\n\nThe reckless, corrupt mayor and her band of clueless bureaucrats want to "
           "destroy our town. Make no mistake: this is the worst decision in the history of our city. "
           "Real patriots will stand up and fight. Stop the madness now!\n")


@pytest.fixture(scope="module")
def build(analyzer, tmp_path_factory):
    with client_factory(analyzer, lambda: tmp_path_factory.mktemp("db") / "propscan.db") as make:
        yield make


@pytest.fixture(scope="module")
def client(build):
    return build()


@pytest.fixture(scope="module")
def analysis(client) -> dict:
    resp = client.post("/api/v1/analyses", json={"text": ARTICLE})
    assert resp.status_code in (200, 201)
    data = resp.json()
    assert len([s for s in data["spans"] if s["confidence"] >= data["min_confidence"]]) >= 2, "the article needs shown spans"
    return data


def shown(data: dict) -> list[dict]:
    return [s for s in data["spans"] if s["confidence"] >= data["min_confidence"]]


def key(span: dict) -> dict:
    return {k: span[k] for k in ("start", "end", "technique")}


def put(c: TestClient, analysis_id: str, body, **kw):
    return c.put(f"/api/v1/analyses/{analysis_id}/review", json=body, **kw)


def assert_error(resp, status: int, code: str, words: str = ""):
    assert resp.status_code == status, resp.text
    assert resp.json()["error"]["code"] == code
    assert words.lower() in resp.json()["error"]["message"].lower()


def test_a_review_is_written_read_back_and_finished(client, analysis):
    first, second = shown(analysis)[:2]
    missed = {"start": 0, "end": ARTICLE.index("\n"), "technique": "Loaded_Language"}
    other = "Appeal_to_fear-prejudice" if second["technique"] != "Appeal_to_fear-prejudice" else "Doubt"
    body = {"reviewer": "Ana", "finished": True, "decisions": [
        {**key(first), "decision": "accept"},
        {**key(second), "decision": "relabel", "new_technique": other},
        {**missed, "decision": "add"},
    ]}
    resp = put(client, analysis["id"], body)
    assert resp.status_code == 200, resp.text
    review = resp.json()
    assert review["finished"] and review["reviewer"] == "Ana"
    assert {(s["start"], s["end"], s["technique"]) for s in review["spans"]} == {
        (first["start"], first["end"], first["technique"]), (second["start"], second["end"], other),
        (missed["start"], missed["end"], missed["technique"])}
    models = {d["decision"]: d["model_version"] for d in review["decisions"]}
    assert models["accept"] == analysis["model_version"] and models["add"] is None
    got = client.get(f"/api/v1/analyses/{analysis['id']}/review").json()
    assert got["reviewed"] and [r["reviewer"] for r in got["reviews"]] == ["Ana"]
    assert got["reviews"][0]["spans"] == review["spans"]
    assert client.get(f"/api/v1/analyses/{analysis['id']}/review", params={"reviewer": "Bo"}).json()["reviews"] == []


def test_history_shows_reviewed_and_filters_on_it(client, analysis):
    put(client, analysis["id"], {"reviewer": "Ana", "finished": True, "decisions": [
        {**key(shown(analysis)[0]), "decision": "reject"}]})
    other = client.post("/api/v1/analyses", json={"text": "A plain note about the weather today.\n\nIt rained."}).json()
    reviewed = client.get("/api/v1/analyses", params={"reviewed": "yes"}).json()
    assert [i["id"] for i in reviewed["items"]] == [analysis["id"]] and reviewed["items"][0]["reviewed"] is True
    not_reviewed = client.get("/api/v1/analyses", params={"reviewed": "no"}).json()
    assert other["id"] in {i["id"] for i in not_reviewed["items"]}
    assert analysis["id"] not in {i["id"] for i in not_reviewed["items"]}
    assert_error(client.get("/api/v1/analyses", params={"reviewed": "maybe"}), 422, "invalid_request", "reviewed")


@pytest.mark.parametrize("decision, words", [
    ({"start": 0, "end": 5, "technique": "Doubt", "decision": "accept"}, "proposed no such passage"),
    ({"start": 0, "end": 10_000, "technique": "Doubt", "decision": "add"}, "not a passage of the text"),
    ({"start": 0, "end": 5, "technique": "Propaganda", "decision": "add"}, "technique"),
    ({"start": 0, "end": 5, "technique": "Doubt", "decision": "maybe"}, "decision"),
    ({"start": "0", "end": 5, "technique": "Doubt", "decision": "add"}, "start"),
])
def test_decisions_that_do_not_fit_are_refused_and_nothing_is_kept(client, analysis, decision, words):
    before = client.get(f"/api/v1/analyses/{analysis['id']}/review", params={"reviewer": "Cy"}).json()["reviews"]
    resp = put(client, analysis["id"], {"reviewer": "Cy", "decisions": [decision]})
    assert resp.status_code == 422, resp.text
    assert words in resp.json()["error"]["message"]
    assert client.get(f"/api/v1/analyses/{analysis['id']}/review",
                      params={"reviewer": "Cy"}).json()["reviews"] == before == []


@pytest.mark.parametrize("body, status, code", [
    ({"decisions": []}, 422, "missing_field"),
    ({"reviewer": "   ", "decisions": []}, 422, "invalid_request"),
    ({"reviewer": "Ana", "decisions": [], "colour": "red"}, 422, "unknown_field"),
])
def test_bad_bodies_are_4xx_json(client, analysis, body, status, code):
    assert_error(put(client, analysis["id"], body), status, code)


def test_an_unknown_analysis_and_a_body_that_is_not_json(client, analysis):
    assert_error(put(client, "nope", {"reviewer": "Ana", "decisions": []}), 404, "not_found")
    assert_error(client.get("/api/v1/analyses/nope/review"), 404, "not_found")
    resp = client.put(f"/api/v1/analyses/{analysis['id']}/review", content=b'{"reviewer": "Ana", "decis',
                      headers={"Content-Type": "application/json"})
    assert_error(resp, 400, "malformed_json")


def test_reviewing_needs_the_api_key_when_one_is_set(build):
    c = build(api_key="s3cret")
    data = c.post("/api/v1/analyses", json={"text": ARTICLE}, headers={"Authorization": "Bearer s3cret"}).json()
    body = {"reviewer": "Ana", "decisions": [{**key(shown(data)[0]), "decision": "accept"}]}
    assert_error(put(c, data["id"], body), 401, "unauthorized")
    assert_error(put(c, data["id"], body, headers={"Authorization": "Bearer wrong"}), 401, "unauthorized")
    assert c.get(f"/api/v1/analyses/{data['id']}/review").json()["reviews"] == []
    assert put(c, data["id"], body, headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_a_write_from_another_site_is_refused(client, analysis):
    resp = put(client, analysis["id"], {"reviewer": "Ana", "decisions": []}, headers={"Origin": "http://evil.example"})
    assert_error(resp, 403, "cross_origin")


def test_the_review_operations_are_in_the_openapi_document(client):
    paths = client.get("/openapi.json").json()["paths"]
    ops = paths["/api/v1/analyses/{analysis_id}/review"]
    assert set(ops) == {"get", "put"}
    assert {"200", "401", "403", "404", "422"} <= set(ops["put"]["responses"])


def test_the_history_page_marks_reviewed_analyses_and_filters_on_them(client, analysis):
    put(client, analysis["id"], {"reviewer": "Ana", "finished": True, "decisions": [
        {**key(shown(analysis)[0]), "decision": "accept"}]})
    client.post("/api/v1/analyses", json={"text": "Weekly market notes\n\nPrices rose slightly on Tuesday."})
    page = client.get("/history", params={"reviewed": "yes"}).text
    assert f'/a/{analysis["id"]}' in page and "Weekly market notes" not in page
    assert 'class="reviewed-mark">reviewed<' in page and '<option value="yes" selected>' in page
    page = client.get("/history", params={"reviewed": "no"}).text
    assert "Weekly market notes" in page and f'/a/{analysis["id"]}' not in page
    page = client.get("/history", params={"reviewed": "maybe"}).text  # an unknown filter shows everything
    assert "Weekly market notes" in page and f'/a/{analysis["id"]}' in page
