"""Read and write the Propaganda Techniques Corpus formats (articleNNN.txt + TSV labels)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError

_ARTICLE_NAME = re.compile(r"^article(\w+)\.txt$")


@dataclass
class LabelledArticle:
    """One corpus article with its gold spans: (technique, start, end), end exclusive."""

    id: str
    text: str
    spans: list[tuple[str, int, int]] = field(default_factory=list)


def read_article_text(path: Path) -> str:
    # newline="" keeps CR characters, so offsets count exactly what is in the file.
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def list_articles(folder: Path) -> list[tuple[str, Path]]:
    """(id, path) of every articleNNN.txt in a folder, in id order."""
    found = []
    for path in sorted(Path(folder).iterdir()):
        m = _ARTICLE_NAME.match(path.name)
        if m and path.is_file():
            found.append((m.group(1), path))
    return found


def read_labels(path: Path) -> dict[str, list[tuple[str, int, int]]]:
    """Read a technique labels file (id, technique, start, end) into lists per article."""
    by_id: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 4:
            raise InputError(f"{path}:{lineno}: expected 4 tab-separated columns, got {len(parts)}")
        try:
            by_id[parts[0]].append((parts[1], int(parts[2]), int(parts[3])))
        except ValueError:
            raise InputError(f"{path}:{lineno}: start and end must be integers") from None
    return dict(by_id)


def read_span_lines(path: Path) -> list[tuple[str, int, int]]:
    """Read a TC input file: id, anything, start, end per line (the order is kept)."""
    spans = []
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) < 4:
            raise InputError(f"{path}:{lineno}: expected id, technique, start, end separated by tabs")
        try:
            spans.append((parts[0], int(parts[2]), int(parts[3])))
        except ValueError:
            raise InputError(f"{path}:{lineno}: start and end must be integers") from None
    return spans


def load_corpus(folder: Path, labels: Path) -> list[LabelledArticle]:
    """Articles of a PTC folder with their gold technique spans."""
    gold = read_labels(labels)
    return [LabelledArticle(aid, read_article_text(p), sorted(gold.get(aid, []), key=lambda s: (s[1], s[2])))
            for aid, p in list_articles(folder)]
