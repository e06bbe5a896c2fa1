"""The CRF tagger: its training loss and run-time marginals agree with enumerating every tag path."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from conftest import model_copy
from propscan.bundle import load_bundle
from propscan.crf import marginals
from propscan.errors import ModelError

RNG = np.random.default_rng(7)


def _paths(emissions: np.ndarray, transitions: np.ndarray, start: np.ndarray):
    """Every tag path of a short sequence with its unnormalised log-score."""
    n = len(emissions)
    for path in itertools.product(range(3), repeat=n):
        score = start[path[0]] + emissions[0, path[0]]
        score += sum(transitions[path[t - 1], path[t]] + emissions[t, path[t]] for t in range(1, n))
        yield path, score


def test_marginals_equal_brute_force_over_all_tag_paths():
    logits, transitions, start = RNG.normal(size=(6, 3)), RNG.normal(size=(3, 3)), RNG.normal(size=3)
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    paths = list(_paths(logits, transitions, start))
    weights = np.exp([s for _, s in paths])
    weights /= weights.sum()
    expected = np.zeros((6, 3))
    for (path, _), w in zip(paths, weights):
        expected[np.arange(6), path] += w
    np.testing.assert_allclose(marginals([probs.astype(np.float32)], transitions, start)[0], expected, atol=1e-5)
    # windows of different lengths share one padded pass: each gets what it gets alone
    short = probs[:2].astype(np.float32)
    both = marginals([probs.astype(np.float32), short, short[:0]], transitions, start)
    np.testing.assert_allclose(both[0], expected, atol=1e-5)
    np.testing.assert_allclose(both[1], marginals([short], transitions, start)[0], atol=1e-6)
    assert both[2].shape == (0, 3)


def test_a_forbidden_transition_never_gets_probability():
    probs = np.array([[0.9, 0.05, 0.05], [0.1, 0.1, 0.8], [0.2, 0.1, 0.7]], dtype=np.float32)
    transitions = np.zeros((3, 3))
    transitions[0, 2] = -1e4  # O -> I: a span must begin with B
    m = marginals([probs], transitions, np.array([0.0, 0.0, -1e4]))[0]
    assert m[0, 2] < 1e-6  # nor can a window begin inside a span, here
    assert m[1, 1] > probs[1, 1]  # the I-looking token after a likely O is read as a beginning
    np.testing.assert_allclose(m.sum(1), 1.0, rtol=1e-5)


def test_crf_loss_is_the_negative_log_likelihood_of_the_gold_path():
    torch = pytest.importorskip("torch")
    from propscan.train.net import crf_nll

    n = 5
    emissions, transitions, start = RNG.normal(size=(n + 2, 3)), RNG.normal(size=(3, 3)), RNG.normal(size=3)
    gold = [1, 2, 0, 1, 2]
    scores = dict(_paths(emissions[1 : n + 1], transitions, start))
    expected = (np.log(np.exp(list(scores.values())).sum()) - scores[tuple(gold)]) / n
    tags = torch.tensor([[-100, *gold, -100], [-100, 0, 1, -100, -100, -100, -100]])
    batch = torch.tensor(np.stack([emissions, emissions]), dtype=torch.float64)
    t, s = torch.tensor(transitions), torch.tensor(start)
    # the second, shorter window adds its own two tokens' likelihood; the padding adds nothing
    short = dict(_paths(emissions[1:3], transitions, start))
    both = (expected * n + np.log(np.exp(list(short.values())).sum()) - short[(0, 1)]) / (n + 2)
    assert float(crf_nll(batch[:1], tags[:1], t, s)) == pytest.approx(expected, rel=1e-6)
    assert float(crf_nll(batch, tags, t, s)) == pytest.approx(both, rel=1e-6)


def test_the_detector_reads_a_crf_taggers_marginals(tmp_path):
    from propscan.detect import Detector

    text = "The corrupt elites lie again. Everyone knows the radical mob will destroy our great nation."
    plain = Detector(load_bundle(), threads=1).score([text])[0].bio
    chain = {"transitions": [[0.0, 0.0, -1e4], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], "start": [0.0, 0.0, -1e4]}
    bundle = load_bundle(model_copy(tmp_path, crf=chain))
    marg = Detector(bundle, threads=1).score([text])[0].bio
    assert marg[0, 2] < 1e-6  # no window starts inside a span under this chain
    assert not np.allclose(plain, marg)
    np.testing.assert_allclose(marg.sum(1), 1.0, rtol=1e-4)


@pytest.mark.parametrize("bad", [{"transitions": [[0.0] * 3] * 2, "start": [0, 0, 0]}, {"start": [0, 0, 0]},
                                 {"transitions": [[0.0] * 3] * 3, "start": [0, "x", 0]}, [1, 2],
                                 {"transitions": [[float("nan")] * 3] * 3, "start": [0, 0, 0]}])
def test_a_bad_crf_in_model_json_is_refused(tmp_path, bad):
    with pytest.raises(ModelError, match="crf must hold finite 3x3 transitions and 3 start scores"):
        load_bundle(model_copy(tmp_path, crf=bad))
