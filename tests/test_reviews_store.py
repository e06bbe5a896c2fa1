"""Reviews kept in the store: decisions keyed by span, the reviewed annotation, the history filter,
carrying a review over to a newer model's analysis, and imports that store all or nothing."""

from __future__ import annotations

import sqlite3

import pytest

from propscan.doc import AnalysedDocument, Span
from propscan.errors import InputError
from propscan.review import Decision
from propscan.store.sqlite import MIGRATIONS, AnalysisStore, ImportedDocument, Query

TEXT = ("Only a traitor would sign this deal 😀.\r\nThe corrupt elite will ruin us all, "
        "say the so-called experts, and nobody can stop it.")
NAME = "Name_Calling,Labeling"


def span(word: str, technique: str, confidence: float) -> Span:
    start = TEXT.index(word)
    return Span(start, start + len(word), technique, confidence)


def key(word: str, technique: str) -> tuple[int, int, str]:
    start = TEXT.index(word)
    return (start, start + len(word), technique)


def analysis(model: str, spans: list[Span]) -> AnalysedDocument:
    return AnalysedDocument(text=TEXT, source="pasted", title="Deal", model_version=model, spans=spans,
                            min_confidence=0.5)


SPANS_V1 = [span("traitor", NAME, 0.9), span("corrupt elite", NAME, 0.8),
            span("ruin us all", "Exaggeration,Minimisation", 0.7), span("so-called experts", "Doubt", 0.3)]


@pytest.fixture
def store(tmp_path):
    s = AnalysisStore(tmp_path / "reviews.db")
    yield s
    s.close()


def test_a_finished_review_is_what_was_accepted_relabelled_extended_or_added(store):
    stored, _ = store.add(analysis("v1", SPANS_V1), source_kind="pasted")
    extended = key("corrupt elite will ruin us all", NAME)
    review = store.save_review(stored.id, "  Ana  Ruiz ", [
        Decision(*key("traitor", NAME), "accept"),
        Decision(*key("corrupt elite", NAME), "extend", new_start=extended[0], new_end=extended[1]),
        Decision(*key("ruin us all", "Exaggeration,Minimisation"), "relabel", new_technique="Loaded_Language"),
        Decision(*key("nobody can stop it", "Flag-Waving"), "add"),
    ], finished=True)
    assert review.reviewer == "Ana Ruiz" and review.finished
    assert review.spans() == sorted([key("traitor", NAME), extended, key("ruin us all", "Loaded_Language"),
                                     key("nobody can stop it", "Flag-Waving")])
    assert {d.model_version for d in review.decisions if d.decision != "add"} == {"v1"}
    assert [d.model_version for d in review.decisions if d.decision == "add"] == [None]
    again = store.reviews(stored.id, "Ana Ruiz")[0]
    assert again.spans() == review.spans() and again.finished_at == review.finished_at


def test_saving_again_keeps_when_each_unchanged_decision_was_made(store):
    stored, _ = store.add(analysis("v1", SPANS_V1), source_kind="pasted")
    first = store.save_review(stored.id, "ana", [Decision(*key("traitor", NAME), "accept")], finished=False)
    sqlite3.connect(store.path).execute("UPDATE review_decisions SET decided_at = 'earlier'").connection.commit()
    second = store.save_review(stored.id, "ana", [Decision(*key("traitor", NAME), "accept"),
                                                  Decision(*key("corrupt elite", NAME), "reject")], finished=False)
    times = {d.start: d.decided_at for d in second.decisions}
    assert times[key("traitor", NAME)[0]] == "earlier"
    assert times[key("corrupt elite", NAME)[0]] != "earlier" and not first.finished


@pytest.mark.parametrize("decision, words", [
    (Decision(0, 4, NAME, "accept"), "proposed no such passage"),
    (Decision(*key("traitor", NAME), "add"), "accept it instead"),
    (Decision(0, len(TEXT) + 1, NAME, "add"), "not a passage of the text"),
    (Decision(5, 2, NAME, "add"), "not a passage of the text"),
    (Decision(0, 4, "Propaganda", "add"), "unknown technique 'Propaganda'; known: Loaded_Language, Name_Calling"),
    (Decision(*key("traitor", NAME), "relabel", new_technique=NAME), "different new_technique"),
    (Decision(*key("traitor", NAME), "extend", new_start=0, new_end=len(TEXT) + 3), "not a passage"),
    (Decision(*key("traitor", NAME), "maybe"), "one of accept, reject"),
])
def test_a_decision_that_does_not_fit_the_analysis_is_refused_and_nothing_is_kept(store, decision, words):
    stored, _ = store.add(analysis("v1", SPANS_V1), source_kind="pasted")
    with pytest.raises(InputError, match="decision 2") as caught:
        store.save_review(stored.id, "ana", [Decision(*key("corrupt elite", NAME), "accept"), decision], finished=True)
    assert words in caught.value.message
    assert store.reviews(stored.id) == []


def test_history_says_which_analyses_are_reviewed_and_filters_on_it(store):
    reviewed, _ = store.add(analysis("v1", SPANS_V1), source_kind="pasted")
    started, _ = store.add(AnalysedDocument(text="Another text entirely.", source="pasted", model_version="v1"),
                           source_kind="pasted")
    store.add(AnalysedDocument(text="A third one.", source="pasted", model_version="v1"), source_kind="pasted")
    store.save_review(reviewed.id, "ana", [Decision(*key("traitor", NAME), "accept")], finished=True)
    store.save_review(started.id, "ana", [Decision(0, 7, "Doubt", "add")], finished=False)  # not finished yet
    items, total = store.list(Query(reviewed="yes"))
    assert [s.id for s in items] == [reviewed.id] and total == 1 and items[0].reviewed is True
    items, total = store.list(Query(reviewed="no"))
    assert total == 2 and reviewed.id not in {s.id for s in items} and not any(s.reviewed for s in items)
    assert store.ids(reviewed_only=True) == [reviewed.id] and len(store.ids()) == 3


def test_a_newer_model_keeps_the_decisions_on_spans_it_proposes_exactly(store):
    old, _ = store.add(analysis("v1", SPANS_V1), source_kind="pasted")
    store.save_review(old.id, "ana", [
        Decision(*key("traitor", NAME), "accept"),
        Decision(*key("corrupt elite", NAME), "reject"),
        Decision(*key("ruin us all", "Exaggeration,Minimisation"), "relabel", new_technique="Loaded_Language"),
        Decision(*key("nobody can stop it", "Flag-Waving"), "add"),
    ], finished=True)
    # v2 keeps 'traitor' exactly, moves 'corrupt elite' by a character, relabels 'ruin us all' itself,
    # and now proposes the passage the reviewer added
    new_spans = [span("traitor", NAME, 0.9), span("corrupt elit", NAME, 0.8), span("ruin us all", "Loaded_Language", 0.7),
                 span("nobody can stop it", "Flag-Waving", 0.6)]
    new, created = store.add(analysis("v2", new_spans), source_kind="pasted")
    assert created and new.id != old.id
    carried = store.reviews(new.id, "ana")[0]
    by_key = {d.key: d for d in carried.decisions}
    assert set(by_key) == {key("traitor", NAME), key("nobody can stop it", "Flag-Waving")}
    assert by_key[key("traitor", NAME)].decision == "accept" and by_key[key("traitor", NAME)].model_version == "v1"
    assert by_key[key("nobody can stop it", "Flag-Waving")].decision == "accept"
    # two shown spans of v2 are new to the reviewer: the review is open again, so they are not counted as rejected
    assert not carried.finished
    assert store.list(Query(reviewed="yes"))[1] == 1  # the old analysis's review is untouched
    assert len(store.reviews(old.id, "ana")[0].decisions) == 4


def test_a_carried_review_stays_finished_when_it_decides_every_shown_span(store):
    old, _ = store.add(analysis("v1", SPANS_V1[:2]), source_kind="pasted")
    store.save_review(old.id, "ana", [Decision(*key("traitor", NAME), "accept"),
                                      Decision(*key("corrupt elite", NAME), "reject")], finished=True)
    new, _ = store.add(analysis("v2", [span("traitor", NAME, 0.95), span("corrupt elite", NAME, 0.6),
                                       span("so-called experts", "Doubt", 0.2)]), source_kind="pasted")
    carried = store.reviews(new.id)[0]
    assert carried.finished and carried.spans() == [key("traitor", NAME)]


def test_the_same_model_and_text_again_is_one_analysis_with_its_review(store):
    first, _ = store.add(analysis("v1", SPANS_V1), source_kind="pasted")
    store.save_review(first.id, "ana", [Decision(*key("traitor", NAME), "accept")], finished=True)
    again, created = store.add(analysis("v1", SPANS_V1), source_kind="pasted")
    assert not created and again.id == first.id and len(store.reviews(first.id)) == 1


def test_deleting_an_analysis_deletes_its_reviews(store):
    stored, _ = store.add(analysis("v1", SPANS_V1), source_kind="pasted")
    store.save_review(stored.id, "ana", [Decision(*key("traitor", NAME), "accept")], finished=True)
    assert store.delete(stored.id)
    con = sqlite3.connect(store.path)
    assert con.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] == 0
    assert con.execute("SELECT COUNT(*) FROM review_decisions").fetchone()[0] == 0


def test_an_import_onto_its_own_analysis_accepts_rejects_and_adds(store):
    stored, _ = store.add(analysis("v1", SPANS_V1), source_kind="pasted")
    wanted = [key("traitor", NAME), key("so-called experts", "Doubt"), key("nobody", "Doubt")]
    [(analysis_id, new)] = store.import_reviewed([ImportedDocument(TEXT, wanted, id=stored.id)], "import")
    assert analysis_id == stored.id and not new
    review = store.reviews(stored.id, "import")[0]
    decisions = {d.key: d.decision for d in review.decisions}
    assert decisions == {key("traitor", NAME): "accept", key("so-called experts", "Doubt"): "accept",
                         key("corrupt elite", NAME): "reject", key("ruin us all", "Exaggeration,Minimisation"): "reject",
                         key("nobody", "Doubt"): "add"}
    assert review.finished and review.spans() == sorted(wanted)


def test_an_import_of_an_unknown_text_is_a_new_reviewed_analysis(store):
    [(analysis_id, new)] = store.import_reviewed(
        [ImportedDocument(TEXT, [key("traitor", NAME)], id="not-here", title="Deal", source="x.txt")], "import")
    assert new
    stored = store.get(analysis_id)
    assert stored.source_kind == "imported" and stored.doc.text == TEXT and stored.doc.spans == []
    assert store.reviews(analysis_id)[0].spans() == [key("traitor", NAME)]
    assert store.list(Query(reviewed="yes"))[1] == 1


def test_the_schema_has_the_reviews_migration(store):
    assert store.schema_version() == len(MIGRATIONS)
    tables = {r[0] for r in sqlite3.connect(store.path).execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"reviews", "review_decisions"} <= tables
