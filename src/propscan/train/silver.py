"""Unlabelled news, labelled by a first model, as extra training text (self-training).

PTC has 371 labelled articles; the hyperpartisan and PolNeAR corpora hold ~1,500 more
articles from the same kind of outlets, with no technique labels. A first ("teacher")
model's token probabilities on them become soft targets for a second model trained on the
gold articles plus these: it learns the teacher's judgement on text neither has seen, which
smooths the tagger where 297-371 articles leave it brittle. Only the token heads learn from
silver windows; the span classifier keeps learning from gold spans alone.
"""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from ..bundle import load_bundle
from ..detect import Detector
from ..encoding import encode
from ..errors import InputError
from ..segment import windows_for
from .data import WindowExample

MIN_CHARS = 400  # shorter "articles" are mostly captions and link stubs


def hyperpartisan_texts(path: Path) -> list[str]:
    """Title and paragraphs of each <article> in a SemEval-2019 Task 4 XML file."""
    texts = []
    try:
        for _, el in ET.iterparse(path):
            if el.tag != "article":
                continue
            paragraphs = [" ".join("".join(p.itertext()).split()) for p in el.iter("p")]
            body = "\n\n".join(p for p in paragraphs if p)
            title = (el.get("title") or "").strip()
            texts.append(f"{title}\n\n{body}" if title else body)
            el.clear()
    except ET.ParseError as exc:
        raise InputError(f"{path}: not well-formed XML ({exc})") from None
    return texts


def read_unlabelled(paths: list[Path]) -> list[str]:
    """Article texts from .txt files (searched recursively) and hyperpartisan .xml files.

    A ground-truth XML (no article text) contributes nothing; duplicates are dropped.
    """
    texts: list[str] = []
    for path in paths:
        path = Path(path)
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for f in files:
            if f.suffix == ".txt":
                texts.append(f.read_text(encoding="utf-8", errors="replace"))
            elif f.suffix == ".xml":
                texts += hyperpartisan_texts(f)
    seen, unique = set(), []
    for t in texts:
        key = " ".join(t.split())[:500]
        if len(t) >= MIN_CHARS and key not in seen:
            seen.add(key)
            unique.append(t)
    return unique


def pick_texts(texts: list[str], tokenizer, windows_wanted: int, seed: int) -> list[str]:
    """A seeded random sample of ``texts`` holding at least ``windows_wanted`` windows."""
    order = texts[:]
    random.Random(seed).shuffle(order)
    chosen, n = [], 0
    for t in order:
        if n >= windows_wanted:
            break
        enc = encode(tokenizer, t)
        if enc.offsets:
            chosen.append(t)
            n += len(windows_for(t, enc.offsets))
    return chosen


def silver_examples(texts: list[str], teacher_dir: Path, threads: int, chunk: int = 16) -> list[WindowExample]:
    """One training window per teacher window, with the teacher's token probabilities as targets."""
    detector = Detector(load_bundle(teacher_dir), threads=threads)
    examples = []
    for i in range(0, len(texts), chunk):
        for scores in detector.score(texts[i : i + chunk]):
            for w in scores.windows:
                examples.append(
                    WindowExample(
                        ids=scores.encoded.ids[w.start : w.stop],
                        bio=scores.bio[w.start : w.stop].astype(np.float32),
                        tech=scores.tech[w.start : w.stop].astype(np.float32),
                    )
                )
    return examples
