"""The training engine: the precision each CPU gets, a fit that survives a stop and continues to
the very weights of an uninterrupted one, and the cache of an encoder's frozen lower layers."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from propscan.errors import InputError  # noqa: E402
from propscan.train import engine  # noqa: E402

EPYC_FLAGS = {"fpu", "avx2", "avx512f", "avx512_bf16"}
SAPPHIRE_FLAGS = {"fpu", "avx2", "avx512f", "amx_bf16", "amx_tile"}
AVX2_ONLY = {"fpu", "sse4_2", "avx2", "fma"}


def test_auto_precision_is_bf16_only_where_the_cpu_computes_in_bf16(tmp_path):
    assert engine.choose_precision("auto", EPYC_FLAGS) == "bf16"
    assert engine.choose_precision("auto", SAPPHIRE_FLAGS) == "bf16"
    assert engine.choose_precision("auto", AVX2_ONLY) == "fp32"
    assert engine.choose_precision("fp32", EPYC_FLAGS) == "fp32"
    assert engine.choose_precision("bf16", AVX2_ONLY) == "bf16"  # asked for: honoured, with a warning
    with pytest.raises(InputError, match="--precision"):
        engine.choose_precision("fp16", EPYC_FLAGS)
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu avx2 avx512_bf16\n\n"
                       "processor\t: 1\nflags\t\t: fpu avx2 avx512_bf16\n")
    assert engine.cpu_flags(cpuinfo) == {"fpu", "avx2", "avx512_bf16"}
    assert engine.cpu_flags(tmp_path / "absent") == set()  # not Linux: fp32
    assert engine.choose_precision("auto", engine.cpu_flags(tmp_path / "absent")) == "fp32"


def test_bf16_autocast_computes_in_bf16_and_keeps_fp32_weights():
    layer = torch.nn.Linear(8, 4)
    x = torch.randn(3, 8)
    with engine.autocast("bf16"):
        assert layer(x).dtype == torch.bfloat16
    with engine.autocast("fp32"):
        assert layer(x).dtype == torch.float32
    assert layer.weight.dtype == torch.float32


class Average:
    """A weight average with the state_dict protocol, as the trainers keep one."""

    def __init__(self, model):
        self.model = model
        self.average = {k: v.detach().clone() for k, v in model.state_dict().items()}

    def update(self):
        with torch.no_grad():
            for k, v in self.model.state_dict().items():
                self.average[k].lerp_(v, 0.1)

    def state_dict(self):
        return self.average

    def load_state_dict(self, state):
        self.average = {k: v.clone() for k, v in state.items()}


def small_fit(checkpoint, precision="fp32", stop_at=None):
    """A small tagger with dropout (torch's stream), numpy noise in each step, batches shuffled
    by python's stream and a decaying learning rate: every state a resume must restore."""
    rand = engine.Randomness(7)
    data_rng = np.random.default_rng(0)
    x = torch.from_numpy(data_rng.normal(size=(96, 6, 10)).astype(np.float32))
    y = (x[..., 0] + 0.5 * x[..., 1] > 0.5).long()  # learnable, about 30% positive
    model = torch.nn.Sequential(torch.nn.Linear(10, 16), torch.nn.GELU(), torch.nn.Dropout(0.3), torch.nn.Linear(16, 2))
    opt = torch.optim.AdamW(model.parameters(), lr=3e-2)
    total = 30  # 3 epochs of 12 batches, ending part-way through the third
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1 - s / total)
    average = Average(model)

    def batches(epoch, r):
        order = list(range(96))
        r.py.shuffle(order)
        return [order[i : i + 8] for i in range(0, 96, 8)]

    def step(batch, r):
        noise = torch.from_numpy(r.np.normal(scale=0.05, size=(len(batch), 6, 10)).astype(np.float32))
        logits = model(x[batch] + noise)
        return torch.nn.functional.cross_entropy(logits.float().reshape(-1, 2), y[batch].reshape(-1))

    def after_step(steps):
        average.update()
        if steps == stop_at:
            os.kill(os.getpid(), signal.SIGTERM)  # a real signal, mid-epoch: the engine's handler takes it

    fit = engine.Fit(model=model, optimizer=opt, scheduler=sched, total_steps=total, batches=batches, step=step,
                     rand=rand, checkpoint=checkpoint, fingerprint="small-fit", precision=precision,
                     stateful={"average": average}, after_step=after_step)
    fit.data = (x, y)
    return fit, average


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny ops on two threads crawl on a shared machine (50x); the engine does not care."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("stop_at", [5, 12, 17])  # inside epoch 1, at its end, inside epoch 2
def test_a_fit_stopped_by_sigterm_resumes_to_the_same_weights(tmp_path, stop_at):
    whole, whole_avg = small_fit(None)
    whole.run()
    checkpoint = tmp_path / "fit.ckpt"
    first, _ = small_fit(checkpoint, stop_at=stop_at)
    with pytest.raises(engine.Interrupted, match="--resume"):
        first.run()
    assert first.steps == stop_at and checkpoint.is_file()
    assert not checkpoint.with_name("fit.ckpt.tmp").exists()
    resumed, resumed_avg = small_fit(checkpoint)
    assert resumed.resume()
    resumed.run()
    for (name, a), b in zip(whole.model.state_dict().items(), resumed.model.state_dict().values()):
        assert torch.equal(a, b), name
    for name, a in whole_avg.average.items():
        assert torch.equal(a, resumed_avg.average[name]), name
    assert resumed.steps == whole.steps == 30
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL or callable(signal.getsignal(signal.SIGTERM))


def test_a_resumed_fit_differs_from_one_that_lost_its_random_state(tmp_path):
    """The test above can fail: resuming with fresh random streams ends elsewhere."""
    whole, _ = small_fit(None)
    whole.run()
    checkpoint = tmp_path / "fit.ckpt"
    first, _ = small_fit(checkpoint, stop_at=17)
    with pytest.raises(engine.Interrupted):
        first.run()
    resumed, _ = small_fit(checkpoint)
    rand = resumed.rand.state()
    resumed.resume()
    resumed.rand.restore(rand)  # as if the checkpoint had no random states
    resumed.epoch_rand = None
    resumed.run()
    assert not all(torch.equal(a, b) for a, b in zip(whole.model.parameters(), resumed.model.parameters()))


def test_a_checkpoint_of_another_run_or_a_damaged_one_is_refused(tmp_path):
    checkpoint = tmp_path / "fit.ckpt"
    first, _ = small_fit(checkpoint, stop_at=3)
    with pytest.raises(engine.Interrupted):
        first.run()
    other, _ = small_fit(checkpoint)
    other.fingerprint = "another recipe"
    with pytest.raises(InputError, match="another run"):
        other.resume()
    checkpoint.write_bytes(b"not a checkpoint")
    damaged, _ = small_fit(checkpoint)
    with pytest.raises(InputError, match="cannot read the checkpoint"):
        damaged.resume()
    fresh, _ = small_fit(tmp_path / "none.ckpt")
    assert fresh.resume() is False  # no checkpoint: a fresh start


def test_bf16_fit_learns_and_keeps_fp32_weights():
    fit, _ = small_fit(None, precision="bf16")
    fit.run()
    assert all(p.dtype == torch.float32 for p in fit.model.parameters())
    x, y = fit.data
    with torch.no_grad():
        loss = torch.nn.functional.cross_entropy(fit.model(x).reshape(-1, 2), y.reshape(-1))
    assert loss < 0.4  # learnt: a constant guess of the 30% class costs 0.61


def test_progress_is_quiet_without_a_terminal(caplog):
    import io

    caplog.set_level("INFO", logger="propscan.train")
    stream = io.StringIO()
    with engine.progress_bar(40, stream=stream) as bar:
        for k in range(1, 41):
            bar.advance(k, k // 10, 0.5)
    assert stream.getvalue() == ""
    assert sum("step" in r.message for r in caplog.records) == 20  # a line every 5%


# --- the cache of lower layers ----------------------------------------------------------------

class Art:
    def __init__(self, id, text):
        self.id, self.text = id, text


def _key(**change):
    from propscan.train.layer_cache import CacheKey

    fields = dict(base_sha256="a" * 64, window_tokens=126, tokenizer_sha256="b" * 64, layers=(8,), computed="torch-bf16")
    return CacheKey(**{**fields, **change})


def _windows(text):
    n = len(text.split())
    return [(i, min(n, i + 4)) for i in range(0, n, 4)]


def _states(calls):
    def compute(text):
        calls.append(text)
        rows = sum(b - a + 2 for a, b in _windows(text))
        return np.full((rows, 3), len(text), dtype=np.float32)
    return compute


def test_layer_cache_is_computed_once_and_rebuilt_when_its_key_changes(tmp_path):
    from propscan.train.layer_cache import LayerCache

    arts = [Art("article111", "one two three four five six"), Art("article222", "seven eight nine")]
    calls = []
    cache = LayerCache(tmp_path, _key())
    assert cache.fill(arts, _windows, _states(calls)) == 2
    got = cache.get("article111", arts[0].text)
    assert got["hidden"].dtype == np.float16 and got["hidden"].shape == (10, 3)  # two windows, [CLS]/[SEP] each
    assert got["starts"].tolist() == [0, 4] and got["stops"].tolist() == [4, 6]
    assert LayerCache(tmp_path, _key()).fill(arts, _windows, _states(calls)) == 0  # the same key: read, not computed
    for change in ({"base_sha256": "c" * 64}, {"window_tokens": 254}, {"tokenizer_sha256": "d" * 64},
                   {"layers": (6,)}, {"computed": "torch-fp32"}):
        other = LayerCache(tmp_path, _key(**change))
        assert other.folder != cache.folder
        assert other.get("article111", arts[0].text) is None
        assert other.fill(arts, _windows, _states(calls)) == 2, change
    assert len(calls) == 2 + 5 * 2
    assert not list(tmp_path.glob("*/*.tmp"))  # written atomically, no leftovers


def test_layer_cache_recomputes_an_article_whose_text_or_windows_changed_or_whose_file_is_damaged(tmp_path):
    from propscan.train.layer_cache import LayerCache

    arts = [Art("article111", "one two three four five six"), Art("article222", "seven eight nine")]
    calls = []
    cache = LayerCache(tmp_path, _key())
    cache.fill(arts, _windows, _states(calls))
    edited = [Art("article111", "one two three four five six seven"), arts[1]]
    assert cache.fill(edited, _windows, _states(calls)) == 1 and calls[-1] == edited[0].text
    assert cache.fill(edited, lambda t: [(0, 2), (2, len(t.split()))], _states(calls)) == 2  # cut into other windows
    path = cache.path("article222", arts[1].text)
    path.write_bytes(path.read_bytes()[:50])  # a file cut short (a full disk)
    assert cache.get("article222", arts[1].text) is None
    assert cache.fill(edited, lambda t: [(0, 2), (2, len(t.split()))], _states(calls)) == 1
