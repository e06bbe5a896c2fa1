"""Tune only the top layers of the accurate tier's base encoder, on its cached lower layers.

A training step through all 12 layers of all-mpnet-base-v2 costs 4-5 times one through the top
4 (issue 29's table). The layers below the cut are frozen, so their states are computed once per
article (with the runtime's windows) into a LayerCache, and each epoch runs only the layers above
the cut. What the heads read is unchanged: the stacked LAYERS (6, 8, 10, 12), those at or below
the cut taken from the cache, those above it from the tuned layers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..bundle import file_sha256
from .accurate import LAYERS, runtime_windows
from .layer_cache import CacheKey, LayerCache


def cached_layers(cut: int, layers: tuple[int, ...] = LAYERS) -> tuple[int, ...]:
    """The hidden states a cut needs from the cache: the heads' layers below it, and the cut itself."""
    return tuple(sorted({k for k in layers if k < cut} | {cut}))


def load_mpnet(base_dir: Path):
    """The base encoder from its safetensors alone (the base's cache folder holds no config.json):
    the shape of every part is read from the weights, so a tiny test model loads the same way."""
    from safetensors.torch import load_file
    from transformers import MPNetConfig, MPNetModel

    state = load_file(str(Path(base_dir) / "model.safetensors"))
    vocab, width = state["embeddings.word_embeddings.weight"].shape
    n_layers = 1 + max(int(k.split(".")[2]) for k in state if k.startswith("encoder.layer."))
    config = MPNetConfig(vocab_size=vocab, hidden_size=width, num_hidden_layers=n_layers,
                         num_attention_heads=state["encoder.relative_attention_bias.weight"].shape[1],
                         intermediate_size=state["encoder.layer.0.intermediate.dense.weight"].shape[0],
                         max_position_embeddings=state["embeddings.position_embeddings.weight"].shape[0],
                         relative_attention_num_buckets=state["encoder.relative_attention_bias.weight"].shape[0])
    model = MPNetModel(config, add_pooling_layer=False)
    model.load_state_dict(state, strict=False)  # the pooler, unused, may be absent
    return model.eval()


def lower_states(model, ids: torch.Tensor, cut: int, layers: tuple[int, ...]) -> torch.Tensor:
    """Hidden states ``layers`` (all <= cut) of one window, running only the layers up to the cut."""
    full = model.encoder.layer
    model.encoder.layer = full[:cut]
    try:
        with torch.no_grad():
            hs = model(input_ids=ids, attention_mask=torch.ones_like(ids), output_hidden_states=True).hidden_states
    finally:
        model.encoder.layer = full
    return torch.stack([hs[k] for k in layers], dim=2)


def cache_lower_layers(articles, base_dir: Path, cut: int, out: Path, tokenizer, precision: str = "fp32",
                       window_tokens: int | None = None) -> LayerCache:
    """The frozen layers' states of every window of every article, computed once into a LayerCache
    keyed by the base's hash, the window layout, the layers and the precision they were computed in."""
    from ..accurate.model import special_ids
    from ..encoding import encode
    from ..segment import WINDOW_TOKENS
    from .engine import autocast

    window_tokens = window_tokens or WINDOW_TOKENS
    layers = cached_layers(cut)
    key = CacheKey(base_sha256=file_sha256(Path(base_dir) / "model.safetensors"), window_tokens=window_tokens,
                   tokenizer_sha256=file_sha256(Path(base_dir) / "tokenizer.json"), layers=layers,
                   computed=f"torch-{precision}")
    cache = LayerCache(out, key)
    model = None
    cls, sep = special_ids(tokenizer)

    def compute(text: str) -> np.ndarray:
        nonlocal model
        model = model or load_mpnet(base_dir)
        enc = encode(tokenizer, text)
        parts = []
        for start, stop in runtime_windows(tokenizer, text, window_tokens):
            ids = torch.from_numpy(np.concatenate([[cls], enc.ids[start:stop], [sep]]).astype(np.int64))[None]
            with autocast(precision):
                parts.append(lower_states(model, ids, cut, layers)[0].float().numpy())
        width = model.config.hidden_size
        return np.concatenate(parts) if parts else np.zeros((0, len(layers), width), np.float32)

    cache.fill(articles, lambda text: runtime_windows(tokenizer, text, window_tokens), compute)
    return cache


class TunedTop(nn.Module):
    """The base's layers above ``cut`` on cached states; returns the stacked ``layers`` the heads read."""

    def __init__(self, model, cut: int, layers: tuple[int, ...] = LAYERS, cached: tuple[int, ...] | None = None):
        """``cached``: the layers the cache holds (at least ``cached_layers(cut)``); the accurate
        tier's feature cache holds all of LAYERS, so one cache serves every cut among them."""
        super().__init__()
        self.config = model.config
        self.cut, self.layers, self.lora_rank = cut, layers, 0
        self.cached = tuple(cached) if cached is not None else cached_layers(cut, layers)
        missing = set(cached_layers(cut, layers)) - set(self.cached)
        if missing:
            raise ValueError(f"a cut at layer {cut} needs cached layers {sorted(missing)}")
        self.blocks = nn.ModuleList(model.encoder.layer[cut:])
        # shared by every layer, the frozen ones too: it stays as the cache was computed with it
        self.relative_attention_bias = model.encoder.relative_attention_bias
        self.relative_attention_bias.weight.requires_grad_(False)
        self.relative_position_bucket = type(model.encoder).relative_position_bucket
        self._position_bias = type(model.encoder).compute_position_bias

    def forward(self, cached: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``cached``: (batch, tokens, len(self.cached), width); ``mask``: (batch, tokens), 1 on tokens."""
        from transformers.masking_utils import create_bidirectional_mask

        h = cached[:, :, self.cached.index(self.cut)]
        attention = create_bidirectional_mask(config=self.config, inputs_embeds=h, attention_mask=mask)
        bias = self._position_bias(self, h)
        tuned = {}
        for k, block in enumerate(self.blocks, start=self.cut + 1):
            out = block(h, attention, bias)
            h = out[0] if isinstance(out, tuple) else out
            tuned[k] = h
        return torch.stack([cached[:, :, self.cached.index(k)] if k <= self.cut else tuned[k] for k in self.layers], dim=2)

    def tuned_weights(self) -> dict[str, np.ndarray]:
        """The tuned layers' tensors under the base's own names (``encoder.layer.N....``), with
        any LoRA factors merged into the weights they adapt."""
        out = {}
        for j, block in enumerate(self.blocks):
            for name, value in block.state_dict().items():
                if ".lora_" in name:
                    continue
                out[f"encoder.layer.{self.cut + j}.{name.replace('.base.', '.')}"] = value.float().numpy()
            for name, module in block.named_modules():
                if isinstance(module, LoRALinear):
                    out[f"encoder.layer.{self.cut + j}.{name}.weight"] = module.merged_weight().numpy()
        return out


class LoRALinear(nn.Module):
    """A frozen Linear plus a trained low-rank update ``B @ A`` (LoRA, Hu et al. 2021); B starts at
    zero, so training starts from the base's own outputs."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float | None = None):
        super().__init__()
        self.base = base
        self.base.weight.requires_grad_(False)
        if self.base.bias is not None:
            self.base.bias.requires_grad_(False)
        self.scaling = (alpha or 2 * rank) / rank
        self.lora_a = nn.Parameter(torch.empty(rank, base.in_features))
        self.lora_b = nn.Parameter(torch.zeros(base.out_features, rank))
        nn.init.kaiming_uniform_(self.lora_a, a=5 ** 0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (x @ self.lora_a.t() @ self.lora_b.t()) * self.scaling

    @torch.no_grad()
    def merged_weight(self) -> torch.Tensor:
        return (self.base.weight.float() + (self.lora_b.float() @ self.lora_a.float()) * self.scaling).contiguous()


LORA_TARGETS = ("attn.q", "attn.k", "attn.v", "attn.o", "intermediate.dense", "output.dense")


def add_lora(top: TunedTop, rank: int) -> TunedTop:
    """Freeze the tuned layers and give their attention and feed-forward matrices LoRA factors."""
    for block in top.blocks:
        for p in block.parameters():
            p.requires_grad_(False)
        for name, module in list(block.named_modules()):
            if isinstance(module, nn.Linear) and name.endswith(LORA_TARGETS):
                parent, _, attr = name.rpartition(".")
                setattr(block.get_submodule(parent), attr, LoRALinear(module, rank))
    top.lora_rank = rank
    return top
