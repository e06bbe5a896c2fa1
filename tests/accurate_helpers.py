"""A tiny, randomly initialised MPNet-shaped base encoder, packed like the real one (a zip split
into five pieces), with untrained heads: it goes through the accurate tier's real unpacking,
verification, caching, loading and inference code in seconds."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from conftest import ROOT

PIECES = 5


def make_tiny_base(root: Path) -> dict:
    """Build the tiny model under ``root``; returns what a Base needs, as plain JSON."""
    import torch
    from transformers import MPNetConfig, MPNetModel

    torch.manual_seed(0)
    model_dir = root / "tiny-mpnet"
    model_dir.mkdir(parents=True, exist_ok=True)
    config = MPNetConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=12, num_attention_heads=2,
                         intermediate_size=64, max_position_embeddings=514, pad_token_id=0)
    MPNetModel(config).eval().save_pretrained(str(model_dir), safe_serialization=True)
    (model_dir / "tokenizer.json").write_bytes((ROOT / "src/propscan/resources/model/tokenizer.json").read_bytes())
    archive = root / "tiny.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(model_dir / "model.safetensors", "tiny/model.safetensors")
        z.write(model_dir / "tokenizer.json", "tiny/tokenizer.json")
    data = archive.read_bytes()
    pieces = root / "pieces"
    pieces.mkdir(exist_ok=True)
    step = len(data) // PIECES + 1
    for k in range(PIECES):
        (pieces / f"tiny.zip.{k + 1:03d}").write_bytes(data[k * step : (k + 1) * step])
    sha = hashlib.sha256((model_dir / "model.safetensors").read_bytes()).hexdigest()
    return {"name": "tiny-mpnet", "sha256": sha, "packages": [f"tiny-part-{k:03d}" for k in range(1, PIECES + 1)],
            "piece": "tiny.zip.{k:03d}", "weights": "tiny/model.safetensors", "tokenizer": "tiny/tokenizer.json",
            "folder": str(pieces), "model_dir": str(model_dir)}


def base_from(spec: dict):
    from propscan.accurate.base import Base

    return Base(name=spec["name"], sha256=spec["sha256"], packages=tuple(spec["packages"]), piece=spec["piece"],
                weights=spec["weights"], tokenizer=spec["tokenizer"], folder=Path(spec["folder"]))


def make_tiny_bundle(spec: dict, out: Path, blend: float = 0.5) -> Path:
    """An accurate-tier folder on the tiny base: its weightless graph and untrained heads."""
    import torch

    from propscan.train import accurate as acc_train

    torch.manual_seed(1)
    out.mkdir(parents=True, exist_ok=True)
    acc_train.export_base_graph(Path(spec["model_dir"]), out / "encoder.onnx")
    acc_train.export_heads(acc_train.TokenHeads(width=32, hidden=16).eval(), acc_train.SpanHead(width=32, hidden=16).eval(), out)
    acc_train.write_bundle(out, base_from(spec), out / "encoder.onnx", version="accurate-tiny-test", settings={},
                           blend={"tokens": blend, "spans": blend}, extra={})
    return out
