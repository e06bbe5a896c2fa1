"""Train the accurate tier: export the base encoder's weightless graph, cache its features,
train the token and span heads on them, and write the tier's bundle.

The base encoder stays frozen, so its features are computed once per article (with the very
graph and window layout the runtime uses) and every head, fold and blend is trained and tuned
on the cache: affordable on two CPU cores, where fine-tuning a 110M encoder is not.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .. import techniques
from ..accurate.base import Base
from ..accurate.model import special_ids
from ..bundle import file_sha256
from ..detect import session
from ..encoding import encode, load_tokenizer
from ..errors import ModelError
from ..features import N_FEATURES
from ..ptc import LabelledArticle
from ..segment import WINDOW_TOKENS, windows_for
from .data import technique_shares, token_targets
from .engine import Fit, Randomness
from .layer_cache import CacheKey, LayerCache

log = logging.getLogger(__name__)

LAYERS = (6, 8, 10, 12)  # hidden states the graph returns (of 12): the heads learn their mix
WIDTH = 768
DELTA_FILE = "top_delta.safetensors"  # what tuning changed in the base's top layers (accurate/delta.py)


# --- the base encoder's graph, without weights -------------------------------------------------

def export_base_graph(model_dir: Path, out: Path, layers: tuple[int, ...] = LAYERS) -> None:
    """ONNX graph of the encoder returning ``layers`` stacked (batch, tokens, len(layers), width),
    with every weight stored as a reference (offset, length) into model.safetensors."""
    import onnx
    from onnx import TensorProto
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(model_dir)).eval()

    class Layers(nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask):
            hs = self.m(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True).hidden_states
            return torch.stack([hs[k] for k in layers], dim=2)

    ids = torch.tensor([[0, 5, 6, 2]])
    tmp = out.with_suffix(".full.onnx")
    torch.onnx.export(Layers(model), (ids, torch.ones_like(ids)), str(tmp), input_names=["input_ids", "attention_mask"],
                      output_names=["layers"], opset_version=17, do_constant_folding=False, dynamo=False,
                      dynamic_axes={"input_ids": {0: "b", 1: "t"}, "attention_mask": {0: "b", 1: "t"},
                                    "layers": {0: "b", 1: "t"}})
    from ..accurate.delta import read_header

    start, header = read_header(Path(model_dir) / "model.safetensors")
    graph = onnx.load(str(tmp))
    for init in graph.graph.initializer:
        key = init.name.split(".", 1)[1]  # "m.encoder..." -> "encoder..."
        entry = header[key]
        if entry["dtype"] != "F32" or list(entry["shape"]) != list(init.dims):
            raise ValueError(f"{key}: safetensors holds {entry['dtype']} {entry['shape']}, graph wants {list(init.dims)}")
        begin, end = entry["data_offsets"]
        init.ClearField("raw_data")
        init.data_location = TensorProto.EXTERNAL
        del init.external_data[:]
        for k, v in (("location", "model.safetensors"), ("offset", str(start + begin)), ("length", str(end - begin))):
            init.external_data.add(key=k, value=v)
    onnx.save(graph, str(out))
    tmp.unlink()


# --- features ---------------------------------------------------------------------------------

def article_features(encoder, tokenizer, text: str, window_tokens: int = WINDOW_TOKENS):
    """Per-window stacked layers (len + 2, L, width) as fp16, and the token offsets."""
    cls, sep = special_ids(tokenizer)
    enc = encode(tokenizer, text)
    out = []
    for w in windows_for(text, enc.offsets, window_tokens) if enc.offsets else []:
        ids = np.concatenate([[cls], enc.ids[w.start : w.stop], [sep]]).astype(np.int64)[None]
        out.append((w, encoder.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0][0].astype(np.float16)))
    return enc, out


def runtime_windows(tokenizer, text: str, window_tokens: int = WINDOW_TOKENS) -> list[tuple[int, int]]:
    """The (start, stop) token windows the runtime cuts ``text`` into."""
    enc = encode(tokenizer, text)
    return [(w.start, w.stop) for w in windows_for(text, enc.offsets, window_tokens)] if enc.offsets else []


def feature_key(base_dir: Path, window_tokens: int = WINDOW_TOKENS) -> CacheKey:
    """The base's weights and tokenizer, the window layout and the graph's layers: what the cache depends on."""
    return CacheKey(base_sha256=file_sha256(base_dir / "model.safetensors"), window_tokens=window_tokens,
                    tokenizer_sha256=file_sha256(base_dir / "tokenizer.json"), layers=LAYERS, computed="onnx-fp32")


def cache_features(articles: list[LabelledArticle], base_dir: Path, out: Path, threads: int = 2) -> LayerCache:
    """The base encoder's LAYERS for every window of every article, computed once (resumable) in a
    folder of ``out`` named by the base's hash, the window layout and the layers."""
    cache = LayerCache(out, feature_key(base_dir))
    tokenizer = load_tokenizer(base_dir / "tokenizer.json")
    encoder = None

    def compute(text: str) -> np.ndarray:
        nonlocal encoder
        encoder = encoder or session(base_dir / "encoder.onnx", threads)
        _, wins = article_features(encoder, tokenizer, text)
        return np.concatenate([h for _, h in wins]) if wins else np.zeros((0, len(LAYERS), WIDTH), np.float16)

    cache.fill(articles, lambda text: runtime_windows(tokenizer, text), compute)
    return cache


# --- heads -----------------------------------------------------------------------------------

class TokenHeads(nn.Module):
    """Layer mix -> projection -> a short convolution -> BIO and per-technique token scores."""

    def __init__(self, n_layers: int = len(LAYERS), width: int = WIDTH, hidden: int = 256):
        super().__init__()
        self.mix = nn.Parameter(torch.zeros(n_layers))
        self.proj = nn.Linear(width, hidden)
        self.conv = nn.Conv1d(hidden, hidden, 3, padding=1)
        self.drop = nn.Dropout(0.2)
        self.bio = nn.Linear(hidden, 3)
        self.tech = nn.Linear(hidden, len(techniques.NAMES))

    def mixed(self, layers: torch.Tensor) -> torch.Tensor:
        return (layers * torch.softmax(self.mix, 0)[None, None, :, None]).sum(2)

    def logits(self, layers: torch.Tensor):
        mixed = self.mixed(layers)
        x = self.drop(nn.functional.gelu(self.proj(mixed)))
        x = x + self.drop(nn.functional.gelu(self.conv(x.transpose(1, 2)).transpose(1, 2)))
        return mixed, self.bio(x), self.tech(x)

    def forward(self, layers):  # what the ONNX graph computes: probabilities
        mixed, bio, tech = self.logits(layers)
        return mixed, torch.softmax(bio, -1), torch.sigmoid(tech)


class SpanHead(nn.Module):
    def __init__(self, width: int = WIDTH, hidden: int = 256):
        super().__init__()
        self.net = nn.Sequential(nn.Dropout(0.2), nn.Linear(4 * width + N_FEATURES, hidden), nn.GELU(),
                                 nn.Dropout(0.2), nn.Linear(hidden, len(techniques.NAMES)))

    def forward(self, span_inputs):
        return torch.softmax(self.net(span_inputs), -1)


def _stored(cache: LayerCache, art: LabelledArticle) -> dict:
    got = cache.get(art.id, art.text)
    if got is None:
        raise ModelError(f"article {art.id} has no cached states in {cache.folder}: cache its features first")
    return got


def load_windows(articles: list[LabelledArticle], cache: LayerCache, tokenizer):
    """(layers fp16 (len+2, L, W), bio (len,), tech (len, 14)) for every window of the articles."""
    out = []
    for art in articles:
        z = _stored(cache, art)
        starts, stops, hidden = z["starts"], z["stops"], z["hidden"]
        enc = encode(tokenizer, art.text)
        bio, tech = token_targets(enc.offsets, art.spans)
        pos = 0
        for a, b in zip(starts, stops):
            n = b - a + 2
            out.append((hidden[pos : pos + n], bio[a:b], tech[a:b]))
            pos += n
    return out


@dataclass
class HeadRecipe:
    """How the heads are trained; ``precision`` is the resolved one ("fp32" or "bf16")."""

    epochs: int = 6
    seed: int = 13
    batch: int = 16
    precision: str = "fp32"
    span_epochs: int = 30
    layer_lr: float = 3e-5  # of the base's top layers, when they are tuned (train/top_layers.py)
    tune_top: int = 0  # how many of the base's top layers to tune (0: the base stays frozen)
    lora_rank: int = 0  # tune them through LoRA factors of this rank instead of in full
    lora_lr: float = 5e-4


def train_token_heads(windows, recipe: HeadRecipe | None = None, checkpoint: Path | None = None,
                      resume: bool = False, fingerprint: str = "", top: nn.Module | None = None) -> TokenHeads:
    """The token heads on cached windows; with ``checkpoint``, resumable (``resume``). With ``top``
    (a TunedTop), the windows hold the layers below its cut and its layers are tuned with the heads."""
    recipe = recipe or HeadRecipe()
    rand = Randomness(recipe.seed)
    dim = windows[0][0].shape[2]
    n_layers = len(top.layers) if top is not None else windows[0][0].shape[1]
    net = TokenHeads(n_layers, dim)
    groups = [{"params": list(net.parameters()), "lr": 1e-3}]
    if top is not None:
        groups.append({"params": [p for p in top.parameters() if p.requires_grad],
                       "lr": recipe.lora_lr if recipe.lora_rank else recipe.layer_lr})
    opt = torch.optim.AdamW(groups, weight_decay=0.01)
    counts = np.bincount(np.concatenate([w[1] for w in windows]), minlength=3).astype(np.float64)
    weights = torch.tensor((counts.sum() / (3 * np.maximum(counts, 1))) ** 0.5, dtype=torch.float32)
    steps = recipe.epochs * ((len(windows) + recipe.batch - 1) // recipe.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=[g["lr"] for g in groups], total_steps=steps, pct_start=0.1)

    def batches(epoch: int, r: Randomness) -> list[list[int]]:
        order = list(range(len(windows)))
        r.py.shuffle(order)
        return [order[i : i + recipe.batch] for i in range(0, len(order), recipe.batch)]

    def step(indices: list[int], r: Randomness) -> torch.Tensor:
        part = [windows[k] for k in indices]
        width = max(len(h) for h, _, _ in part)
        x = torch.zeros(len(part), width, windows[0][0].shape[1], dim)
        bio = torch.full((len(part), width), -100, dtype=torch.long)
        tech = torch.zeros(len(part), width, len(techniques.NAMES))
        mask = torch.zeros(len(part), width)
        for row, (h, b, t) in enumerate(part):
            x[row, : len(h)] = torch.from_numpy(h.astype(np.float32))
            bio[row, 1 : len(b) + 1] = torch.from_numpy(b)
            tech[row, 1 : len(b) + 1] = torch.from_numpy(t)
            mask[row, 1 : len(b) + 1] = 1
        if top is not None:
            x = top(x, (torch.arange(width)[None] < torch.tensor([len(h) for h, _, _ in part])[:, None]).long())
        _, bl, tl = net.logits(x)
        loss = nn.functional.cross_entropy(bl.float().reshape(-1, 3), bio.reshape(-1), weight=weights, ignore_index=-100)
        aux = nn.functional.binary_cross_entropy_with_logits(tl.float(), tech, reduction="none").mean(-1)
        return loss + 0.5 * (aux * mask).sum() / mask.sum()

    model = net if top is None else nn.ModuleDict({"heads": net, "top": top})
    fit = Fit(model=model, optimizer=opt, scheduler=sched, total_steps=steps, batches=batches, step=step, rand=rand,
              checkpoint=checkpoint, fingerprint=fingerprint, precision=recipe.precision, clip=None, label="token loss")
    if resume:
        fit.resume()
    fit.run()
    fit.save()  # kept, finished, until the span head is trained: a stop there does not redo this fit
    if top is not None:
        top.eval()
    return net.eval()


def span_examples(articles: list[LabelledArticle], cache: LayerCache, tokenizer, heads: TokenHeads,
                  top: nn.Module | None = None, precision: str = "fp32"):
    """Span rows pooled from the mixed layers exactly as the runtime pools them, with targets;
    tuned top layers run in the training's ``precision`` (fp32 there is several times slower)."""
    from ..detect import TokenScores
    from ..label import span_rows
    from ..segment import Window
    from .engine import autocast

    rows, targets = [], []
    for art in articles:
        z = _stored(cache, art)
        layers = z["hidden"]
        enc = encode(tokenizer, art.text)
        windows, hidden, pos = [], [], 0
        for a, b in zip(z["starts"], z["stops"]):
            n = b - a + 2
            with torch.no_grad():
                x = torch.from_numpy(layers[pos : pos + n].astype(np.float32))[None]
                if top is not None:
                    with autocast(precision):
                        x = top(x, torch.ones(1, n, dtype=torch.long)).float()
                hidden.append(heads.mixed(x)[0].numpy())
            windows.append(Window(int(a), int(b)))
            pos += n
        scores = TokenScores(art.text, enc, windows, np.zeros((0, 3)), np.zeros((0, 14)), hidden)
        grouped: dict[tuple[int, int], list[str]] = {}
        for name, s, e in art.spans:
            grouped.setdefault((s, e), []).append(name)
        keys = list(grouped)
        got, valid = span_rows(scores, keys, hidden)
        for row, k in zip(got, valid):
            rows.append(row)
            targets.append(technique_shares(grouped[keys[k]]))
    return np.stack(rows), np.stack(targets)


def train_span_head(rows: np.ndarray, targets: np.ndarray, recipe: HeadRecipe | None = None) -> SpanHead:
    """The span head (seconds: no checkpoint)."""
    recipe = recipe or HeadRecipe()
    rand = Randomness(recipe.seed)
    net = SpanHead((rows.shape[1] - N_FEATURES) // 4)
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=0.01)
    x, y = torch.from_numpy(rows), torch.from_numpy(targets)
    per_epoch = (len(x) + 63) // 64

    def batches(epoch: int, r: Randomness) -> list[torch.Tensor]:
        perm = torch.randperm(len(x))
        return [perm[i : i + 64] for i in range(0, len(x), 64)]

    def step(idx: torch.Tensor, r: Randomness) -> torch.Tensor:
        return -(y[idx] * torch.log_softmax(net.net(x[idx]).float(), -1)).sum(-1).mean()

    Fit(model=net, optimizer=opt, total_steps=recipe.span_epochs * per_epoch, batches=batches, step=step, rand=rand,
        precision=recipe.precision, clip=None, label="span loss").run()
    return net.eval()


def heads_fingerprint(articles: list[LabelledArticle], cache: LayerCache, recipe: HeadRecipe) -> str:
    """What the token heads' fit depends on: a checkpoint of any other is not continued."""
    from hashlib import sha256

    h = sha256(json.dumps([asdict(recipe), cache.key.digest()]).encode())
    for art in articles:
        h.update(json.dumps([art.id, art.text, sorted(art.spans)]).encode())
    return h.hexdigest()


def train_heads(articles: list[LabelledArticle], cache: LayerCache, tokenizer, recipe: HeadRecipe | None = None,
                work: Path | None = None, resume: bool = False, top: nn.Module | None = None) -> tuple[TokenHeads, SpanHead]:
    """Both heads on the cached features of ``articles`` (the span head on the token heads' layer
    mix). With ``work``, the token heads' fit checkpoints there and ``resume`` continues it. With
    ``top`` (a TunedTop on a cache of the layers below its cut), its layers are tuned too, in place."""
    recipe = recipe or HeadRecipe()
    windows = load_windows(articles, cache, tokenizer)
    checkpoint = Path(work) / "token-heads.ckpt" if work is not None else None
    token = train_token_heads(windows, recipe, checkpoint, resume, heads_fingerprint(articles, cache, recipe), top)
    del windows
    rows, targets = span_examples(articles, cache, tokenizer, token, top, recipe.precision)
    span = train_span_head(rows, targets, recipe)
    if checkpoint is not None:
        checkpoint.unlink(missing_ok=True)
    return token, span


def export_heads(token: TokenHeads, span: SpanHead, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    width = token.proj.in_features
    layers = torch.zeros(1, 5, len(token.mix), width)
    torch.onnx.export(token, (layers,), str(out / "token_head.onnx"), input_names=["layers"],
                      output_names=["mixed", "bio", "tech"], opset_version=17, dynamo=False,
                      dynamic_axes={"layers": {1: "t"}, "mixed": {1: "t"}, "bio": {1: "t"}, "tech": {1: "t"}})
    torch.onnx.export(span, (torch.zeros(2, 4 * width + N_FEATURES),), str(out / "span_head.onnx"),
                      input_names=["span_inputs"], output_names=["probs"], opset_version=17, dynamo=False,
                      dynamic_axes={"span_inputs": {0: "n"}, "probs": {0: "n"}})


def write_bundle(out: Path, base: Base, graph: Path, version: str, settings: dict, blend: dict, extra: dict) -> None:
    """model.json of an accurate-tier folder holding the graph and both heads."""
    import shutil


    if Path(graph).resolve() != (out / "encoder.onnx").resolve():
        shutil.copyfile(graph, out / "encoder.onnx")
    names = ["encoder.onnx", "token_head.onnx", "span_head.onnx"] + ([DELTA_FILE] if extra.get("delta") else [])
    files = {n: file_sha256(out / n) for n in names}
    meta = {"tier": "accurate", "version": version, "base": base.name, "base_sha256": base.sha256, "layers": list(LAYERS),
            "files": files, "settings": settings, "blend": blend, **extra}
    (out / "model.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def tuned_top(base_dir: Path, recipe: HeadRecipe):
    """The base's top ``recipe.tune_top`` layers to tune on the feature cache (which holds all of
    LAYERS, so the cut is one of them), with LoRA factors when ``recipe.lora_rank``; None to keep
    the base frozen."""
    if not recipe.tune_top:
        return None
    from .top_layers import TunedTop, add_lora, load_mpnet

    model = load_mpnet(base_dir)
    cut = model.config.num_hidden_layers - recipe.tune_top
    if cut not in LAYERS[:-1]:
        raise ModelError(f"can tune the top {', '.join(str(12 - k) for k in LAYERS[:-1])} layers, not {recipe.tune_top}")
    top = TunedTop(model, cut, cached=LAYERS)
    return add_lora(top, recipe.lora_rank) if recipe.lora_rank else top


def write_delta(top, base_dir: Path, out: Path) -> dict:
    """What tuning changed, as the shipped delta file, and its entry in model.json: the file's
    sha256 and the sha256 the base's weights have once it is added (checked at build time)."""
    import os
    import shutil
    import tempfile

    from safetensors.numpy import load_file, save_file

    from ..accurate.delta import FORMAT, delta_tensors, merge_into
    from ..outputs import current_umask

    tuned = top.tuned_weights()
    base = load_file(str(base_dir / "model.safetensors"))
    tensors = delta_tensors({k: base[k] for k in tuned}, tuned)
    del base
    tmp = out / (DELTA_FILE + ".tmp")
    save_file(tensors, str(tmp), metadata={"format": FORMAT, "base_sha256": file_sha256(base_dir / "model.safetensors")})
    os.chmod(tmp, 0o666 & ~current_umask())  # safetensors writes 0600; a shipped file is read by every user
    tmp.replace(out / DELTA_FILE)
    with tempfile.TemporaryDirectory(dir=out) as work:
        merged = Path(work) / "model.safetensors"
        shutil.copyfile(base_dir / "model.safetensors", merged)
        merge_into(merged, tensors)
        merged_sha = file_sha256(merged)
    layers = sorted({int(k.split(".")[2]) + 1 for k in tensors})
    return {"file": DELTA_FILE, "sha256": file_sha256(out / DELTA_FILE), "merged_sha256": merged_sha,
            "layers": layers, "lora_rank": getattr(top, "lora_rank", 0), "bytes": (out / DELTA_FILE).stat().st_size}


def train_tier(articles: list[LabelledArticle], out: Path, graph: Path, features: Path, *, recipe: HeadRecipe,
               version: str, settings: dict | None = None, blend: dict | None = None, extra: dict | None = None,
               work: Path | None = None, resume: bool = False, threads: int = 2) -> dict:
    """The whole tier in ``out``: the base's features cached (keyed, resumable), both heads trained
    on them (checkpointed in ``work``), exported, and model.json written. Returns what training took."""
    import time
    from dataclasses import replace

    from ..accurate.base import KNOWN_BASES, MPNET
    from ..accurate.model import base_folder, load_accurate

    out.mkdir(parents=True, exist_ok=True)
    blend = blend or {"tokens": 1.0, "spans": 1.0}
    try:
        acc = load_accurate(out)
    except ModelError:
        # a first bundle (heads not trained yet, or changed since) only to locate and build the base
        # encoder: the one an earlier model.json named, all-mpnet-base-v2 otherwise
        try:
            named = json.loads((out / "model.json").read_text(encoding="utf-8")).get("base")
        except (OSError, ValueError, AttributeError):
            named = None
        for head in ("token_head.onnx", "span_head.onnx"):
            (out / head).touch()
        write_bundle(out, KNOWN_BASES.get(named, MPNET), graph, version=version, settings={}, blend=blend, extra={})
        acc = load_accurate(out)
    base = base_folder(replace(acc, delta=None))  # features and tuning start from the frozen base
    t0 = time.time()
    cache = cache_features(articles, base, features, threads)
    cached = time.time() - t0
    top = tuned_top(base, recipe)
    token, span = train_heads(articles, cache, load_tokenizer(base / "tokenizer.json"), recipe, work, resume, top)
    export_heads(token, span, out)
    delta = write_delta(top, base, out) if top is not None else {}
    if top is None:
        (out / DELTA_FILE).unlink(missing_ok=True)  # of an earlier, tuned fit in the same folder
    training = {"articles": len(articles), **asdict(recipe), "feature_seconds": round(cached),
                "head_seconds": round(time.time() - t0 - cached), "feature_cache": cache.folder.name,
                "torch": torch.__version__}
    write_bundle(out, acc.base, graph, version=version, settings=settings or {}, blend=blend,
                 extra={**(extra or {}), "training": training, **({"delta": delta} if delta else {})})
    return training
