"""Domain-adaptive pre-training: masked-language modelling on unlabelled political news.

all-MiniLM-L6-v2 was tuned for sentence similarity, not for the vocabulary and rhetoric of
partisan news. A short MLM pass over in-domain articles that are *not* PTC (so no fold of a
cross-validation ever sees its held-out text) gives the fine-tune a base closer to its data.
The base package ships no MLM head, so a fresh one is trained, tied to the (frozen) word
embeddings, and warmed up alone before the encoder moves.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file
from torch import nn

from ..bundle import file_sha256
from ..encoding import CLS_ID, PAD_ID, SEP_ID, batch_arrays, load_tokenizer
from ..errors import InputError
from ..segment import WINDOW_TOKENS
from .base import base_model_dir
from .engine import Fit, Randomness
from .loop import warmup_then_decay

log = logging.getLogger(__name__)

MASK_ID = 103
UNK_ID = 100
SPECIAL_IDS = [PAD_ID, UNK_ID, CLS_ID, SEP_ID, MASK_ID]
VOCAB_SIZE = 30522
FIRST_WORD_ID = 1000  # random stand-ins come from here up: no [PAD], [unused] or special tokens


def hyperpartisan_texts(xml_path: Path) -> list[str]:
    """Title and body of each SemEval-2019 Task 4 article, whitespace normalised."""
    texts = []
    for _, el in ET.iterparse(str(xml_path)):
        if el.tag == "article":
            body = " ".join(" ".join(p.itertext()) for p in el.iter("p"))
            texts.append(" ".join(f"{el.get('title', '')}\n{body}".split()))
            el.clear()
    return [t for t in texts if t]


def unlabelled_texts(data_root: Path) -> list[str]:
    """In-domain news text beside PTC: hyperpartisan (SemEval-2019) and PolNeAR articles."""
    texts = []
    for xml_path in sorted((data_root / "hyperpartisan").glob("articles-*.xml")):
        try:
            texts += hyperpartisan_texts(xml_path)
        except ET.ParseError as exc:
            raise InputError(f"{xml_path}: not readable XML ({exc})") from None
    for path in sorted((data_root / "polnear").glob("*/text/*.txt")):
        texts.append(path.read_text(encoding="utf-8", errors="replace"))
    return texts


def windows(tokenizer, texts: list[str], size: int = WINDOW_TOKENS) -> list[np.ndarray]:
    """Each text's token ids cut into consecutive windows of ``size`` (the tail kept if long enough)."""
    out = []
    for text in texts:
        ids = np.asarray(tokenizer.encode(text, add_special_tokens=False).ids, dtype=np.int64)
        for i in range(0, len(ids), size):
            if len(ids[i : i + size]) >= 16:
                out.append(ids[i : i + size])
    return out


def mask_tokens(ids: np.ndarray, mask: np.ndarray, rng: np.random.Generator, rate: float = 0.15):
    """BERT's masking: of ``rate`` of the real tokens, 80% [MASK], 10% random, 10% unchanged."""
    labels = np.full_like(ids, -100)
    candidates = (mask == 1) & ~np.isin(ids, SPECIAL_IDS)
    chosen = candidates & (rng.random(ids.shape) < rate)
    labels[chosen] = ids[chosen]
    ids = ids.copy()
    roll = rng.random(ids.shape)
    ids[chosen & (roll < 0.8)] = MASK_ID
    swap = chosen & (roll >= 0.8) & (roll < 0.9)
    ids[swap] = rng.integers(FIRST_WORD_ID, VOCAB_SIZE, size=int(swap.sum()))
    return ids, labels


class MLMHead(nn.Module):
    """BERT's prediction head, its output projection tied to the encoder's word embeddings."""

    def __init__(self, embeddings: nn.Embedding):
        super().__init__()
        dim = embeddings.weight.shape[1]
        self.transform = nn.Sequential(nn.Linear(dim, dim), nn.GELU(), nn.LayerNorm(dim, eps=1e-12))
        self.embeddings = embeddings
        self.bias = nn.Parameter(torch.zeros(embeddings.weight.shape[0]))

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.transform(hidden) @ self.embeddings.weight.T + self.bias


class _MaskedLM(nn.Module):
    """Encoder and MLM head as one module: what the fit's checkpoint saves."""

    def __init__(self, encoder: nn.Module, head: MLMHead):
        super().__init__()
        self.encoder, self.head = encoder, head


def adapt(texts: list[str], out_dir: Path, *, epochs: float = 2.5, batch_size: int = 32, lr: float = 1e-4,
          head_steps: int = 200, seed: int = 13, threads: int = 2, precision: str = "fp32", resume: bool = False) -> Path:
    """MLM-train the base encoder on ``texts``; saves ``encoder.safetensors`` (BertModel keys). The
    fit checkpoints to ``out_dir``/adapt.ckpt; ``resume`` continues from it."""
    from transformers import AutoModel

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(threads)
    rand = Randomness(seed)
    base = base_model_dir()
    tokenizer = load_tokenizer(base / "tokenizer.json")
    data = windows(tokenizer, texts)
    encoder = AutoModel.from_pretrained(str(base))
    embeddings = encoder.embeddings.word_embeddings
    embeddings.weight.requires_grad_(False)  # as in fine-tuning: the table stays where it was
    head = MLMHead(embeddings)
    enc_params = [p for p in encoder.parameters() if p.requires_grad]
    head_params = [p for p in head.parameters() if p.requires_grad]
    opt = torch.optim.AdamW([{"params": enc_params, "lr": lr}, {"params": head_params, "lr": 1e-3}],
                            weight_decay=0.01)
    per_epoch = math.ceil(len(data) / batch_size)
    total = head_steps + int(per_epoch * epochs)
    warm = max(1, int(0.06 * (total - head_steps)))

    def enc_lr(step: int) -> float:  # still while the head warms up alone
        return warmup_then_decay(step - head_steps, warm, total - head_steps) if step >= head_steps else 0.0

    sched = torch.optim.lr_scheduler.LambdaLR(opt, [enc_lr, lambda s: 1.0])
    log.info("MLM on %d texts, %d windows, %d steps (%d head-only), %s", len(texts), len(data), total, head_steps, precision)

    def batches(epoch: int, r: Randomness) -> list[list[np.ndarray]]:
        order = data[:]
        r.py.shuffle(order)
        return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]

    def step(batch: list[np.ndarray], r: Randomness) -> torch.Tensor:
        ids, mask = batch_arrays(batch)
        ids, labels = mask_tokens(ids, mask, r.np)
        with torch.set_grad_enabled(fit.steps >= head_steps):  # head warm-up: no encoder backward
            hidden = encoder(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)).last_hidden_state
        logits = head(hidden[torch.from_numpy(labels != -100)])
        return nn.functional.cross_entropy(logits.float(), torch.from_numpy(labels[labels != -100]))

    fingerprint = json.dumps([len(data), hashlib.sha256(b"".join(w.tobytes() for w in data)).hexdigest(), epochs,
                              batch_size, lr, head_steps, seed, precision])
    fit = Fit(model=_MaskedLM(encoder, head), optimizer=opt, scheduler=sched, total_steps=total, batches=batches,
              step=step, rand=rand, precision=precision, checkpoint=out_dir / "adapt.ckpt", fingerprint=fingerprint,
              label="mlm loss")
    if resume:
        fit.resume()
    fit.run()
    path = out_dir / "encoder.safetensors"
    save_file({k: v.contiguous() for k, v in encoder.state_dict().items()}, str(path))
    meta = {"texts": len(texts), "windows": len(data), "steps": total, "epochs": epochs, "batch_size": batch_size,
            "lr": lr, "head_steps": head_steps, "seed": seed, "precision": precision, "seconds": round(fit.elapsed, 1),
            "final_mlm_loss": round(fit.loss, 4), "sha256": file_sha256(path)}
    (out_dir / "adapt.json").write_text(json.dumps(meta, indent=2))
    fit.finished()
    return path
