"""`propscan adapt`: masked-language modelling on unlabelled news, and fine-tuning from its weights."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import FIXTURES, run_cli
from propscan.encoding import CLS_ID, PAD_ID, SEP_ID, batch_arrays
from propscan.train.adapt import MASK_ID, hyperpartisan_texts, mask_tokens, unlabelled_texts

HYPERPARTISAN = """<?xml version="1.0" encoding="UTF-8"?><articles>
<article id="1" title="Walls closing in"> From flickr.com <p>The walls are
  closing in.</p> <p>Act <a href="x">now</a>!</p></article>
<article id="2" title="Second"><p>Plain   text.</p></article>
</articles>"""


def unlabelled_folder(root):
    (root / "hyperpartisan").mkdir(parents=True)
    (root / "hyperpartisan" / "articles-training.xml").write_text(HYPERPARTISAN, encoding="utf-8")
    (root / "polnear" / "train" / "text").mkdir(parents=True)
    story = (FIXTURES / "ptc_mini" / "train-articles").glob("article*.txt")
    for i, path in enumerate(sorted(story)):
        (root / "polnear" / "train" / "text" / f"story{i}.txt").write_text(path.read_text(encoding="utf-8"))
    return root


def test_hyperpartisan_articles_keep_title_and_paragraphs_only(tmp_path):
    path = tmp_path / "a.xml"
    path.write_text(HYPERPARTISAN, encoding="utf-8")
    assert hyperpartisan_texts(path) == ["Walls closing in The walls are closing in. Act now !", "Second Plain text."]


def test_unlabelled_texts_read_both_corpora_and_never_ptc(tmp_path):
    root = unlabelled_folder(tmp_path)
    (root / "ptc" / "train-articles").mkdir(parents=True)
    (root / "ptc" / "train-articles" / "article1.txt").write_text("held-out PTC text")
    texts = unlabelled_texts(root)
    assert len(texts) == 2 + len(list((root / "polnear" / "train" / "text").iterdir()))
    assert not any("held-out PTC" in t for t in texts)


def test_masking_spares_special_tokens_and_follows_berts_split():
    rng = np.random.default_rng(0)
    rows = [np.arange(1000, 1000 + n) for n in rng.integers(20, 126, size=400)]
    ids, mask = batch_arrays(rows)
    masked, labels = mask_tokens(ids, mask, np.random.default_rng(1))
    chosen = labels != -100
    assert not chosen[np.isin(ids, [CLS_ID, SEP_ID, PAD_ID])].any()
    assert (labels[chosen] == ids[chosen]).all()  # the target is the original token
    assert 0.14 < chosen.sum() / sum(len(r) for r in rows) < 0.16
    assert 0.78 < (masked[chosen] == MASK_ID).mean() < 0.82
    assert 0.08 < (masked[chosen] == ids[chosen]).mean() < 0.12  # kept as they were
    assert (masked[~chosen] == ids[~chosen]).all()


def test_adapt_refuses_a_folder_without_unlabelled_news(tmp_path):
    r = run_cli("adapt", "--data", str(tmp_path), "--out", str(tmp_path / "out"))
    assert r.code != 0 and "holds no unlabelled news" in r.err and "Traceback" not in r.err
    assert not (tmp_path / "out" / "encoder.safetensors").exists()


def test_adapt_refuses_broken_xml_in_one_line(tmp_path):
    (tmp_path / "hyperpartisan").mkdir()
    (tmp_path / "hyperpartisan" / "articles-x.xml").write_text("<articles><article>", encoding="utf-8")
    r = run_cli("adapt", "--data", str(tmp_path), "--out", str(tmp_path / "out"))
    assert r.code != 0 and "not readable XML" in r.err and "Traceback" not in r.err
    assert len(r.err.strip().splitlines()) == 1


@pytest.mark.slow
def test_adapted_encoder_moves_and_train_starts_from_it(tmp_path):
    from safetensors.numpy import load_file

    from propscan.train.base import base_model_dir

    root = unlabelled_folder(tmp_path / "news")
    r = run_cli("adapt", "--data", str(root), "--out", str(tmp_path / "adapted"), "--epochs", "1",
                "--head-steps", "1", "--threads", "1")
    assert r.code == 0, r.err
    record = json.loads((tmp_path / "adapted" / "adapt.json").read_text())
    assert record["texts"] == len(unlabelled_texts(root)) and record["steps"] > 1
    adapted = load_file(str(tmp_path / "adapted" / "encoder.safetensors"))
    base = load_file(str(base_model_dir() / "model.safetensors"))
    layer = "encoder.layer.0.attention.self.query.weight"
    assert not np.allclose(adapted[layer], base[layer])  # the encoder moved
    word = "embeddings.word_embeddings.weight"
    assert np.array_equal(adapted[word], base[word])  # the word table stayed frozen

    work = tmp_path / "work"
    r = run_cli("train", "--data", str(FIXTURES / "ptc_mini"), "--out", str(tmp_path / "model"), "--work", str(work),
                "--max-steps", "1", "--threads", "1", "--base-weights", str(tmp_path / "adapted" / "encoder.safetensors"))
    assert r.code == 0, r.err
    assert json.loads((work / "train.json").read_text())["base_weights_sha256"] == record["sha256"]
    card = (tmp_path / "model" / "MODEL_CARD.md").read_text()  # the card says what else the encoder saw
    assert "No other data." not in card and record["sha256"] in card and "PolNeAR" in card


@pytest.mark.slow
@pytest.mark.parametrize("content, says", [
    (b"not safetensors at all", "not a readable safetensors file"),
    ({"tokens.bio.weight": np.zeros((3, 384), dtype=np.float32)}, "not all-MiniLM-L6-v2 encoder weights"),
    (None, "does not exist"),
])
def test_train_refuses_base_weights_that_are_not_an_adapted_encoder(tmp_path, content, says):
    from safetensors.numpy import save_file

    path = tmp_path / "encoder.safetensors"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        save_file(content, str(path))
    r = run_cli("train", "--data", str(FIXTURES / "ptc_mini"), "--work", str(tmp_path / "work"),
                "--out", str(tmp_path / "model"), "--max-steps", "1", "--threads", "1", "--base-weights", str(path))
    assert r.code != 0 and says in " ".join(r.err.split()) and "Traceback" not in r.err, r.err
    assert not (tmp_path / "model").exists() and not (tmp_path / "work" / "weights.safetensors").exists()
