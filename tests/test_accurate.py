"""The accurate tier: weights unpacked from split pieces, verified by sha256, cached atomically,
selected with --model in every command. Runs on a tiny MPNet-shaped model of our own (through
the same code as the real one); the real base runs too where its extra is installed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from accurate_helpers import base_from, make_tiny_base, make_tiny_bundle  # noqa: E402
from conftest import FIXTURES, ROOT, run_cli  # noqa: E402
from propscan.accurate import base as bases  # noqa: E402
from propscan.errors import ModelError  # noqa: E402

ARTICLE = str(ROOT / "examples" / "article.txt")
MINI = FIXTURES / "ptc_mini"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    spec = make_tiny_base(root)
    bundle = make_tiny_bundle(spec, root / "bundle")
    return spec, bundle


@pytest.fixture()
def cache(tmp_path, monkeypatch, tiny):
    monkeypatch.setenv("PROPSCAN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setitem(bases.KNOWN_BASES, tiny[0]["name"], base_from(tiny[0]))
    return tmp_path / "cache"


def _built(cache: Path) -> list[Path]:
    return sorted(p for p in cache.iterdir()) if cache.is_dir() else []


def test_analyze_with_the_accurate_tier_builds_the_cache_once_and_names_the_tier(tiny, cache):
    _, bundle = tiny
    first = run_cli("analyze", ARTICLE, "--model", str(bundle), "--format", "json")
    assert first.code == 0, first.err
    doc = json.loads(first.out)
    assert doc["model_version"] == "accurate-tiny-test"
    assert all(doc["text"][s["start"]:s["end"]] == s["text"] for s in doc["spans"])
    built = _built(cache)
    assert len(built) == 1 and (built[0] / bases.COMPLETE).is_file() and "building" in first.err
    again = run_cli("analyze", ARTICLE, "--model", str(bundle), "--format", "json")
    assert again.code == 0 and "building" not in again.err  # the cache is reused
    assert json.loads(again.out) == doc  # and gives the same result


def test_the_blend_changes_what_the_fast_tier_finds(tiny, cache, tmp_path):
    spec, _ = tiny
    only_base = make_tiny_bundle(spec, tmp_path / "only-base", blend=1.0)
    fast = json.loads(run_cli("analyze", ARTICLE, "--model", "fast", "--format", "json").out)
    acc = json.loads(run_cli("analyze", ARTICLE, "--model", str(only_base), "--format", "json").out)
    assert fast["model_version"] != acc["model_version"]
    assert [(s["start"], s["end"]) for s in fast["spans"]] != [(s["start"], s["end"]) for s in acc["spans"]]


def test_every_command_takes_the_tier(tiny, cache, tmp_path):
    _, bundle = tiny
    fast = run_cli("predict", str(MINI / "train-articles"))
    acc = run_cli("predict", str(MINI / "train-articles"), "--model", str(bundle), "--workers", "1")
    assert fast.code == acc.code == 0 and acc.out.strip()
    scores = run_cli("evaluate", "--articles", str(MINI / "train-articles"), "--gold", str(MINI / "train-task-flc-tc.labels"),
                     "--model", str(bundle), "--json")
    assert scores.code == 0 and json.loads(scores.out)["model_version"] == "accurate-tiny-test"
    out = tmp_path / "batch"
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "a1", "text": Path(ARTICLE).read_text()}) + "\n")
    batch = run_cli("batch", str(feed), "--out", str(out), "--model", str(bundle), "--workers", "1", "-q")
    assert batch.code == 0, batch.err
    import pyarrow.dataset as ds

    rows = ds.dataset(out / "documents", format="parquet").to_table().to_pylist()
    assert rows and rows[0]["model_version"] == "accurate-tiny-test"

    from fastapi.testclient import TestClient

    from propscan.web.app import create_app
    from propscan.web.config import ServerConfig

    with TestClient(create_app(ServerConfig(db=tmp_path / "web.db", model=str(bundle))), base_url="http://127.0.0.1") as client:
        assert client.get("/healthz").json()["model_version"] == "accurate-tiny-test"


def test_accurate_without_its_extra_names_the_pip_command(monkeypatch, tmp_path):
    monkeypatch.setenv("PROPSCAN_CACHE", str(tmp_path / "cache"))
    missing = bases.Base(name=bases.MPNET.name, sha256=bases.MPNET.sha256,
                         packages=tuple(f"propscan-no-such-part-{k}" for k in range(1, 6)), piece=bases.MPNET.piece,
                         weights=bases.MPNET.weights, tokenizer=bases.MPNET.tokenizer)
    monkeypatch.setitem(bases.KNOWN_BASES, bases.MPNET.name, missing)
    monkeypatch.setattr(bases, "MPNET", missing)
    r = run_cli("analyze", ARTICLE, "--model", "accurate")
    assert r.code == 3 and "propscan models install accurate" in r.err
    assert len(r.err.strip().splitlines()) == 1 and "Traceback" not in r.err
    assert _built(tmp_path / "cache") == []


@pytest.mark.parametrize("damage, words", [
    ("flip", "do not match their sha256"),
    ("truncate", "damaged or incomplete"),
    ("corrupt", "damaged or incomplete"),
    ("remove", "is missing"),
])
def test_damaged_pieces_are_refused_and_nothing_is_cached(tiny, cache, tmp_path, damage, words):
    spec, bundle = tiny
    pieces = tmp_path / "pieces"
    pieces.mkdir()
    for p in Path(spec["folder"]).iterdir():
        (pieces / p.name).write_bytes(p.read_bytes())
    target = pieces / "tiny.zip.003"
    if damage == "flip":  # one byte of stored data, CRC fixed up: only the hash can tell
        _flip_stored_byte(spec, pieces)
    elif damage == "truncate":
        target.write_bytes(target.read_bytes()[:1000])
    elif damage == "corrupt":  # a byte of the compressed stream changed: zip's CRC or deflate catches it
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0xFF
        target.write_bytes(bytes(data))
    else:
        target.unlink()
    bases.KNOWN_BASES[spec["name"]] = base_from({**spec, "folder": str(pieces)})
    r = run_cli("analyze", ARTICLE, "--model", str(bundle))
    assert r.code == 3 and words in r.err and "Traceback" not in r.err, r.err
    assert [p for p in _built(cache) if not p.name.startswith(".")] == []
    assert not any(p.name.startswith(".partial") for p in _built(cache))


def _flip_stored_byte(spec: dict, pieces: Path) -> None:
    """Rewrite the zip with one changed byte in the weights but a valid CRC, then split it again."""
    import zipfile

    data = bytearray((Path(spec["model_dir"]) / "model.safetensors").read_bytes())
    data[-10] ^= 0xFF
    archive = pieces / "tiny.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("tiny/model.safetensors", bytes(data))
        z.writestr("tiny/tokenizer.json", (Path(spec["model_dir"]) / "tokenizer.json").read_bytes())
    whole = archive.read_bytes()
    archive.unlink()
    step = len(whole) // 5 + 1
    for k in range(5):
        (pieces / f"tiny.zip.{k + 1:03d}").write_bytes(whole[k * step : (k + 1) * step])


KILLED_BUILD = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, {tests!r})
from accurate_helpers import base_from
from propscan.accurate import base as bases
spec = json.loads({spec!r})
marker = Path({marker!r})
def report(done, total):
    marker.write_text(str(done))
    time.sleep(60)  # killed here, half-way through writing the weights
bases.build(base_from(spec), Path({graph!r}), Path({root!r}), report)
"""


def test_a_build_killed_half_way_is_never_loaded(tiny, cache, tmp_path):
    spec, bundle = tiny
    marker = tmp_path / "marker"
    code = KILLED_BUILD.format(tests=str(ROOT / "tests"), spec=json.dumps(spec), marker=str(marker),
                               graph=str(bundle / "encoder.onnx"), root=str(cache))
    proc = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    deadline = time.time() + 60
    while not marker.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert marker.exists(), "the build never started"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    left = _built(cache)
    assert left and all(p.name.startswith(".partial") for p in left)  # half a build, under its temporary name
    for p in left:  # as if it were left there long ago
        os.utime(p, (time.time() - 2 * bases.STALE_AFTER,) * 2)
    r = run_cli("analyze", ARTICLE, "--model", str(bundle), "--format", "json")
    assert r.code == 0, r.err
    assert "building" in r.err  # the partial folder was not taken for a model
    names = [p.name for p in _built(cache)]
    assert names == [f"{spec['name']}-{spec['sha256'][:12]}"]  # and the stale one is gone


def test_unknown_base_in_a_bundle_is_refused(tiny, tmp_path, monkeypatch):
    _, bundle = tiny
    other = tmp_path / "other"
    other.mkdir()
    for p in bundle.iterdir():
        (other / p.name).write_bytes(p.read_bytes())
    meta = json.loads((other / "model.json").read_text())
    meta["base_sha256"] = "0" * 64  # a bundle cannot bring its own hash for a known base
    (other / "model.json").write_text(json.dumps(meta))
    from propscan.accurate.model import load_accurate

    monkeypatch.setitem(bases.KNOWN_BASES, tiny[0]["name"], base_from(tiny[0]))  # the base itself is known
    with pytest.raises(ModelError, match="does not know"):
        load_accurate(other)


def _real_parts_installed() -> bool:
    try:
        return all(metadata.distribution(p) for p in bases.MPNET.packages)
    except metadata.PackageNotFoundError:
        return False


@pytest.mark.skipif(not _real_parts_installed(), reason="the accurate extra is not installed")
def test_the_real_accurate_tier(tmp_path, monkeypatch):
    """The shipped tier on the real base, from an empty cache: unpacked, its delta (when its layers
    were tuned) added and checked against model.json's sha256, one copy of the base left."""
    from propscan.accurate.delta import tuned_folder
    from propscan.accurate.model import load_accurate

    monkeypatch.setenv("PROPSCAN_CACHE", str(tmp_path / "cache"))
    r = run_cli("analyze", ARTICLE, "--model", "accurate", "--format", "json")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert doc["model_version"].startswith("accurate")
    assert doc["spans"] and all(doc["text"][s["start"]:s["end"]] == s["text"] for s in doc["spans"])
    acc = load_accurate()
    folder = acc.base.cache_folder(tmp_path / "cache")
    if acc.delta is not None:
        folder = tuned_folder(folder, acc.meta["delta"]["sha256"])
    assert _built(tmp_path / "cache") == [folder] and (folder / bases.COMPLETE).is_file()


def test_heads_train_on_cached_features_and_load_as_a_tier(tiny, cache, tmp_path):
    """The training path of the accurate tier, end to end, on the tiny base and three articles."""
    from propscan.accurate.model import AccuratePredictor, base_folder, load_accurate
    from propscan.encoding import load_tokenizer
    from propscan.ptc import load_corpus
    from propscan.train import accurate as acc_train

    spec, bundle = tiny
    articles = load_corpus(MINI / "train-articles", MINI / "train-task-flc-tc.labels")
    base = base_folder(load_accurate(bundle))
    feats = tmp_path / "feats"
    cache = acc_train.cache_features(articles, base, feats)
    assert [p.parent for p in feats.glob("*/*.npz")] == [cache.folder] * len(articles)
    token, span = acc_train.train_heads(articles, cache, load_tokenizer(base / "tokenizer.json"),
                                        acc_train.HeadRecipe(epochs=1))
    out = tmp_path / "trained"
    acc_train.export_heads(token, span, out)
    acc_train.write_bundle(out, base_from(spec), bundle / "encoder.onnx", version="accurate-tiny-trained", settings={},
                           blend={"tokens": 0.5, "spans": 0.5}, extra={})
    predictor = AccuratePredictor(load_accurate(out))
    scores = predictor.score([articles[0].text])[0]
    assert scores.extra and len(scores.extra) == len(scores.windows)
    assert all(x.start < x.end for x in predictor.labelled(scores))


def test_train_accurate_command_writes_a_tier_and_reuses_its_layer_cache(tiny, cache, tmp_path):
    """`propscan train-accurate` end to end on the tiny base: features cached in a folder named by
    their key, the heads trained in bf16, a tier that loads; a second run reads the cache."""
    import shutil

    from propscan.accurate.model import AccuratePredictor, load_accurate

    _, bundle = tiny
    data = tmp_path / "data"
    shutil.copytree(MINI, data / "ptc")
    out, work = tmp_path / "out", tmp_path / "work"
    shutil.copytree(bundle, out)  # its graph and model.json name the tiny base
    args = ["train-accurate", "--data", str(data), "--out", str(out), "--work", str(work), "--epochs", "1",
            "--threads", "1", "--precision", "bf16", "--version", "accurate-cli-test"]
    first = run_cli(*args)
    assert first.code == 0, first.err
    training = json.loads(first.out)
    assert training["precision"] == "bf16" and training["articles"] == 3
    cached = sorted(work.glob("features/*/*.npz"))
    assert len(cached) == 3 and (cached[0].parent / "key.json").is_file()
    stamps = [p.stat().st_mtime_ns for p in cached]
    acc = load_accurate(out)
    assert acc.version == "accurate-cli-test" and acc.meta["training"]["feature_cache"] == cached[0].parent.name
    scores = AccuratePredictor(acc).score([Path(ARTICLE).read_text()])[0]
    assert scores.extra and len(scores.extra) == len(scores.windows)
    assert not list(work.glob("*.ckpt"))  # a finished fit leaves no checkpoint
    again = run_cli(*args[:-1], "accurate-cli-test-2")
    assert again.code == 0, again.err
    assert [p.stat().st_mtime_ns for p in sorted(work.glob("features/*/*.npz"))] == stamps  # read, not rebuilt
    bad = run_cli("train-accurate", "--data", str(data), "--out", str(out), "--work", str(work), "--precision", "fp16")
    assert bad.code == 2 and "--precision" in bad.err and "Traceback" not in bad.err


def test_top_layers_on_cached_lower_layers_give_the_full_encoders_states(tiny, cache, tmp_path):
    """Tuning the top of the base runs only the layers above the cut on cached states: they must be
    what the whole encoder computes (padded rows included), and the cache must hold the runtime's windows."""
    import numpy as np
    import torch

    from propscan.accurate.model import base_folder, load_accurate
    from propscan.encoding import load_tokenizer
    from propscan.ptc import load_corpus
    from propscan.train.accurate import LAYERS, runtime_windows
    from propscan.train.top_layers import TunedTop, cache_lower_layers, cached_layers, load_mpnet, lower_states

    spec, bundle = tiny
    base = base_folder(load_accurate(bundle))
    model = load_mpnet(base)
    assert model.config.num_attention_heads == 2 and model.config.num_hidden_layers == 12  # read from the weights
    torch.manual_seed(0)
    ids = torch.randint(1000, 2000, (2, 9))
    mask = torch.ones_like(ids)
    mask[1, 6:] = 0  # a shorter window, padded
    with torch.no_grad():
        hs = model(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states
        full = torch.stack([hs[k] for k in LAYERS], dim=2)
        for cut in (6, 8, 9, 10):
            cached = torch.stack([hs[k] for k in cached_layers(cut)], dim=2)
            top = TunedTop(model, cut)
            assert torch.allclose(top(cached, mask)[0], full[0], atol=1e-5), cut
            assert torch.allclose(top(cached, mask)[1, :6], full[1, :6], atol=1e-5), cut
        assert torch.allclose(lower_states(model, ids[:1], 8, (6, 8)), full[:1, :, :2], atol=1e-5)
    assert len(model.encoder.layer) == 12  # cutting the encoder for the cache left it whole
    trainable = [n for n, p in TunedTop(model, 8).named_parameters() if p.requires_grad]
    assert trainable and all(n.startswith("blocks.") for n in trainable)  # only the layers above the cut

    articles = load_corpus(MINI / "train-articles", MINI / "train-task-flc-tc.labels")[:2]
    tokenizer = load_tokenizer(base / "tokenizer.json")
    store = cache_lower_layers(articles, base, 8, tmp_path / "layers", tokenizer)
    assert store.key.layers == (6, 8) and store.key.computed == "torch-fp32"
    got = store.get(articles[0].id, articles[0].text, runtime_windows(tokenizer, articles[0].text))
    assert got is not None and got["hidden"].shape[1:] == (2, 32) and got["hidden"].dtype == np.float16
    bf16 = cache_lower_layers(articles, base, 8, tmp_path / "layers", tokenizer, precision="bf16")
    assert bf16.folder != store.folder  # computed another way: cached apart


@pytest.mark.slow
def test_tuning_top_layers_moves_only_the_layers_above_the_cut(tiny, cache, tmp_path):
    import torch

    from propscan.accurate.model import base_folder, load_accurate
    from propscan.encoding import load_tokenizer
    from propscan.ptc import load_corpus
    from propscan.train.accurate import LAYERS, HeadRecipe, train_heads
    from propscan.train.top_layers import TunedTop, cache_lower_layers, load_mpnet

    _, bundle = tiny
    base = base_folder(load_accurate(bundle))
    model = load_mpnet(base)
    articles = load_corpus(MINI / "train-articles", MINI / "train-task-flc-tc.labels")[:2]
    tokenizer = load_tokenizer(base / "tokenizer.json")
    store = cache_lower_layers(articles, base, 8, tmp_path / "layers", tokenizer, precision="bf16")
    top = TunedTop(model, 8)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    token, span = train_heads(articles, store, tokenizer, HeadRecipe(epochs=1, precision="bf16", layer_lr=1e-3), top=top)
    moved = {n for n, p in model.named_parameters() if not torch.equal(p, before[n])}
    assert moved and all(n.startswith("encoder.layer.") and int(n.split(".")[2]) >= 8 for n in moved)
    assert len(token.mix) == len(LAYERS) and span.net[1].in_features > 4 * 32


def test_train_accurate_stopped_by_sigterm_says_so_in_one_line_and_resumes_to_the_same_heads(tiny, cache, tmp_path,
                                                                                            monkeypatch):
    import os
    import shutil
    import signal

    from propscan.train import engine

    _, bundle = tiny
    data = tmp_path / "data"
    shutil.copytree(MINI, data / "ptc")

    def run(name, *extra):
        out = tmp_path / name
        if not out.exists():
            shutil.copytree(bundle, out)
        return out, run_cli("train-accurate", "--data", str(data), "--out", str(out), "--work", str(tmp_path / f"work-{name}"),
                            "--epochs", "3", "--threads", "1", "--precision", "fp32", "--version", "v", *extra)

    real = engine.autocast
    counted = []
    monkeypatch.setattr(engine, "autocast", lambda precision: counted.append(1) or real(precision))
    whole, r = run("whole")
    assert r.code == 0, r.err
    steps = []

    def stop_at_second_step(precision):
        steps.append(precision)
        if len(steps) == 2:
            os.kill(os.getpid(), signal.SIGTERM)
        return real(precision)

    monkeypatch.setattr(engine, "autocast", stop_at_second_step)
    stopped, r = run("stopped")
    assert r.code == 130 and "--resume" in r.err and "Traceback" not in r.err, r.err
    assert len(r.err.strip().splitlines()) <= 2  # the warning when the signal came, and the one-line error
    assert (tmp_path / "work-stopped" / "token-heads.ckpt").is_file()
    resumed = []
    monkeypatch.setattr(engine, "autocast", lambda precision: resumed.append(1) or real(precision))
    stopped, r = run("stopped", "--resume")
    assert r.code == 0, r.err
    assert len(resumed) == len(counted) - 2  # it went on from the checkpoint: the two steps done are not done again
    for head in ("token_head.onnx", "span_head.onnx"):
        assert (stopped / head).read_bytes() == (whole / head).read_bytes(), head
    assert not (tmp_path / "work-stopped" / "token-heads.ckpt").exists()  # done with

    # a stop after the token heads' fit, while the span head trains, keeps that fit: resumed, it is not redone
    import torch

    from propscan.train import accurate as acc_train

    def stopped_span_head(*a, **k):
        raise engine.Interrupted("stopped while the span head trained")

    span_head = acc_train.train_span_head
    monkeypatch.setattr(engine, "autocast", real)
    monkeypatch.setattr(acc_train, "train_span_head", stopped_span_head)
    late, r = run("late")
    assert r.code == 130 and "Traceback" not in r.err, r.err
    state = torch.load(tmp_path / "work-late" / "token-heads.ckpt", weights_only=True)
    assert state["steps"] > 0 and (late / "span_head.onnx").read_bytes() == (bundle / "span_head.onnx").read_bytes()
    monkeypatch.setattr(acc_train, "train_span_head", span_head)
    resumed.clear()
    monkeypatch.setattr(engine, "autocast", lambda precision: resumed.append(1) or real(precision))
    late, r = run("late", "--resume")
    assert r.code == 0, r.err
    assert len(resumed) == len(counted) - state["steps"]  # only the span examples and the span head ran
    for head in ("token_head.onnx", "span_head.onnx"):
        assert (late / head).read_bytes() == (whole / head).read_bytes(), head


def test_a_delta_is_int8_per_row_and_merges_in_place_keeping_the_layout(tmp_path):
    """The shipped delta: each matrix row within half a step of what training changed, untouched
    tensors byte for byte the base's, and the file's header (so every offset) unchanged."""
    import numpy as np
    from safetensors.numpy import save_file

    from propscan.accurate.delta import delta_tensors, merge_into, quantise, read_header

    rng = np.random.default_rng(0)
    d = rng.normal(0, 1e-3, (6, 10)).astype(np.float32)
    d[2] = 0  # a row training left alone
    q, scale = quantise(d)
    assert q.dtype == np.int8 and scale.dtype == np.float32
    assert np.all(np.abs(q * scale[:, None] - d) <= scale[:, None] / 2 + 1e-9) and not q[2].any()

    base = {"a.weight": rng.normal(size=(6, 10)).astype(np.float32), "a.bias": rng.normal(size=6).astype(np.float32),
            "b.weight": rng.normal(size=(3, 3)).astype(np.float32)}
    tuned = {"a.weight": base["a.weight"] + d, "a.bias": base["a.bias"] + 0.5, "b.weight": base["b.weight"].copy()}
    delta = delta_tensors(base, tuned)
    assert set(delta) == {"a.weight:q", "a.weight:scale", "a.bias:add"}  # b did not change: not shipped
    path = tmp_path / "model.safetensors"
    save_file(base, str(path))
    before = path.read_bytes()
    merge_into(path, delta)
    start, header = read_header(path)
    assert (start, header) == read_header(tmp_path / "model.safetensors") and len(path.read_bytes()) == len(before)
    from safetensors.numpy import load_file

    merged = load_file(str(path))
    assert np.allclose(merged["a.weight"], tuned["a.weight"], atol=float(scale.max()))
    assert np.array_equal(merged["a.bias"], tuned["a.bias"]) and np.array_equal(merged["b.weight"], base["b.weight"])


def test_lora_starts_at_the_base_and_merges_into_the_weights_it_adapts(tiny, cache):
    import torch

    from propscan.accurate.model import base_folder, load_accurate
    from propscan.train.accurate import LAYERS
    from propscan.train.top_layers import TunedTop, add_lora, load_mpnet

    _, bundle = tiny
    base = base_folder(load_accurate(bundle))
    torch.manual_seed(0)
    cached = torch.randn(2, 7, len(LAYERS), 32)
    mask = torch.ones(2, 7, dtype=torch.long)
    plain = TunedTop(load_mpnet(base), 8, cached=LAYERS).eval()
    lora = add_lora(TunedTop(load_mpnet(base), 8, cached=LAYERS), 4).eval()
    with torch.no_grad():
        assert torch.allclose(plain(cached, mask), lora(cached, mask), atol=1e-6)  # B = 0: the base's own outputs
        for name, p in lora.named_parameters():
            if name.endswith("lora_b"):
                p.normal_(0, 0.05)
        adapted = lora(cached, mask)
    trainable = {n.rsplit(".", 1)[-1] for n, p in lora.named_parameters() if p.requires_grad}
    assert trainable == {"lora_a", "lora_b"}  # the layers themselves stay frozen
    weights = lora.tuned_weights()
    assert not any("lora" in k or ".base." in k for k in weights)
    assert all(int(k.split(".")[2]) >= 8 for k in weights)
    merged_model = load_mpnet(base)
    merged_model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()}, strict=False)
    with torch.no_grad():
        assert not torch.allclose(adapted, plain(cached, mask), atol=1e-4)
        assert torch.allclose(TunedTop(merged_model, 8, cached=LAYERS).eval()(cached, mask), adapted, atol=1e-5)


@pytest.mark.slow
def test_tuned_top_layers_ship_as_a_delta_built_into_the_cache_once_and_checked(tiny, cache, tmp_path):
    """`train-accurate --tune-top 4` on the tiny base: the bundle names a delta; first use builds
    the base plus delta beside the base, whose encoder graph then gives what the tuned layers
    gave in training; a delta or a model.json that does not match is refused, and a build that
    fails leaves nothing behind."""
    import shutil

    import numpy as np
    from safetensors.numpy import load_file

    from propscan.accurate.model import AccuratePredictor, base_folder, load_accurate
    from propscan.train.accurate import DELTA_FILE

    _, bundle = tiny
    data = tmp_path / "data"
    shutil.copytree(MINI, data / "ptc")
    out, work = tmp_path / "out", tmp_path / "work"
    shutil.copytree(bundle, out)
    r = run_cli("train-accurate", "--data", str(data), "--out", str(out), "--work", str(work), "--epochs", "1",
                "--threads", "1", "--precision", "fp32", "--tune-top", "4", "--batch", "4", "--version", "tuned-test")
    assert r.code == 0, r.err
    acc = load_accurate(out)
    assert acc.meta["delta"]["layers"] == [9, 10, 11, 12] and acc.meta["files"][DELTA_FILE] == acc.meta["delta"]["sha256"]
    plain = base_folder(load_accurate(bundle))
    tuned = base_folder(acc)
    assert tuned != plain and tuned.parent == plain.parent and (tuned / "encoder.onnx").is_file()
    before, after = load_file(str(plain / "model.safetensors")), load_file(str(tuned / "model.safetensors"))
    moved = {k for k in before if not np.array_equal(before[k], after[k])}
    assert moved and all(int(k.split(".")[2]) >= 8 for k in moved)  # only encoder.layer.8-11 (layers 9-12)
    scores = AccuratePredictor(acc).score([Path(ARTICLE).read_text()])[0]
    assert scores.extra and len(scores.extra) == len(scores.windows)
    stamp = (tuned / "model.safetensors").stat().st_mtime_ns
    base_folder(acc)
    assert (tuned / "model.safetensors").stat().st_mtime_ns == stamp  # built once
    assert (plain / bases.COMPLETE).is_file()  # training unpacked the plain base: it stays

    shutil.rmtree(tuned)
    shutil.rmtree(plain)
    assert base_folder(acc) == tuned and _built(cache) == [tuned]  # unpacked only for the merge: removed after it

    shutil.rmtree(tuned)
    meta = json.loads((out / "model.json").read_text())
    meta["delta"]["merged_sha256"] = "0" * 64
    (out / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="not the one trained"):
        base_folder(load_accurate(out))
    assert not tuned.exists() and not list(plain.parent.glob(".partial-*"))
    blob = bytearray((out / DELTA_FILE).read_bytes())
    blob[-1] ^= 1
    (out / DELTA_FILE).write_bytes(bytes(blob))
    with pytest.raises(ModelError, match="does not match the sha256"):
        base_folder(load_accurate(out))


def test_train_accurate_refuses_a_cut_it_has_not_cached_and_lora_without_layers(tmp_path):
    for extra, words in ((["--tune-top", "3"], "--tune-top takes 0, 2, 4 or 6"), (["--lora", "8"], "--lora needs --tune-top")):
        r = run_cli("train-accurate", "--data", str(tmp_path), "--out", str(tmp_path / "o"), *extra)
        assert r.code == 2 and words in r.err and "Traceback" not in r.err and len(r.err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()
