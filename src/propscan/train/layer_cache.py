"""The frozen bottom of an encoder, run once per article and kept on disk.

Tuning only an encoder's top layers (or only heads) needs the frozen lower layers' states of
every training window in every epoch. They never change, so they are computed once, with the
runtime's own tokenisation and windows, and stored in fp16 in the work folder. The folder is
named by a key (the base weights' sha256, the window layout, the layers, how they were computed):
change any of them and a new folder is built, so stale states are never read. Each article's
file is named by its text's hash and holds the windows it was cut into; a file whose windows
the runtime would no longer cut the same way is computed again. Files are written atomically, so
a build stopped half-way continues where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger("propscan.train")


@dataclass(frozen=True)
class CacheKey:
    """What the cached states depend on; any change names another folder."""

    base_sha256: str  # of the base's weights
    window_tokens: int  # the runtime's window layout ...
    tokenizer_sha256: str  # ... and the tokenisation it cuts
    layers: tuple[int, ...]  # hidden states kept (0 = embeddings, k = after layer k)
    computed: str  # how: "onnx-fp32", "torch-bf16", ...

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()

    def folder_name(self) -> str:
        return f"layers{'-'.join(map(str, self.layers))}-{self.digest()[:16]}"


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class LayerCache:
    """States of windows per article: ``starts``, ``stops`` (token offsets of each window) and
    ``hidden`` (the windows' states, [CLS] and [SEP] included, stacked along the first axis)."""

    def __init__(self, root: Path, key: CacheKey):
        self.key = key
        self.root = Path(root)
        self.folder = self.root / key.folder_name()
        self.folder.mkdir(parents=True, exist_ok=True)
        record = self.folder / "key.json"
        if not record.is_file():
            _atomic_bytes(record, (json.dumps(asdict(key), indent=1) + "\n").encode())
            others = [p.name for p in self.root.iterdir() if p.is_dir() and p != self.folder and (p / "key.json").is_file()]
            if others:
                log.info("layer cache: building %s (base, window layout, layers or precision changed since %s)",
                         self.folder.name, ", ".join(others))

    def path(self, article_id: str, text: str) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", article_id)[:80]
        return self.folder / f"{safe}-{text_digest(text)}.npz"

    def get(self, article_id: str, text: str, windows: list[tuple[int, int]] | None = None) -> dict | None:
        """The stored states, or None when absent, unreadable or cut into other ``windows``."""
        path = self.path(article_id, text)
        try:
            with np.load(path) as z:
                got = {k: z[k] for k in ("starts", "stops", "hidden")}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):  # absent, or cut short
            return None
        if windows is not None and list(zip(got["starts"].tolist(), got["stops"].tolist())) != [tuple(w) for w in windows]:
            return None
        return got

    def put(self, article_id: str, text: str, starts, stops, hidden: np.ndarray) -> Path:
        path = self.path(article_id, text)
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            np.savez(f, starts=np.asarray(starts, dtype=np.int64), stops=np.asarray(stops, dtype=np.int64),
                     hidden=np.asarray(hidden, dtype=np.float16))
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(path)
        return path

    def fill(self, articles, windows_of: Callable[[str], list[tuple[int, int]]],
             compute: Callable[[str], np.ndarray]) -> int:
        """Compute the states of every article not stored yet (``compute(text)`` returns the
        windows' states stacked); returns how many were computed."""
        done = 0
        for i, art in enumerate(articles):
            windows = windows_of(art.text)
            if self.get(art.id, art.text, windows) is not None:
                continue
            hidden = compute(art.text)
            self.put(art.id, art.text, [a for a, _ in windows], [b for _, b in windows], hidden)
            done += 1
            log.info("layer cache %d/%d %s", i + 1, len(articles), art.id)
        return done


def _atomic_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
