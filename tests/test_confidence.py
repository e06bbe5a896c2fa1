"""Confidence a reader can use: per-technique calibration, the display threshold, and the outputs
that hide less certain passages at first while the JSON keeps them all."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from conftest import FIXTURES, run_cli
from propscan.bundle import load_bundle
from propscan.render.html import render_report
from propscan.train import calibrate

ARTICLE = FIXTURES / "guards" / "article.txt"


def _synthetic(n: int, seed: int, slope: float):
    rng = np.random.default_rng(seed)
    raw = rng.uniform(0.05, 0.95, n)
    truth = 1 / (1 + np.exp(-slope * np.log(raw / (1 - raw)) + 1.0))
    return list(raw), list((rng.uniform(size=n) < truth).astype(int))


def test_each_technique_gets_its_own_scaling_and_a_rare_one_stays_near_the_pooled_fit():
    raw_a, ok_a = _synthetic(3000, 0, 2.0)  # frequent, steep
    raw_b, ok_b = _synthetic(3000, 1, 0.5)  # frequent, flat
    raw_c, ok_c = [0.9] * 6, [0] * 6  # rare: six confident misses
    names = ["A"] * 3000 + ["B"] * 3000 + ["C"] * 6
    pooled, own = calibrate.fit_per_technique(raw_a + raw_b + raw_c, ok_a + ok_b + ok_c, names)
    assert own["A"][0] > 1.5 and own["B"][0] < 0.8  # slopes recovered
    at_pooled = calibrate.apply([0.9], ["C"], pooled, {})[0]
    at_own = calibrate.apply([0.9], ["C"], pooled, own)[0]
    assert 0.4 * at_pooled < at_own < at_pooled  # six misses lower it, but cannot send it to zero


def test_display_threshold_is_the_lowest_cut_reaching_the_precision():
    conf = [i / 100 for i in range(100)]
    correct = [int(c >= 0.5) for c in conf]  # everything at 0.5 and above is right
    chosen = calibrate.display_threshold(conf, correct, target=0.6)
    assert chosen["threshold"] == 0.2 and chosen["precision"] >= 0.6  # 50 right of 80 kept; 50 of 85 is not
    assert "reaches" in chosen["rule"]


def test_display_threshold_falls_back_to_f05_when_precision_is_out_of_reach():
    rng = np.random.default_rng(3)
    conf = list(rng.uniform(0, 1, 4000))
    correct = [int(rng.uniform() < 0.5 * c) for c in conf]  # never above 0.5 precise
    chosen = calibrate.display_threshold(conf, correct, target=0.6)
    assert 0 < chosen["threshold"] < 1 and "F0.5" in chosen["rule"]
    table = calibrate.reliability(conf, correct)
    assert sum(r["spans"] for r in table) == len(conf)
    assert table[-1]["precision"] > table[0]["precision"]


def test_cross_fitting_never_reads_a_span_with_the_scaling_fitted_on_its_own_article():
    raw = [0.9] * 40 + [0.9] * 40
    correct = [1] * 40 + [0] * 40
    groups = ["a1"] * 40 + ["a2"] * 40  # ids in different halves
    assert calibrate.hash_half("a1") != calibrate.hash_half("a2")
    held = calibrate.cross_fitted(raw, correct, ["LL"] * 80, groups)
    assert held[0] < 0.5 < held[-1]  # each half is read with the other half's (opposite) fit


def test_the_shipped_model_has_per_technique_scaling_and_a_display_threshold():
    settings = load_bundle().settings
    assert 0 < settings.display_threshold < 1
    assert len(settings.calib) >= 10
    assert settings.calibration("Loaded_Language") != settings.calibration("Doubt")


def test_terminal_output_hides_less_certain_passages_and_says_how_to_see_them():
    shown = run_cli("analyze", str(ARTICLE), "--format", "terminal")
    every = run_cli("analyze", str(ARTICLE), "--min-confidence", "0")
    data = json.loads(run_cli("analyze", str(ARTICLE), "--format", "json").out)
    threshold = data["min_confidence"]
    assert threshold == load_bundle().settings.display_threshold
    below = [s for s in data["spans"] if s["confidence"] < threshold]
    assert below, "the fixture article should have less certain passages"
    rows = lambda out: [line for line in out.splitlines() if re.match(r"\d+\t\d+\t", line)]  # noqa: E731
    assert len(rows(every.out)) == len(data["spans"])
    assert len(rows(shown.out)) == len(data["spans"]) - len(below)
    assert f"{len(below)} less certain passage" in shown.out and "--min-confidence 0" in shown.out
    assert all(float(r.split("\t")[3]) >= threshold - 0.005 for r in rows(shown.out))


@pytest.mark.parametrize("value", ["-0.1", "1.5", "x"])
def test_min_confidence_outside_0_to_1_is_a_usage_error(value):
    r = run_cli("analyze", str(ARTICLE), "--min-confidence", value)
    assert r.code == 2 and "Traceback" not in r.err and "--min-confidence" in r.err


def test_html_report_has_every_passage_and_hides_the_less_certain_at_first(analyzer):
    from propscan.ingest.sources import from_text

    doc = analyzer.analyze([from_text(ARTICLE.read_text(encoding="utf-8"), "fixture")])[0]
    page = render_report(doc)
    n_below = sum(s.confidence < doc.min_confidence for s in doc.spans)
    assert page.count('data-unc="1" hidden') == n_below > 0
    assert f"Show {n_below} less certain passage" in page
    assert f'<strong id="ps-count">{len(doc.spans) - n_below}</strong>' in page
    blob = json.loads(re.search(r'<script type="application/json" id="ps-data">(.*?)</script>', page).group(1))
    assert len(blob["spans"]) == len(doc.spans) and blob["min_confidence"] == doc.min_confidence
