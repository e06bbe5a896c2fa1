"""Tokenize an article once, keeping each token's character offsets into the exact text.

Offsets are what let every prediction be mapped back onto the user's own characters, so
all stages (training, detection, span labelling) take them from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

CLS_ID = 101
SEP_ID = 102
PAD_ID = 0


@dataclass
class EncodedArticle:
    ids: np.ndarray  # int64 token ids, no special tokens
    offsets: list[tuple[int, int]]  # character range of each token in the text


def load_tokenizer(path: Path) -> Tokenizer:
    tok = Tokenizer.from_file(str(path))
    tok.no_truncation()
    tok.no_padding()
    return tok


def encode(tokenizer: Tokenizer, text: str) -> EncodedArticle:
    enc = tokenizer.encode(text, add_special_tokens=False)
    all_offsets = enc.offsets  # a property that builds a new list on every access
    keep = [i for i, (s, e) in enumerate(all_offsets) if e > s]  # drop zero-width tokens
    ids = np.asarray(enc.ids, dtype=np.int64)[keep] if keep else np.zeros(0, dtype=np.int64)
    offsets = [tuple(all_offsets[i]) for i in keep]
    return EncodedArticle(ids=ids, offsets=offsets)


def batch_arrays(rows: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """[CLS] row [SEP] for each row of token ids, right-padded: (input_ids, attention_mask)."""
    width = max(len(r) for r in rows) + 2
    input_ids = np.full((len(rows), width), PAD_ID, dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for i, r in enumerate(rows):
        n = len(r)
        input_ids[i, 0] = CLS_ID
        input_ids[i, 1 : n + 1] = r
        input_ids[i, n + 1] = SEP_ID
        mask[i, : n + 2] = 1
    return input_ids, mask
