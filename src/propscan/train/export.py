"""Export a trained network to the ONNX files propscan runs on, fp32 and int8.

Two graphs: the detector (encoder + token heads, per window) and the span head (per span).
The int8 detector quantizes MatMul weights per channel and the embedding Gathers, which
is what brings the shipped model under 30 MB.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch
from torch import nn

from .base import base_model_dir
from .loop import load_net
from .net import SPAN_INPUT, PropNet


class _DetectorGraph(nn.Module):
    def __init__(self, net: PropNet):
        super().__init__()
        self.tokens = net.tokens

    def forward(self, input_ids, attention_mask):
        hidden, bio, tech = self.tokens(input_ids, attention_mask)
        return hidden, torch.softmax(bio, dim=-1), torch.sigmoid(tech)


class _SpanGraph(nn.Module):
    def __init__(self, net: PropNet):
        super().__init__()
        self.span = net.span

    def forward(self, span_inputs):
        return torch.softmax(self.span(span_inputs), dim=-1)


def export_onnx(weights: Path, out_dir: Path) -> dict[str, Path]:
    """Write detector.fp32.onnx, detector.int8.onnx, span_head.onnx and tokenizer.json."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    net = load_net(weights)
    ids = torch.tensor([[101, 7592, 2088, 102]], dtype=torch.long)
    mask = torch.ones_like(ids)
    fp32 = out_dir / "detector.fp32.onnx"
    with torch.no_grad():
        torch.onnx.export(
            _DetectorGraph(net),
            (ids, mask),
            str(fp32),
            input_names=["input_ids", "attention_mask"],
            output_names=["hidden", "bio_probs", "tech_probs"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "seq"},
                "attention_mask": {0: "batch", 1: "seq"},
                "hidden": {0: "batch", 1: "seq"},
                "bio_probs": {0: "batch", 1: "seq"},
                "tech_probs": {0: "batch", 1: "seq"},
            },
            opset_version=17,
            dynamo=False,
        )
        span = out_dir / "span_head.onnx"
        torch.onnx.export(
            _SpanGraph(net),
            (torch.zeros(2, SPAN_INPUT),),
            str(span),
            input_names=["span_inputs"],
            output_names=["technique_probs"],
            dynamic_axes={"span_inputs": {0: "spans"}, "technique_probs": {0: "spans"}},
            opset_version=17,
            dynamo=False,
        )
    int8 = out_dir / "detector.int8.onnx"
    quantize(fp32, int8)
    shutil.copy(base_model_dir() / "tokenizer.json", out_dir / "tokenizer.json")
    return {"fp32": fp32, "int8": int8, "span": span}


def crf_entry(weights: Path, crf: bool) -> dict:
    """model.json's "crf" entry (the chain's transition scores) for weights trained with ``crf=True``;
    {} for a plain tagger, whose model.json stays as it was."""
    if not crf:
        return {}
    from safetensors.numpy import load_file

    state = load_file(str(weights))
    return {"crf": {name: state[f"tokens.{name}"].astype(float).round(6).tolist() for name in ("transitions", "start")}}


def quantize(fp32: Path, int8: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(fp32),
        str(int8),
        per_channel=True,
        op_types_to_quantize=["MatMul", "Gather"],
        weight_type=QuantType.QInt8,
    )


def write_json(path: Path, data: dict) -> None:
    Path(path).write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def write_model_card_json(folder: Path, *, detector: str, version: str, settings: dict, extra: dict | None = None) -> Path:
    """model.json beside the graphs: which files, their hashes, and the tuned settings."""
    from ..bundle import file_sha256

    folder = Path(folder)
    files = {name: file_sha256(folder / name) for name in (detector, "span_head.onnx", "tokenizer.json")}
    data = {"version": version, "detector": detector, "span_head": "span_head.onnx",
            "files": files, "settings": settings, **(extra or {})}
    write_json(folder / "model.json", data)
    return folder / "model.json"
