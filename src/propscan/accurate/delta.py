"""The tuned accurate tier's encoder: the base's weights plus a shipped delta, merged once.

Training changes only the base's top layers. The repo ships what changed (``tuned - base``, int8
per output row for matrices, float32 for biases and norms) in a safetensors file; on first use it
is added to the verified base in the user's cache. The merged copy keeps the base file's exact
layout (same tensors, same byte offsets), so the weightless encoder graph reads it unchanged.
Adding is element by element in float32, which every CPU rounds alike, so the result's sha256 is
known in advance and checked before the folder is renamed into place.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import time
from pathlib import Path

import numpy as np

from ..bundle import file_sha256
from ..errors import ModelError
from . import base as bases

FORMAT = "propscan-delta-1"


def read_header(weights: Path) -> tuple[int, dict]:
    """(offset of the data, the safetensors header) of a weights file."""
    with open(weights, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return 8 + n, json.loads(f.read(n))


def quantise(delta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per output row: (q, scale) with delta ~= q * scale[:, None]."""
    peak = np.abs(delta).max(axis=1)
    scale = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
    q = np.clip(np.rint(delta / scale[:, None]), -127, 127).astype(np.int8)
    return q, scale


def delta_tensors(base: dict[str, np.ndarray], tuned: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """What a delta file stores for the tensors that changed: ``name:q`` and ``name:scale`` for
    matrices, ``name:add`` for everything else."""
    out = {}
    for name, value in tuned.items():
        d = value.astype(np.float32) - base[name].astype(np.float32)
        if not d.any():
            continue
        if d.ndim == 2:
            out[name + ":q"], out[name + ":scale"] = quantise(d)
        else:
            out[name + ":add"] = d
    return out


def changed(delta: dict[str, np.ndarray]) -> dict[str, tuple[str, ...]]:
    """Tensor name -> the delta entries that change it."""
    names: dict[str, list[str]] = {}
    for key in delta:
        name, _, part = key.rpartition(":")
        names.setdefault(name, []).append(part)
    return {k: tuple(sorted(v)) for k, v in names.items()}


def merged_value(base: np.ndarray, delta: dict[str, np.ndarray], name: str) -> np.ndarray:
    if name + ":add" in delta:
        return (base + delta[name + ":add"]).astype(np.float32)
    return (base + delta[name + ":q"].astype(np.float32) * delta[name + ":scale"][:, None]).astype(np.float32)


def merge_into(weights: Path, delta: dict[str, np.ndarray]) -> None:
    """Add ``delta`` to the tensors of the weights file ``weights``, in place, keeping its layout."""
    start, header = read_header(weights)
    with open(weights, "r+b") as f:
        for name in changed(delta):
            entry = header.get(name)
            if entry is None or entry["dtype"] != "F32":
                raise ModelError(f"the accurate tier's delta changes {name!r}, which the base does not hold as float32")
            begin, end = entry["data_offsets"]
            f.seek(start + begin)
            value = np.frombuffer(f.read(end - begin), dtype=np.float32).reshape(entry["shape"])
            merged = merged_value(value, delta, name)
            if merged.shape != value.shape:
                raise ModelError(f"the accurate tier's delta for {name!r} has the wrong shape")
            f.seek(start + begin)
            f.write(merged.tobytes())


def load_delta(path: Path, sha256: str) -> dict[str, np.ndarray]:
    """The delta file's tensors, after checking the file against its sha256 in model.json."""
    from safetensors.numpy import load_file

    if file_sha256(path) != sha256:
        raise ModelError(f"the accurate tier's delta {path.name} does not match the sha256 in model.json")
    return load_file(str(path))


def tuned_folder(base_folder: Path, delta_sha256: str) -> Path:
    return base_folder.parent / f"{base_folder.name}+{delta_sha256[:12]}"


def build_tuned(base_folder: Path, delta_path: Path, delta_sha256: str, merged_sha256: str) -> Path:
    """The base in ``base_folder`` with the delta added, in a sibling folder built atomically and
    checked against ``merged_sha256``; returned as is when already built."""
    final = tuned_folder(base_folder, delta_sha256)
    if (final / bases.COMPLETE).is_file():
        return final
    delta = load_delta(delta_path, delta_sha256)
    work = base_folder.parent / f".partial-tuned-{os.getpid()}-{time.time_ns()}"
    work.mkdir()
    try:
        for name in ("model.safetensors", "tokenizer.json", "encoder.onnx"):
            shutil.copyfile(base_folder / name, work / name)
        merge_into(work / "model.safetensors", delta)
        digest = file_sha256(work / "model.safetensors")
        if digest != merged_sha256:
            raise ModelError(f"the accurate tier's tuned weights came out with sha256 {digest[:12]}…, not "
                             f"{merged_sha256[:12]}… as model.json says; the base or the delta is not the one trained")
        size = (work / "model.safetensors").stat().st_size
        (work / bases.COMPLETE).write_text(json.dumps({"base": base_folder.name, "delta": delta_sha256,
                                                       "sha256": digest, "size": size}) + "\n")
        if final.exists():
            shutil.rmtree(final, ignore_errors=True)  # left without its marker
        try:
            os.replace(work, final)
        except OSError:  # another process finished the same build first
            if not (final / bases.COMPLETE).is_file():
                raise
    except OSError as exc:
        raise ModelError(f"could not build the accurate tier's tuned weights in {final.parent}: {exc}") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final
