"""Server-rendered pages without JavaScript: analyse by form (text, URL, upload), read, list, delete."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from conftest import FIXTURES
from propscan import techniques
from propscan.web.intake import Limits
from web_helpers import BASE, make_app

XSS_TITLE = '<script>alert("title")</script><img src=x onerror=alert(1)>'
XSS_TEXT = (XSS_TITLE + "\n\nThe corrupt, reckless mayor <b onmouseover=alert(2)>lies</b> again. "
            "<a href=\"javascript:alert(3)\">Read more</a>. Stop the madness now!\n")


@pytest.fixture(scope="module")
def client(analyzer, tmp_path_factory):
    app = make_app(analyzer, tmp_path_factory.mktemp("db") / "p.db", limits=Limits(allow_private=True, max_chars=50_000))
    with TestClient(app, base_url=BASE, raise_server_exceptions=False) as c:
        yield c


def analyse(client, **form):
    files = form.pop("files", None)
    return client.post("/analyse", data=form, files=files, follow_redirects=False)


def history_total(client) -> int:
    return client.get("/api/v1/analyses").json()["total"]


def test_home_has_the_three_inputs(client):
    page = client.get("/").text
    for field in ('name="text"', 'name="url"', 'name="file"', 'type="submit"'):
        assert field in page


def test_pasted_text_redirects_to_a_permalink_with_escaped_content(client):
    resp = analyse(client, text=XSS_TEXT)
    assert resp.status_code == 303
    page = client.get(resp.headers["location"])
    assert page.status_code == 200
    html = page.text
    # nothing from the article survives as markup: only the app's own script tag exists
    assert re.findall(r"<script[^>]*>", html) == ['<script type="application/json" id="ps-review-data">',
                                                  '<script type="application/json" id="ps-data">',
                                                  '<script src="/static/report/report.js">',
                                                  '<script src="/static/app.js">',
                                                  '<script src="/static/review.js">']
    # review mode's data holds the whole text as JSON, where no '<' can open a tag
    blob = re.search(r'<script type="application/json" id="ps-review-data">(.*?)</script>', html, re.S).group(1)
    assert "<" not in blob and "onerror=" in json.loads(blob)["text"]
    html = html.replace(blob, "")
    assert "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")  # only escaped text remains
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in html or "&lt;script&gt;" in html
    assert 'href="javascript:' not in html
    assert "Download JSON" in html and "Download HTML report" in html


def test_result_downloads(client):
    location = analyse(client, text=XSS_TEXT).headers["location"]
    aid = location.rsplit("/", 1)[1]
    j = client.get(f"/a/{aid}.json")
    assert j.headers["content-disposition"].startswith("attachment") and j.json()["text"] == XSS_TEXT
    report = client.get(f"/a/{aid}/report.html")
    assert report.headers["content-disposition"].startswith("attachment")
    assert "<script>alert" not in report.text and "&lt;script&gt;" in report.text


def test_url_and_upload_by_form(client, site):
    resp = analyse(client, url=f"{site}/article")
    assert resp.status_code == 303
    assert "Mayor&#39;s Plan Will Ruin the Riverside" in client.get(resp.headers["location"]).text
    html = (FIXTURES / "html" / "article_with_boilerplate.html").read_bytes()
    resp = analyse(client, files={"file": ("story.html", html, "text/html")})
    assert resp.status_code == 303
    resp = analyse(client, files={"file": ("notes.txt", "Café owners say the reckless plan is a disaster.".encode("cp1252"),
                                           "text/plain")})
    assert resp.status_code == 303
    assert "Café owners" in client.get(resp.headers["location"]).text


@pytest.mark.parametrize("form,status,words", [
    ({"text": ""}, 422, "nothing to analyse"),
    ({"text": "   \n  "}, 422, "only whitespace"),
    ({"text": "x " * 30_000}, 413, "character limit"),
    ({"text": "a", "url": "http://example.org/"}, 422, "only one"),
    ({"url": "javascript:alert(1)"}, 422, "http"),
    ({"files": {"file": ("a.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "image/png")}}, 422, ".txt"),
    ({"files": {"file": ("a.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "text/plain")}}, 422, "binary"),
    ({"files": {"file": ("a.txt", b"caf\xc3\xa9 " * 50 + b"\xff\xfe\xc3\x28", "text/plain")}}, 422, "UTF-8"),
    ({"files": {"file": ("a.html", (FIXTURES / "html" / "no_article.html").read_bytes(), "text/html")}}, 422, "no article"),
])
def test_bad_form_input_shows_an_inline_message(client, form, status, words):
    before = history_total(client)
    resp = analyse(client, **form)
    assert resp.status_code == status
    message = re.search(r'<p class="ps-error" role="alert" id="error">(.*?)</p>', resp.text, re.S)
    assert message and words.lower() in message.group(1).lower(), resp.text[:2000]
    assert history_total(client) == before


def test_bad_url_by_form_keeps_what_was_typed(client):
    resp = analyse(client, url="http://10.0.0.9/x\"><script>alert(1)</script>")
    assert resp.status_code == 422 and "<script>alert(1)</script>" not in resp.text
    assert "&#34;&gt;&lt;script&gt;" in resp.text  # echoed back, escaped


def test_history_lists_filters_and_charts(client):
    analyse(client, text="Quokka report\n\nThe disgraceful, shameful quokka policy is a total disaster for all.")
    page = client.get("/history").text
    assert "Quokka report" in page and 'class="ps-chart"' in page or "No propaganda" in page
    assert "Quokka report" in client.get("/history", params={"q": "quokka"}).text
    assert "Quokka report" not in client.get("/history", params={"q": "zzzz-nothing"}).text
    for bad in ({"page": "-3"}, {"page": "99999999999999999999"}, {"page": "x"}, {"technique": "<b>"}):
        assert client.get("/history", params=bad).status_code == 200


def test_delete_by_form(client):
    location = analyse(client, text="Delete me\n\nThe outrageous scheme is a catastrophe.").headers["location"]
    aid = location.rsplit("/", 1)[1]
    # one click asks first: the result page links to a confirmation form; a POST without it deletes nothing
    assert f'href="/a/{aid}/delete"' in client.get(location).text
    confirm = client.get(f"/a/{aid}/delete")
    assert confirm.status_code == 200 and 'name="confirm" value="yes"' in confirm.text
    resp = client.post(f"/a/{aid}/delete", follow_redirects=False)
    assert resp.status_code == 200 and "Delete this analysis?" in resp.text
    assert client.get(location).status_code == 200
    resp = client.post(f"/a/{aid}/delete", data={"confirm": "yes"}, follow_redirects=False)
    assert resp.status_code == 303 and client.get(location).status_code == 404
    assert client.post(f"/a/{aid}/delete", data={"confirm": "yes"}).status_code == 404
    assert client.get(f"/a/{aid}/delete").status_code == 404


def test_form_needs_the_key_when_one_is_set(analyzer, tmp_path):
    with TestClient(make_app(analyzer, tmp_path / "k.db", api_key="k3y"), base_url=BASE, raise_server_exceptions=False) as c:
        assert 'name="api_key"' in c.get("/").text
        resp = c.post("/analyse", data={"text": "The reckless plan."}, follow_redirects=False)
        assert resp.status_code == 401 and "API key" in resp.text
        resp = c.post("/analyse", data={"text": "The reckless plan.", "api_key": "k3y"}, follow_redirects=False)
        assert resp.status_code == 303


def test_guide_and_not_found_pages(client):
    guide = client.get("/techniques").text
    assert all(t.title in guide for t in techniques.TECHNIQUES)
    missing = client.get("/a/does-not-exist")
    assert missing.status_code == 404 and "Not found" in missing.text


def test_a_file_in_a_text_field_is_not_a_crash(client):
    resp = client.post("/analyse", files={"text": ("x.txt", b"hello", "text/plain")}, follow_redirects=False)
    assert resp.status_code == 422 and "nothing to analyse" in resp.text
    aid = analyse(client, text="Keep me\n\nThe outrageous scheme.").headers["location"].rsplit("/", 1)[1]
    resp = client.post(f"/a/{aid}/delete", files={"api_key": ("k.txt", b"k", "text/plain")})
    assert resp.status_code == 400 and client.get(f"/a/{aid}").status_code == 200


# --- the result page's switches (issue 27) ------------------------------------------------------

COUNCIL = ("Council Votes Again\n\nThe reckless council will ruin us all. Critics call the mayor a clown who "
           "cannot count. The budget rose by 4% in 2024, the third rise in a row.\n")


def council_doc():
    """A stored analysis as the model makes them: a loaded-language passage shown, a name-calling
    passage below the display threshold (hidden at first), and one claim to check."""
    from propscan.doc import AnalysedDocument, Claim, Span

    text = COUNCIL
    reckless, clown = text.index("reckless"), text.index("a clown")
    budget = text.index("The budget")
    return AnalysedDocument(text=text, source="pasted", title="Council Votes Again", model_version="fixture",
                            min_confidence=0.3,
                            spans=[Span(reckless, reckless + len("reckless"), "Loaded_Language", 0.71),
                                   Span(clown, clown + len("a clown"), "Name_Calling,Labeling", 0.12)],
                            claims=[Claim(budget, text.index("row.") + 4, 0.8)])


def stored_result_page(client, doc) -> str:
    stored, _ = client.app.state.store.add(doc, source_kind="pasted")
    return client.get(f"/a/{stored.id}").text


def test_legend_lists_only_techniques_with_a_passage_shown(client):
    """'Name calling 0' was listed and ticked: a technique whose only passage is below the display
    threshold is out of sight (the script shows it with the less certain passages); one never
    found is not listed at all."""
    page = stored_result_page(client, council_doc())
    legend = re.search(r'<ul class="ps-legend">(.*?)</ul>', page, re.S).group(1)
    rows = re.findall(r'<li data-tech="([^"]+)"( hidden)?>', legend)
    assert rows == [("Loaded_Language", ""), ("Name_Calling,Labeling", " hidden")]
    assert "Slogans" not in legend
    bar = re.search(r'<div class="bar" data-tech="Name_Calling,Labeling"( hidden)?>', page)
    assert bar and bar.group(1) == " hidden"  # nor drawn as an empty bar in the counts


def test_claim_outline_is_off_until_switched_on(client):
    """The in-text claim outline drowned the technique highlights: it is a switch beside the
    technique toggles, unticked, on the result page and in the downloaded report alike."""
    doc = council_doc()
    page = stored_result_page(client, doc)
    switch = re.search(r'<input type="checkbox" id="ps-claims-outline"([^>]*)>([^<]*)', page)
    assert switch and "checked" not in switch.group(1) and "1 claim to check" in switch.group(2)
    assert page.index('id="ps-claims-outline"') < page.index("</details>")  # with the technique toggles
    from propscan.render.html import render_report

    report = render_report(doc)
    assert re.search(r'<input type="checkbox" id="ps-claims-outline">', report)
    css = re.search(r"<style>(.*?)</style>", report, re.S).group(1)
    outlined = [rule for rule in css.split("}") if "outline: 1.5px dotted" in rule]
    assert outlined and all(":has(#ps-claims-outline:checked)" in rule for rule in outlined)


def test_switches_come_before_the_article(client, example_text):
    """On a phone the page is one column in markup order: the switches must precede the article
    (they came ~5,000 px down, after it)."""
    page = client.get(analyse(client, text=example_text).headers["location"]).text
    assert page.index('id="ps-controls"') < page.index('id="ps-article"') < page.index('class="ps-claims"')


def test_history_counts_the_passages_the_result_page_shows(client):
    """History counted every passage (hidden ones too) where the result page counts those shown at
    the display threshold: both now count the shown ones, and the page says so."""
    doc = council_doc()
    stored, _ = client.app.state.store.add(doc, source_kind="pasted")
    result = client.get(f"/a/{stored.id}").text
    shown_on_result = int(re.search(r'<strong id="ps-count">(\d+)</strong>', result).group(1))
    assert shown_on_result == 1 and len(doc.spans) == 2
    page = client.get("/history", params={"q": "Council Votes Again"}).text
    row = re.search(rf'<tr><td class="title"><a href="/a/{stored.id}">.*?</tr>', page, re.S).group(0)
    assert re.search(r'data-label="Passages shown">(\d+)<', row).group(1) == str(shown_on_result)
    assert "Passages shown</th>" in page and "at or above the display threshold" in page
    # the chart and the technique filter count the same passages: the hidden name calling is in neither
    assert 'data-tech="Name_Calling,Labeling"' not in page and 'data-tech="Loaded_Language"' in page
    only_hidden = client.get("/history", params={"q": "Council Votes Again", "technique": "Name_Calling,Labeling"})
    assert stored.id not in only_hidden.text
    assert stored.id in client.get("/history", params={"q": "Council Votes Again", "technique": "Loaded_Language"}).text
    listed = client.get("/api/v1/analyses", params={"q": "Council Votes Again"}).json()["items"][0]
    assert (listed["n_shown"], listed["n_spans"]) == (1, 2)


def test_a_too_large_upload_by_form_answers_with_the_page(analyzer, tmp_path):
    """The server's body limit answered a form upload with raw JSON: a browser now gets the form
    again with the message (413), while the API keeps its JSON error."""
    with TestClient(make_app(analyzer, tmp_path / "big.db", max_body=20_000), base_url=BASE,
                    raise_server_exceptions=False) as c:
        story = ("The reckless council will ruin the harbour. " * 1_000).encode()
        resp = analyse(c, files={"file": ("story.txt", story, "text/plain")})
        assert resp.status_code == 413 and resp.headers["content-type"].startswith("text/html")
        message = re.search(r'<p class="ps-error" role="alert" id="error">(.*?)</p>', resp.text, re.S).group(1)
        assert "20,000-byte limit" in message and "smaller file" in message
        assert 'name="file"' in resp.text and resp.headers["x-frame-options"] == "DENY"
        # sent in chunks, without a declared length, it is counted as it arrives
        form = b'--b\r\nContent-Disposition: form-data; name="text"\r\n\r\n' + story + b"\r\n--b--\r\n"
        chunked = c.post("/analyse", content=iter([form[i:i + 4096] for i in range(0, len(form), 4096)]),
                         headers={"content-type": "multipart/form-data; boundary=b"}, follow_redirects=False)
        assert chunked.status_code == 413 and "over the 20,000-byte limit" in chunked.text and "<form" in chunked.text
        api = c.post("/api/v1/analyses", json={"text": story.decode()})
        assert api.status_code == 413 and api.json()["error"]["code"] == "body_too_large"
        assert c.get("/api/v1/analyses").json()["total"] == 0
