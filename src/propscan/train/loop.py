"""Fine-tune the encoder with its heads on labelled articles (CPU, deterministic seed)."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file
from torch import nn

from .. import techniques
from ..bundle import file_sha256
from ..encoding import batch_arrays, load_tokenizer
from ..ptc import LabelledArticle
from ..segment import MIN_WINDOW, WINDOW_TOKENS
from .base import base_model_dir, load_encoder_weights
from .data import WindowExample, article_examples
from .engine import Fit, Randomness, choose_precision
from .net import PropNet, crf_nll, span_inputs

log = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    # 5 beat 3 in 5-fold CV (SI 0.403 vs 0.387, labelled 0.199 vs 0.188); 7 beat 5 (int8 SI 0.4308 vs
    # 0.4251, labelled 0.2549 vs 0.2470, nested 0.2499 vs 0.2440; SI and labelled better on all 5 folds)
    epochs: float = 7.0
    batch_size: int = 16
    lr: float = 1.2e-4  # encoder; beat 6e-5 in 5-fold CV (SI 0.423 vs 0.416, labelled 0.245 vs 0.223)
    head_lr: float = 1e-3
    weight_decay: float = 0.01
    warmup: float = 0.06
    aux_weight: float = 0.5  # per-technique token channels
    span_weight: float = 1.0
    seed: int = 13
    # content tokens per encoder window; recorded in model.json so the runtime packs the same
    window_tokens: int = WINDOW_TOKENS
    # each epoch, each article is packed into windows of a size drawn from
    # [window_tokens - window_jitter, window_tokens], so a sentence is seen among different
    # neighbours; 0 packs every epoch the way the runtime does
    window_jitter: int = 0
    # decay of an exponential moving average of the weights, saved in place of the last step's
    # (with a bias-free warm-up, so the random heads of step 0 fade at once); 0 saves the last step's.
    # 0.997 beat the last step's weights of the same 5-fold run on labelled-span F1 (int8 0.2470
    # vs 0.2459; nested 0.2440 vs 0.2425) and SI (0.4251 vs 0.4241)
    ema: float = 0.997
    # train the O/B/I tagger as a linear-chain CRF (run time reads its marginals, crf.py). Beat the
    # softmax tagger in the same 5-fold run setup on labelled-span F1 (int8 0.2576 vs 0.2549; nested
    # 0.2527 vs 0.2499) with SI equal (0.4309 vs 0.4308); small margins, within a seed's spread per fold
    crf: bool = True
    # encoder weights to start from instead of the base package's (``propscan adapt`` writes them);
    # empty starts from all-MiniLM-L6-v2 as shipped
    base_weights: str = ""
    threads: int = 2
    max_steps: int | None = None  # for smoke tests
    # "fp32" or "bf16" autocast (weights and optimizer state stay fp32); recipe() resolves "auto" from
    # the CPU's flags (engine.choose_precision). fp32 reproduces a model to the byte on the same thread
    # count; bf16 is 2-3x faster where the CPU computes in bf16
    precision: str = "fp32"


def recipe(**overrides) -> TrainConfig:
    """The shipped recipe with the options a command line gave (None keeps the default), its
    precision resolved for this CPU (auto unless one was given)."""
    given = {k: v for k, v in overrides.items() if v is not None}
    given["precision"] = choose_precision(given.get("precision", "auto"))
    return TrainConfig(**given)


def class_weights(examples: list[WindowExample]) -> torch.Tensor:
    """Inverse square-root frequency weights, so rare techniques are not drowned out."""
    counts = np.ones(len(techniques.NAMES))
    for ex in examples:
        for sp in ex.spans:
            counts += sp.target
    w = (counts.max() / counts) ** 0.5
    return torch.tensor(w / w.mean(), dtype=torch.float32)


def epoch_examples(tokenizer, articles: list[LabelledArticle], cfg: TrainConfig) -> list[list[WindowExample]]:
    """Training windows for each epoch, a started one included (without jitter, one list shared by all)."""
    n_epochs = max(1, math.ceil(cfg.epochs))
    if not cfg.window_jitter:
        return [[ex for a in articles for ex in article_examples(tokenizer, a, cfg.window_tokens)]] * n_epochs
    sizes = random.Random(cfg.seed + 1)  # its own stream: the batch order stays that of the seed
    lo = max(MIN_WINDOW, cfg.window_tokens - cfg.window_jitter)
    return [
        [ex for a in articles for ex in article_examples(tokenizer, a, sizes.randint(lo, cfg.window_tokens))]
        for _ in range(n_epochs)
    ]


class WeightAverage:
    """Exponential moving average of the trainable weights: a smoother end point than the last step."""

    def __init__(self, net: nn.Module, decay: float):
        self.decay = decay
        self.updates = 0
        self.params = {n: p for n, p in net.named_parameters() if p.requires_grad}
        self.average = {n: p.detach().clone() for n, p in self.params.items()}

    @torch.no_grad()
    def update(self) -> None:
        self.updates += 1
        decay = min(self.decay, (1 + self.updates) / (10 + self.updates))
        torch._foreach_lerp_(list(self.average.values()), list(self.params.values()), 1.0 - decay)

    def averaged_state(self, net: nn.Module) -> dict[str, torch.Tensor]:
        """The network's state with the averaged weights in place of the trained ones."""
        return {k: self.average.get(k, v).contiguous() for k, v in net.state_dict().items()}

    def state_dict(self) -> dict:  # for a checkpoint
        return {"updates": self.updates, "average": self.average}

    def load_state_dict(self, state: dict) -> None:
        self.updates = state["updates"]
        for name, value in state["average"].items():
            self.average[name].copy_(value)


def make_batches(examples: list[WindowExample], size: int, rng: random.Random) -> list[list[WindowExample]]:
    """Shuffled batches of similar-length windows (less padding, same randomness)."""
    order = examples[:]
    rng.shuffle(order)
    batches = []
    chunk = size * 20
    for i in range(0, len(order), chunk):
        part = sorted(order[i : i + chunk], key=lambda ex: len(ex.ids))
        batches += [part[j : j + size] for j in range(0, len(part), size)]
    rng.shuffle(batches)
    return batches


def warmup_then_decay(step: int, warm: int, total: int) -> float:
    """Learning-rate factor: linear warm-up over ``warm`` steps, then linear decay to 0 at ``total``."""
    return min((step + 1) / warm, max(0.0, (total - step) / max(1, total - warm)))


def batch_loss(net: PropNet, batch: list[WindowExample], cfg: TrainConfig, weights: torch.Tensor) -> torch.Tensor:
    ids, mask = batch_arrays([ex.ids for ex in batch])
    ids_t, mask_t = torch.from_numpy(ids), torch.from_numpy(mask)
    hidden, bio_logits, tech_logits = net.tokens(ids_t, mask_t)
    bio_logits, tech_logits = bio_logits.float(), tech_logits.float()  # losses in fp32 under bf16 autocast
    width = ids.shape[1]
    bio = torch.full((len(batch), width), -100, dtype=torch.long)
    tech = torch.zeros((len(batch), width, len(techniques.NAMES)))
    tech_mask = torch.zeros((len(batch), width, 1))
    for r, ex in enumerate(batch):
        n = len(ex.ids)
        bio[r, 1 : n + 1] = torch.from_numpy(ex.bio)
        tech[r, 1 : n + 1] = torch.from_numpy(ex.tech)
        tech_mask[r, 1 : n + 1] = 1.0
    if cfg.crf:
        loss = crf_nll(bio_logits, bio, net.tokens.transitions, net.tokens.start)
    else:
        loss = nn.functional.cross_entropy(bio_logits.reshape(-1, 3), bio.reshape(-1), ignore_index=-100)
    aux = nn.functional.binary_cross_entropy_with_logits(tech_logits, tech, reduction="none")
    loss = loss + cfg.aux_weight * (aux * tech_mask).sum() / (tech_mask.sum() * len(techniques.NAMES))
    rows, firsts, stops, feats, targets = [], [], [], [], []
    for r, ex in enumerate(batch):
        for sp in ex.spans:
            rows.append(r)
            firsts.append(sp.first)
            stops.append(sp.stop)
            feats.append(sp.features)
            targets.append(sp.target)
    if rows:
        x = span_inputs(hidden, rows, firsts, stops, torch.from_numpy(np.stack(feats)))
        logits = net.span(x).float()
        target = torch.from_numpy(np.stack(targets))
        per_span = -(target * torch.log_softmax(logits, dim=1)).sum(1)
        w = (target * weights).sum(1)
        loss = loss + cfg.span_weight * (per_span * w).sum() / w.sum()
    return loss


def train(articles: list[LabelledArticle], out_dir: Path, cfg: TrainConfig | None = None, resume: bool = False) -> Path:
    """Fine-tune on ``articles`` and save weights + config to ``out_dir``; returns the weights path.
    The fit checkpoints to ``out_dir``/train.ckpt; ``resume`` continues from it."""
    from transformers import AutoModel

    cfg = cfg or TrainConfig()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(cfg.threads)
    rand = Randomness(cfg.seed)
    base = base_model_dir()
    tokenizer = load_tokenizer(base / "tokenizer.json")
    epochs = epoch_examples(tokenizer, articles, cfg)
    examples = epochs[0]
    encoder = AutoModel.from_pretrained(str(base))
    if cfg.base_weights:
        load_encoder_weights(encoder, Path(cfg.base_weights))
    net = PropNet(encoder)
    # The word-embedding table is most of the weights; keeping it frozen halves optimizer work
    # and keeps words unseen in PTC where pre-training put them.
    net.tokens.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    weights = class_weights(examples)
    enc_params = [p for n, p in net.named_parameters() if p.requires_grad and n.startswith("tokens.encoder")]
    head_params = [p for n, p in net.named_parameters() if p.requires_grad and not n.startswith("tokens.encoder")]
    opt = torch.optim.AdamW(
        [{"params": enc_params, "lr": cfg.lr}, {"params": head_params, "lr": cfg.head_lr}],
        weight_decay=cfg.weight_decay,
    )
    full, part = divmod(cfg.epochs, 1)
    per_epoch = [math.ceil(len(windows) / cfg.batch_size) for windows in epochs]
    total = max(1, sum(per_epoch[: int(full)]) + int(per_epoch[-1] * part))
    if cfg.max_steps:
        total = min(total, cfg.max_steps)
    warm = max(1, int(total * cfg.warmup))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: warmup_then_decay(s, warm, total))
    average = WeightAverage(net, cfg.ema) if cfg.ema else None
    log.info("training on %d articles, %d windows, %d steps, %s", len(articles), len(examples), total, cfg.precision)
    fit = Fit(model=net, optimizer=opt, scheduler=sched, total_steps=total, rand=rand, precision=cfg.precision,
              batches=lambda epoch, r: make_batches(epochs[min(epoch, len(epochs) - 1)], cfg.batch_size, r.py),
              step=lambda batch, r: batch_loss(net, batch, cfg, weights),
              after_step=(lambda steps: average.update()) if average else None,
              stateful={"average": average} if average else {},
              checkpoint=out_dir / "train.ckpt", fingerprint=json.dumps([asdict(cfg), corpus_digest(articles)]))
    if resume:
        fit.resume()
    fit.run()
    net.eval()
    weights_path = out_dir / "weights.safetensors"
    state = {k: v.contiguous() for k, v in net.state_dict().items()}
    if average:
        # the last step's weights stay beside the average, so one run can score both
        save_file(state, str(out_dir / "weights.last.safetensors"))
        state = average.averaged_state(net)
    save_file(state, str(weights_path))
    meta = {
        "config": asdict(cfg),
        "articles": len(articles),
        "data_sha256": corpus_digest(articles),
        "windows": len(examples),
        "steps": total,
        "seconds": round(fit.elapsed, 1),
        "torch": torch.__version__,
    }
    if cfg.base_weights:
        meta["base_weights_sha256"] = file_sha256(Path(cfg.base_weights))
    (out_dir / "train.json").write_text(json.dumps(meta, indent=2))
    fit.finished()
    return weights_path


def corpus_digest(articles: list[LabelledArticle]) -> str:
    """sha256 of the training articles and their labels: what weights were trained on."""
    h = hashlib.sha256()
    for a in articles:
        h.update(json.dumps([a.id, a.text, sorted(a.spans)]).encode("utf-8"))
    return h.hexdigest()


def trained_before(out_dir: Path, cfg: TrainConfig, articles: list[LabelledArticle]) -> Path | None:
    """Weights an earlier run left in ``out_dir`` with the very same recipe, or None.

    Training is deterministic, so they are what training again would give; reusing them lets a
    model be exported again (new tuned settings, say) without the half hour of training."""
    weights, meta = Path(out_dir) / "weights.safetensors", Path(out_dir) / "train.json"
    try:
        record = json.loads(meta.read_text())
        same = record["config"] == asdict(cfg) and record["data_sha256"] == corpus_digest(articles)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return weights if same and weights.is_file() else None


def load_net(weights_path: Path) -> PropNet:
    """Rebuild the network from saved weights (architecture from the base config)."""
    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoModel

    base = base_model_dir()
    # eager attention exports as plain MatMul/Softmax; the SDPA path exports a slow index-heavy mask
    net = PropNet(AutoModel.from_config(AutoConfig.from_pretrained(str(base)), attn_implementation="eager"))
    state = load_file(str(weights_path))
    for key, shape in (("tokens.transitions", (3, 3)), ("tokens.start", (3,))):
        state.setdefault(key, torch.zeros(shape))  # weights from before the CRF option
    net.load_state_dict(state)
    net.eval()
    return net
