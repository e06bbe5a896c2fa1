"""Checks on the real PTC training data (run only where ../shared/data/ptc sits beside the checkout)."""

from __future__ import annotations

from collections import Counter

import pytest

from conftest import SHARED_PTC, needs_shared
from propscan import techniques
from propscan.encoding import encode, load_tokenizer
from propscan.bundle import load_bundle
from propscan.ptc import load_corpus
from propscan.segment import token_range, windows_for
from propscan.train.cv import N_FOLDS, fold_of

pytestmark = [pytest.mark.shared, needs_shared]


def corpus():
    return load_corpus(SHARED_PTC / "train-articles", SHARED_PTC / "train-task-flc-tc.labels")


def test_corpus_reads_with_offsets_inside_the_text():
    arts = corpus()
    assert len(arts) == 371
    spans = [(a, s) for a in arts for s in a.spans]
    assert len(spans) == 6128
    assert {t for _, (t, _, _) in spans} == set(techniques.NAMES)
    for a, (_, s, e) in spans:
        assert 0 <= s < e <= len(a.text) and a.text[s:e].strip()


def test_folds_split_by_article_into_even_parts():
    arts = corpus()
    folds = fold_of(arts)
    sizes = Counter(folds.values())
    assert set(sizes) == set(range(N_FOLDS)) and max(sizes.values()) - min(sizes.values()) <= 1


def test_every_gold_span_maps_to_tokens_in_a_window():
    tok = load_tokenizer(load_bundle().tokenizer)
    for a in corpus()[:60]:
        enc = encode(tok, a.text)
        windows = windows_for(a.text, enc.offsets)
        assert windows[0].start == 0 and windows[-1].stop == len(enc.offsets)
        for _, s, e in a.spans:
            first, stop = token_range(enc.offsets, s, e)
            assert stop > first
            assert any(w.start <= first < w.stop for w in windows)
