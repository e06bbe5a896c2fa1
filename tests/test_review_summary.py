"""What reviewers agree with (issue 30, part 5): per technique, how the model's passages fared in
review, counted the same way by `propscan reviews`, the Reviews page and the result page's line."""

from __future__ import annotations

import csv
import re

import pytest
from fastapi.testclient import TestClient

from conftest import run_cli
from propscan.doc import AnalysedDocument, Span
from propscan.review import Decision
from propscan.store.sqlite import AnalysisStore
from web_helpers import BASE, make_app

LL, NC, DOUBT, FLAG = "Loaded_Language", "Name_Calling,Labeling", "Doubt", "Flag-Waving"
TEXT = ("Only a traitor would sign this reckless deal 😀.\r\nThe corrupt elite will ruin us all, say the "
        "so-called experts, and nobody can stop this disastrous, shameful plan. Our flag, our nation!")


def at(words: str, technique: str) -> tuple[int, int, str]:
    start = TEXT.index(words)
    return (start, start + len(words), technique)


SPANS = [(at("traitor", NC), 0.9), (at("reckless", LL), 0.8), (at("corrupt elite", NC), 0.7),
         (at("disastrous", LL), 0.6), (at("shameful", LL), 0.55), (at("so-called experts", DOUBT), 0.3)]


def stored_with_reviews(store: AnalysisStore) -> str:
    doc = AnalysedDocument(text=TEXT, source="pasted", title="Deal", model_version="v1", min_confidence=0.5,
                           spans=[Span(*k, c) for k, c in SPANS])
    stored, _ = store.add(doc, source_kind="pasted")
    wider = at("corrupt elite will ruin", NC)
    # Ana: finished, leaving "shameful" (shown) undecided, which then counts as rejected.
    store.save_review(stored.id, "Ana", [
        Decision(*at("traitor", NC), "accept"), Decision(*at("reckless", LL), "accept"),
        Decision(*at("disastrous", LL), "reject"),
        Decision(*at("corrupt elite", NC), "extend", new_start=wider[0], new_end=wider[1]),
        Decision(*at("Our flag, our nation!", FLAG), "add")], finished=True)
    # Ben: open, so his undecided passages count as nothing yet.
    store.save_review(stored.id, "Ben", [
        Decision(*at("reckless", LL), "relabel", new_technique="Exaggeration,Minimisation"),
        Decision(*at("so-called experts", DOUBT), "accept"),
        Decision(*at("corrupt elite", NC), "extend", new_start=wider[0], new_end=wider[1], new_technique=LL)],
        finished=False)
    return stored.id


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "history.db"
    store = AnalysisStore(path)
    stored_with_reviews(store)
    store.close()
    return path


def test_cli_summary_counts_each_outcome_per_technique(db, tmp_path):
    out = tmp_path / "agreement.csv"
    r = run_cli("reviews", "--db", str(db), "--csv", str(out))
    assert r.code == 0, r.err
    assert r.out.startswith("2 reviews (1 finished) by 2 reviewers on 1 analysis")
    rows = {row["technique"]: row for row in csv.DictReader(out.open(encoding="utf-8"))}
    # Loaded language: Ana accepted 'reckless', rejected 'disastrous', left 'shameful' (shown) undecided
    # in a finished review; Ben relabelled 'reckless'.
    assert {k: rows[LL][k] for k in ("decided", "accepted", "extended", "relabelled", "rejected", "added")} == \
        {"decided": "4", "accepted": "1", "extended": "0", "relabelled": "1", "rejected": "2", "added": "0"}
    assert float(rows[LL]["accepted_share"]) == pytest.approx(0.25)
    # Name calling: 'traitor' accepted; 'corrupt elite' re-extended by Ana, re-extended and relabelled by Ben.
    assert (rows[NC]["accepted"], rows[NC]["extended"], rows[NC]["relabelled"], rows[NC]["rejected"]) == ("1", "1", "1", "0")
    assert rows[DOUBT]["accepted"] == "1" and rows[FLAG]["added"] == "1" and rows[FLAG]["decided"] == "0"
    assert rows[FLAG]["accepted_share"] == ""
    line = next(line for line in r.out.splitlines() if line.startswith("Loaded language"))
    assert line.split()[2:] == ["4", "1", "0", "1", "2", "25%", "0"]


def test_cli_summary_of_a_history_without_reviews(tmp_path):
    path = tmp_path / "empty.db"
    AnalysisStore(path).close()
    r = run_cli("reviews", "--db", str(path))
    assert r.code == 0 and "0 reviews" in r.out and "No decisions yet." in r.out


@pytest.mark.parametrize("make", ["missing", "not_sqlite"])
def test_cli_summary_refuses_a_bad_database_in_one_line(tmp_path, make):
    path = tmp_path / "history.db"
    if make == "not_sqlite":
        path.write_bytes(b"this is not a database, just some bytes" * 50)
    r = run_cli("reviews", "--db", str(path), "--csv", str(tmp_path / "out.csv"))
    assert r.code != 0 and r.out == ""
    assert len(r.err.strip().splitlines()) == 1 and "Traceback" not in r.err
    assert not (tmp_path / "out.csv").exists()


def test_cli_summary_refuses_a_csv_in_a_missing_folder(db, tmp_path):
    r = run_cli("reviews", "--db", str(db), "--csv", str(tmp_path / "nowhere" / "out.csv"))
    assert r.code != 0 and "does not exist" in r.err and len(r.err.strip().splitlines()) == 1


@pytest.fixture
def client(analyzer, tmp_path):
    app = make_app(analyzer, tmp_path / "web.db")
    with TestClient(app, base_url=BASE) as c:
        yield c


def test_reviews_page_shows_each_technique_and_the_empty_state(client):
    empty = client.get("/reviews")
    assert empty.status_code == 200 and "No reviews yet" in empty.text and 'id="agreement"' not in empty.text
    analysis_id = stored_with_reviews(client.app.state.store)
    page = client.get("/reviews").text
    assert "2 reviews (1 finished) by\n2 reviewers on 1 analysis" in page
    row = re.search(r'<tr data-tech="Loaded_Language">(.*?)</tr>', page, re.S).group(1)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells == ["4", "25% (1)", "0", "1", "2", "0"]
    assert '<tr data-tech="Flag-Waving">' in page and '<tr data-tech="Slogans">' not in page
    # the result page: one line on the techniques this article shows, most decided first
    result = client.get(f"/a/{analysis_id}").text
    line = re.search(r'<p class="ps-note" id="agreement-line">(.*?)</p>', result, re.S).group(1)
    assert line.startswith("Reviewers here accepted 25% of Loaded language passages (of 4), "
                           "33% of Name calling / labeling passages (of 3)")
    assert "Doubt" not in line  # 'so-called experts' is below the display threshold: not shown here


def test_result_page_has_no_agreement_line_without_reviews(client):
    doc = AnalysedDocument(text=TEXT, source="pasted", title="Deal", model_version="v1", min_confidence=0.5,
                           spans=[Span(*k, c) for k, c in SPANS])
    stored, _ = client.app.state.store.add(doc, source_kind="pasted")
    page = client.get(f"/a/{stored.id}").text
    assert 'id="agreement-line"' not in page
    assert 'id="rv-nojs"' in page and 'id="ps-review-data"' in page  # review mode's notice and data
    # the downloaded report is the same renderer, read-only: no review mode in it
    report = client.get(f"/a/{stored.id}/report.html").text
    assert not any(part in report for part in ("rv-", "ps-review-data", "review.js"))
