"""Learning from reviews (issue 30, section 4): the gate both ways, models use/list/remove, --model
with a learned model, and bad input. The shipped fast model scores a few dozen short texts; the
learned head is small, so each learn takes seconds."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from conftest import run_cli

pytest.importorskip("torch")

from propscan.predict import Predictor  # noqa: E402
from propscan.store.sqlite import AnalysisStore, ImportedDocument  # noqa: E402

OPENINGS = [
    "The council met on Tuesday to discuss the new budget for schools and roads.",
    "Officials said the bridge repairs would take another three months to finish.",
    "Residents gathered outside the town hall as the vote was counted late into the night.",
    "The minister visited the port city and spoke with dock workers about their wages.",
    "Local farmers say the dry summer has cut their harvest by nearly a third.",
    "The report, published on Monday, lists forty projects that ran over budget.",
    "A spokesman for the governor declined to comment on the hiring freeze.",
    "Teachers in the district will receive the new contracts before the end of June.",
]
# rallying cries a newsroom's reviewers marked as slogans, which the fast model does not name so
SLOGANS = ["Freedonia rises, Freedonia stands!", "One river, one people, one Freedonia!",
           "Freedonia first, Freedonia forever!"]
LOADED = [
    "This disgraceful, corrupt gang of crooks has betrayed every decent family in the country.",
    "The shameless traitors in parliament are destroying our nation with their vile lies.",
    "These radical extremists want to wipe out everything our grandparents fought for.",
    "The pathetic cowards running the ministry are a disaster and an utter disgrace.",
]


def slogan_texts(n: int, seed: int = 7) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """Short reports that end with a rally's slogan; the slogan is the reviewed span."""
    rng = random.Random(seed)
    out = []
    for k in range(n):
        first, second = rng.sample(OPENINGS, 2)
        slogan = SLOGANS[k % len(SLOGANS)]
        text = f"{first} {second} At the rally that followed, the crowd chanted: {slogan}"
        start = text.index(slogan)
        out.append((text, [(start, start + len(slogan), "Slogans")]))
    return out


def news_texts(n: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.sample(OPENINGS, 3) + rng.sample(LOADED, 1)) for _ in range(n)]


@pytest.fixture
def models_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "models"
    monkeypatch.setenv("PROPSCAN_MODELS_DIR", str(folder))
    return folder


def history(path: Path, reviewed: list[tuple[str, list]], others: list[str]) -> Path:
    from propscan.doc import AnalysedDocument

    store = AnalysisStore(path)
    for k, text in enumerate(others):
        store.add(AnalysedDocument(text=text, source=f"https://news.example/{k}"), source_kind="url")
    store.import_reviewed([ImportedDocument(text, spans, source=f"rally-{k}") for k, (text, spans) in
                           enumerate(reviewed)], "desk")
    return path


def test_learn_keeps_a_model_that_finds_what_reviewers_marked(tmp_path, models_dir):
    db = history(tmp_path / "h.db", slogan_texts(24), news_texts(6))
    r = run_cli("learn", "--db", str(db), "--epochs", "30")
    assert r.code == 0, r.err
    assert "kept learned-1 (Slogans" in r.err
    meta = json.loads((models_dir / "learned-1" / "model.json").read_text())
    gate = meta["learned"]["gate"]
    assert gate["held_out_f1_new"] > gate["held_out_f1_current"]
    assert "Slogans" in meta["learned"]["techniques"]
    assert (models_dir / "in-use").read_text().strip() == "learned-1"
    # unseen text: the learned model in use names the new slogan-shaped chant; fast does not
    text = f"{OPENINGS[2]} {OPENINGS[5]} At the rally that followed, the crowd chanted: {SLOGANS[1]}"
    article = tmp_path / "rally.txt"
    article.write_text(text)
    learned = json.loads(run_cli("analyze", str(article), "--format", "json", "--no-claims").out)
    assert learned["model_version"].endswith("+learned-1")
    assert any(s["technique"] == "Slogans" and "Freedonia" in s["text"] for s in learned["spans"])
    assert run_cli("models", "use", "fast").code == 0
    fast = json.loads(run_cli("analyze", str(article), "--format", "json", "--no-claims").out)
    assert "+" not in fast["model_version"]
    assert not any(s["technique"] == "Slogans" and "Freedonia" in s["text"] for s in fast["spans"])
    # a text unlike the reviewed ones (the genre test) keeps the fast model's spans exactly
    news = tmp_path / "news.txt"
    news.write_text(news_texts(1, seed=99)[0])
    other = [json.loads(run_cli("analyze", str(news), "--model", m, "--format", "json", "--no-claims").out)["spans"]
             for m in ("learned-1", "fast")]
    assert other[0] == other[1] and other[0]
    # --model NAME reaches the learned model whatever is in use
    again = json.loads(run_cli("analyze", str(article), "--model", "learned-1", "--format", "json", "--no-claims").out)
    assert again["spans"] == learned["spans"]


def test_learn_refuses_a_model_that_cannot_beat_the_current_one_and_changes_nothing(tmp_path, models_dir):
    # the reviewers accepted every passage the model showed and added none: nothing to beat
    fast = Predictor()
    texts = news_texts(18, seed=3)
    reviewed = [(t, [(x.start, x.end, x.technique) for x in fast.labelled(fast.score([t])[0])]) for t in texts]
    assert sum(len(s) for _, s in reviewed) > 10
    db = history(tmp_path / "h.db", reviewed, news_texts(4))
    r = run_cli("learn", "--db", str(db), "--epochs", "10")
    assert r.code == 1
    assert "kept nothing" in r.err and "the model in use is unchanged" in r.err
    assert not models_dir.exists() or not [p for p in models_dir.iterdir()]


def test_gate_refuses_techniques_that_make_the_model_forget(monkeypatch, tmp_path, models_dir):
    from propscan.train import learn as learning

    monkeypatch.setattr(learning, "REHEARSAL_FLOOR", 1.01)  # no change to the rehearsal spans is close enough
    choose = learning.choose_rules  # tuning blind to the rehearsed texts, so the gate is what stops it
    monkeypatch.setattr(learning, "choose_rules", lambda tune, probs, rehearsal: choose(tune, probs, []))
    db = history(tmp_path / "h.db", slogan_texts(24), news_texts(6))
    outcome = learning.learn(db, epochs=30, say=lambda m: None)
    assert not outcome.kept and "forget" in outcome.reason
    assert outcome.figures["refused_for_forgetting"]
    assert not (models_dir / "in-use").exists()


def test_models_use_list_and_remove(tmp_path, models_dir):
    import numpy as np

    from propscan.learned import TechniqueRule, TokenHead
    from propscan.train.learn import save_model

    rng = np.random.default_rng(0)
    head = TokenHead(rng.normal(size=(401, 8)).astype(np.float32), np.zeros(8, np.float32),
                     rng.normal(size=(8, 14)).astype(np.float32), np.zeros(14, np.float32))
    save_model("desk-1", head, {"Slogans": TechniqueRule("add", 0.6)}, {"gate": {"reviewed": 12}})
    listed = run_cli("models", "list")
    assert listed.code == 0 and "desk-1" in listed.out and "learned from 12 reviews" in listed.out
    lines = listed.out.splitlines()
    assert "in use" in lines[next(k for k, line in enumerate(lines) if line.startswith("fast ")) + 1]
    assert run_cli("models", "use", "desk-1").code == 0
    rows = json.loads(run_cli("models", "list", "--json").out)
    assert [m["note"] for m in rows if m["name"] == "desk-1"] == ["in use"]
    removed = run_cli("models", "remove", "desk-1")
    assert removed.code == 0 and "the fast model is in use again" in removed.err
    assert not (models_dir / "desk-1").exists()
    assert (models_dir / "in-use").read_text().strip() == "fast"
    (models_dir / "in-use").write_text("gone-1\n")  # a model deleted by hand while in use
    article = tmp_path / "a.txt"
    article.write_text("The corrupt elite are destroying our country.")
    r = run_cli("analyze", str(article))
    assert r.code == 3 and r.err.count("\n") == 1 and "the model in use, gone-1, is not there any more" in r.err


@pytest.mark.parametrize("args, message", [
    (["models", "use", "nosuch"], "no model named 'nosuch'; there are: fast, accurate"),
    (["models", "remove", "nosuch"], "no model named 'nosuch'"),
    (["models", "remove", "fast"], "fast ships with propscan and cannot be removed"),
    (["learn", "--db", "missing.db"], "no database at missing.db"),
    (["learn", "--db", "{empty}"], "0 finished reviews in"),
    (["learn", "--db", "{empty}", "--out-name", "../up"], "model name '../up'"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, models_dir, monkeypatch, args, message):
    from propscan.cli import _err

    _err.cache_clear()  # the CLI says each message once per process; each case is a process of its own
    monkeypatch.chdir(tmp_path)
    AnalysisStore(tmp_path / "empty.db")
    r = run_cli(*[a.replace("{empty}", str(tmp_path / "empty.db")) for a in args])
    assert r.code == 2
    assert r.err.count("\n") == 1 and message in r.err
    assert not models_dir.exists() or not [p for p in models_dir.iterdir() if p.name != "in-use"]
