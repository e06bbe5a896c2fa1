"""The SemEval-2020 Task 11 metrics on cases computed by hand."""

import pytest

from propscan.evaluate.metrics import labelled_score, merge, si_score, tc_score


def test_si_exact_match_is_perfect():
    r = si_score({"1": [(0, 10)]}, {"1": [(0, 10)]})
    assert (r.precision, r.recall, r.f1) == (1.0, 1.0, 1.0)


def test_si_partial_overlap_by_hand():
    # pred [0,10) vs gold [5,15): overlap 5 chars. P = 5/10, R = 5/10.
    r = si_score({"1": [(0, 10)]}, {"1": [(5, 15)]})
    assert r.precision == pytest.approx(0.5)
    assert r.recall == pytest.approx(0.5)
    assert r.f1 == pytest.approx(0.5)


def test_si_pools_over_articles_and_counts_misses():
    # article 1: pred [0,4) inside gold [0,8): P credit 1, R credit 4/8.
    # article 2: pred [10,20) with no gold: P credit 0. Gold [30,40) unmatched: R credit 0.
    pred = {"1": [(0, 4)], "2": [(10, 20)]}
    gold = {"1": [(0, 8)], "2": [(30, 40)]}
    r = si_score(pred, gold)
    assert r.precision == pytest.approx(1 / 2)
    assert r.recall == pytest.approx(0.5 / 2)
    assert r.f1 == pytest.approx(2 * 0.5 * 0.25 / 0.75)


def test_si_merges_overlapping_gold_and_pred():
    # gold [0,10) and [5,20) merge to [0,20); pred [0,5) and [3,10) merge to [0,10).
    r = si_score({"1": [(0, 5), (3, 10)]}, {"1": [(0, 10), (5, 20)]})
    assert r.n_gold == 1 and r.n_pred == 1
    assert r.precision == pytest.approx(1.0)
    assert r.recall == pytest.approx(10 / 20)


def test_si_one_prediction_across_two_gold_spans():
    # pred [0,30) covers gold [0,10) and [20,30): P = (10+10)/30, R = (1 + 1)/2.
    r = si_score({"1": [(0, 30)]}, {"1": [(0, 10), (20, 30)]})
    assert r.precision == pytest.approx(20 / 30)
    assert r.recall == pytest.approx(1.0)


def test_si_empty_prediction_scores_zero():
    r = si_score({}, {"1": [(0, 10)]})
    assert (r.precision, r.recall, r.f1) == (0.0, 0.0, 0.0)


def test_merge_keeps_touching_ranges_apart():
    assert merge([(5, 8), (0, 5), (7, 12)]) == [(0, 5), (5, 12)]


def test_labelled_credit_only_for_same_technique():
    gold = {"1": [("Doubt", 0, 10), ("Slogans", 20, 30)]}
    pred = {"1": [("Doubt", 0, 10), ("Doubt", 20, 30)]}
    pooled, per = labelled_score(pred, gold)
    # Doubt: 2 predictions, credit 1 (P 1/2); 1 gold fully covered (R 1). Slogans: 0 pred, 1 gold.
    assert per["Doubt"].precision == pytest.approx(0.5)
    assert per["Doubt"].recall == pytest.approx(1.0)
    assert per["Slogans"].recall == 0.0
    # pooled: P = 1/2, R = 1/2
    assert pooled.precision == pytest.approx(0.5)
    assert pooled.recall == pytest.approx(0.5)
    assert pooled.f1 == pytest.approx(0.5)


def test_tc_accuracy_with_repeated_spans_uses_best_assignment():
    lines = [("1", 0, 5, "Doubt"), ("1", 0, 5, "Slogans"), ("1", 9, 12, "Repetition"), ("2", 1, 3, "Doubt")]
    # predictions listed in the other order for the repeated span still count (best matching)
    predicted = ["Slogans", "Doubt", "Loaded_Language", "Doubt"]
    micro, per = tc_score(lines, predicted)
    assert micro == pytest.approx(3 / 4)
    assert per["Doubt"].f1 == pytest.approx(1.0)
    assert per["Repetition"].recall == 0.0
    assert per["Loaded_Language"].precision == 0.0


def test_tc_requires_one_prediction_per_line():
    with pytest.raises(ValueError):
        tc_score([("1", 0, 5, "Doubt")], [])
