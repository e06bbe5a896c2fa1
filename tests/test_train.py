"""`propscan train` and the tuning step cannot rot: a few steps on a tiny corpus, end to end."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from conftest import FIXTURES, run_cli
from propscan import techniques
from propscan.bundle import load_bundle
from propscan.guards import GuardOptions
from propscan.ptc import load_corpus
from propscan.train.cv import CHANNEL_GRID, EXTEND_GRID, GRID, candidates_key
from propscan.train.calibrate import fit_platt
from propscan.train.tune import tune

MINI = FIXTURES / "ptc_mini"


@pytest.mark.slow
def test_train_smoke_writes_a_loadable_bundle(tmp_path):
    out, work = tmp_path / "model", tmp_path / "work"
    r = run_cli("train", "--data", str(MINI), "--out", str(out), "--work", str(work),
                "--max-steps", "2", "--version", "smoke-test", "--threads", "2", "--lr", "3e-5",
                "--window-jitter", "20", "--ema", "0.99", "--window-tokens", "100", "--batch-size", "4",
                "--epochs", "2.5", "--crf")
    assert r.code == 0, r.err
    config = json.loads((work / "train.json").read_text())["config"]
    # the options reach the trainer
    assert (config["lr"], config["window_jitter"], config["ema"]) == (3e-5, 20, 0.99)
    assert (config["window_tokens"], config["batch_size"], config["epochs"], config["crf"]) == (100, 4, 2.5, True)
    assert (work / "weights.last.safetensors").is_file()  # with --ema the last step's weights are kept beside
    bundle = load_bundle(out)
    assert bundle.version == "smoke-test"
    assert bundle.window_tokens == 100  # the runtime packs windows as training did
    assert bundle.crf is not None  # and reads the CRF tagger's marginals
    card = (out / "MODEL_CARD.md").read_text()
    assert len(re.findall(r"^- `[a-z_.]+` sha256 `[0-9a-f]{64}`$", card, re.M)) == 3
    assert (work / "weights.safetensors").is_file()
    r = run_cli("predict", str(MINI / "train-articles"), "--format", "si", "--model", str(out))
    assert r.code == 0, r.err


@pytest.mark.slow
def test_train_reuses_weights_of_the_same_recipe_and_data_only(tmp_path):
    """Exporting again with new settings need not train again; any other recipe or data must."""
    out, work = tmp_path / "model", tmp_path / "work"
    args = ["train", "--data", str(MINI), "--work", str(work), "--no-crf", "--max-steps", "2", "--threads", "1"]
    assert run_cli(*args, "--out", str(out), "--version", "first").code == 0
    weights, record = (work / "weights.safetensors").read_bytes(), (work / "train.json").read_text()
    (work / "weights.safetensors").write_bytes(weights[:-4] + b"    ")  # a mark retraining would erase
    marked = (work / "weights.safetensors").read_bytes()
    r = run_cli(*args, "--out", str(out), "--version", "second")
    assert r.code == 0, r.err
    assert (work / "weights.safetensors").read_bytes() == marked and (work / "train.json").read_text() == record
    assert load_bundle(out).version == "second"
    assert "crf" not in json.loads((out / "model.json").read_text())  # a plain tagger's model.json as before
    training = json.loads((out / "model.json").read_text())["training"]
    assert "export_seconds" in training and "total_seconds" not in training  # says it only exported
    r = run_cli(*args[:-4], "--max-steps", "1", "--threads", "1", "--out", str(out))
    assert r.code == 0, r.err
    assert json.loads((work / "train.json").read_text())["steps"] == 1
    r = run_cli(*args, "--max-articles", "2", "--out", str(out))  # other data: trained again
    assert r.code == 0, r.err
    assert json.loads((work / "train.json").read_text())["articles"] == 2


def test_train_refuses_a_folder_without_ptc_files(tmp_path):
    r = run_cli("train", "--data", str(tmp_path), "--out", str(tmp_path / "m"), "--work", str(tmp_path / "w"))
    assert r.code != 0 and "train-articles" in r.err and "Traceback" not in r.err


def _synthetic_oof(arts, head_misnames=None, channel=None):
    """Out-of-fold records where only the (0.55, 0.1) candidates match gold exactly. The span
    classifier calls ``head_misnames`` spans Doubt; ``channel`` = (technique, threshold, extend)
    is the one channel setting that finds that technique's gold spans."""
    oof = {}
    for a in arts:
        groups = sorted({(s, e) for _, s, e in a.spans})
        cands = {}
        for th, ext in ((th, ext) for th in GRID for ext in EXTEND_GRID if th - ext >= 0.05):
            widen = 0 if (th, ext) == (0.55, 0.1) else 10 if (th, ext) == (0.5, 0.0) else 30
            spans = []
            for s, e in groups:
                row = np.full(len(techniques.NAMES), 0.01)
                for t, gs, ge in a.spans:
                    if (gs, ge) == (s, e):
                        row[techniques.INDEX["Doubt" if t == head_misnames else t]] = 0.5
                spans.append([max(0, s - widen), e + widen, 0.9, list(row / row.sum())])
            cands[candidates_key(th, ext)] = spans
        oof[a.id] = {"candidates": cands,
                     "tc": [[s, e, [0.9 if t == n else 0.01 for n in techniques.NAMES]]
                            for s, e in groups for t in [next(t for t, gs, ge in a.spans if (gs, ge) == (s, e))]]}
        if channel is not None:
            name, th0, ext0 = channel
            oof[a.id]["channels"] = {
                n: {candidates_key(th, ext): [[s, e, 0.7] for t, s, e in a.spans if t == n]
                    if (n, th, ext) == (name, th0, ext0) else [] for th, ext in CHANNEL_GRID}
                for n in techniques.NAMES}
    return oof


def test_tune_picks_thresholds_that_recover_gold():
    """Synthetic out-of-fold predictions: spans come closest to gold at threshold 0.5 without
    extension, and are exact only at 0.55 grown down by 0.1; tuning must find both steps."""
    arts = load_corpus(MINI / "train-articles", MINI / "train-task-flc-tc.labels")
    oof = _synthetic_oof(arts)
    # The fixture's gold has spans the precision guards would change (a final "!", a Repetition of a
    # phrase that occurs once); this test is about the threshold search, so it runs without them.
    report = tune(oof, arts, GuardOptions.off())
    settings = report["settings"]
    assert (settings["si_threshold"], settings["si_extend"]) == (0.55, 0.1)
    assert (settings["label_threshold"], settings["label_extend"]) == (0.55, 0.1)
    assert report["si"]["f1"] > 0.6
    assert report["labelled"]["recall"] > 0.9
    assert report["tc_micro_f1"] >= 0.8
    json.dumps(report)
    guarded = tune(oof, arts)  # with the guards, the same search still finds the exact candidates
    assert (guarded["settings"]["si_threshold"], guarded["settings"]["si_extend"]) == (0.55, 0.1)


def test_tune_reads_a_technique_from_its_channel_when_the_classifier_misnames_it():
    arts = load_corpus(MINI / "train-articles", MINI / "train-task-flc-tc.labels")
    name = "Loaded_Language"
    assert any(t == name for a in arts for t, _, _ in a.spans)
    without = tune(_synthetic_oof(arts, head_misnames=name), arts)
    assert without["settings"]["channels"] == {}  # no channel candidates: the classifier alone
    report = tune(_synthetic_oof(arts, head_misnames=name, channel=(name, 0.3, 0.0)), arts)
    assert report["settings"]["channels"][name] == [0.3, 0.0]
    assert report["labelled"]["f1"] > without["labelled"]["f1"] + 0.05
    json.dumps(report)


def test_platt_scaling_learns_a_monotone_map():
    rng = np.random.default_rng(0)
    raw = rng.uniform(0.01, 0.99, 2000)
    correct = (rng.uniform(size=2000) < raw**2).astype(int)
    a, b = fit_platt(list(raw), list(correct))
    assert a > 0


def test_tune_never_reads_a_technique_from_a_channel_that_names_it_worse_than_the_classifier():
    """Hand-made out-of-fold record. The classifier finds 1 of 4 Slogans (F1 0.22); the channel
    at 0.2 finds 2 of 4 among 12 spans (F1 0.25, so it may replace the classifier); every other
    channel setting finds nothing. Reading Slogans from an empty channel would lift the pooled F1
    (0.50 against 0.46), but only by never reporting Slogans at all, so tuning must not."""
    from propscan.bundle import Settings
    from propscan.train.tune import _labelled, _per_technique

    text = " ".join(f"w{i:03d}xxxxx" for i in range(60))  # 60 ten-character words, 11 apart
    at = [(11 * i, 11 * i + 10) for i in range(60)]
    gold = [("Slogans", *at[i]) for i in (0, 2, 4, 6)] + [("Loaded_Language", *at[i]) for i in (10, 12)]

    def named(name, i):
        row = np.full(len(techniques.NAMES), 0.05 / (len(techniques.NAMES) - 1))
        row[techniques.INDEX[name]] = 0.95
        return [*at[i], 0.9, list(row)]

    settings = Settings(label_threshold=0.4, label_join_words=0, second_label=1.01)
    cands = [named("Loaded_Language", i) for i in (10, 12)] + [named("Slogans", i) for i in (0, 14, 16, 18, 20)]
    channels = {n: {candidates_key(th, ext): [] for th, ext in CHANNEL_GRID} for n in techniques.NAMES}
    channels["Slogans"][candidates_key(0.2, 0.0)] = [[*at[i], 0.6] for i in (0, 2, *range(30, 50, 2))]
    oof = {"1": {"candidates": {candidates_key(0.4, 0.0): cands}, "channels": channels}}
    _per_technique(oof, settings, {"1": text}, {"1": gold})
    assert settings.channels.get("Slogans") in (None, [0.2, 0.0])  # never an empty channel
    labelled = _labelled(oof, settings, {"1": text})["1"]
    assert any(t == "Slogans" for t, *_ in labelled)  # still reported, from the classifier or the 0.2 channel


def test_whole_sentence_techniques_are_read_from_how_gold_spans_fill_their_sentences():
    from propscan.ptc import LabelledArticle
    from propscan.train.tune import whole_sentence_techniques

    text = "Is he really honest? The vile plan failed. Who can say if it works?"
    q1, q2 = (0, text.index("?") + 1), (text.index("Who"), len(text))
    vile = text.index("vile")
    arts = [LabelledArticle("1", text, [("Doubt", *q1), ("Doubt", *q2), ("Loaded_Language", vile, vile + 4),
                                        ("Slogans", q2[0], q2[0] + 7)])]
    assert whole_sentence_techniques(arts) == ["Doubt"]


def test_window_jitter_repacks_each_epoch_and_keeps_every_token():
    from propscan.encoding import load_tokenizer
    from propscan.segment import WINDOW_TOKENS
    from propscan.train.base import base_model_dir
    from propscan.train.loop import epoch_examples, recipe

    from propscan.ptc import LabelledArticle

    tokenizer = load_tokenizer(base_model_dir() / "tokenizer.json")
    text = " ".join(f"Sentence {i} says the corrupt elites lie again and again to everyone here." for i in range(40))
    spans = [("Loaded_Language", m.start(), m.start() + 7) for m in re.finditer("corrupt", text)]
    arts = [LabelledArticle("1", text, spans)]
    plain = epoch_examples(tokenizer, arts, recipe(epochs=3.0))
    assert len(plain) == 3 and all(epoch is plain[0] for epoch in plain)  # no jitter: the runtime's packing every epoch
    jittered = epoch_examples(tokenizer, arts, recipe(epochs=3.0, window_jitter=40))
    assert len(jittered) == 3
    n_tokens = sum(len(ex.ids) for ex in plain[0])
    for epoch in jittered:
        assert sum(len(ex.ids) for ex in epoch) == n_tokens  # windows still tile the articles
        assert max(len(ex.ids) for ex in epoch) <= WINDOW_TOKENS
        assert sum(len(ex.spans) for ex in epoch) == sum(len(ex.spans) for ex in plain[0])
    assert len({tuple(len(ex.ids) for ex in epoch) for epoch in jittered}) > 1  # packed differently
    assert len(jittered[0]) > len(plain[0])  # smaller windows, so more of them
    wide = epoch_examples(tokenizer, arts, recipe(epochs=1.0, window_tokens=254))[0]
    assert sum(len(ex.ids) for ex in wide) == n_tokens and max(len(ex.ids) for ex in wide) <= 254
    assert len(wide) < len(plain[0])  # wider windows, so fewer of them


def test_weight_average_follows_the_trainable_weights_and_forgets_the_start():
    import torch
    from torch import nn

    from propscan.train.loop import WeightAverage

    net = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    net[0].weight.requires_grad_(False)  # frozen, like the word embeddings
    frozen = net[0].weight.detach().clone()
    with torch.no_grad():
        net[1].bias.fill_(0.0)
    average = WeightAverage(net, decay=0.9)
    with torch.no_grad():
        net[1].bias.fill_(1.0)
        start = net[1].weight.detach().clone()
    average.update()  # warm-up: decay min(0.9, 2/11), so the start's share is 2/11
    assert torch.allclose(average.average["1.bias"], torch.full((1,), 9 / 11), atol=1e-6)
    for _ in range(200):
        average.update()
    state = average.averaged_state(net)
    assert torch.allclose(state["1.bias"], torch.ones(1), atol=1e-6)  # converges on the trained weight
    assert torch.equal(state["1.weight"], start)
    assert torch.equal(state["0.weight"], frozen) and "0.weight" not in average.average


@pytest.mark.slow
def test_train_stopped_by_sigterm_resumes_to_the_weights_of_an_uninterrupted_run(tmp_path, monkeypatch):
    """`propscan train`'s own loop (EMA, CRF, warm-up schedule, jittered windows) on the real base:
    stopped after 3 of 6 steps by a real SIGTERM, resumed, it ends with the same bytes."""
    import os
    import signal

    from propscan.train import engine, loop

    arts = load_corpus(MINI / "train-articles", MINI / "train-task-flc-tc.labels")
    cfg = loop.recipe(max_steps=6, batch_size=4, window_tokens=100, window_jitter=20, epochs=3.0, threads=1,
                      precision="bf16", ema=0.9)
    whole = loop.train(arts, tmp_path / "whole", cfg).read_bytes()
    calls = []
    real_loss = loop.batch_loss

    def stopping_loss(*args):
        calls.append(1)
        if len(calls) == 3:
            os.kill(os.getpid(), signal.SIGTERM)  # arrives mid-step: the step finishes, then the fit stops
        return real_loss(*args)

    monkeypatch.setattr(loop, "batch_loss", stopping_loss)
    with pytest.raises(engine.Interrupted):
        loop.train(arts, tmp_path / "stopped", cfg)
    assert (tmp_path / "stopped" / "train.ckpt").is_file() and not (tmp_path / "stopped" / "weights.safetensors").exists()
    monkeypatch.setattr(loop, "batch_loss", real_loss)
    resumed = loop.train(arts, tmp_path / "stopped", cfg, resume=True)
    assert resumed.read_bytes() == whole
    assert not (tmp_path / "stopped" / "train.ckpt").exists()  # a finished fit leaves no checkpoint
    assert json.loads((tmp_path / "stopped" / "train.json").read_text())["config"]["precision"] == "bf16"
