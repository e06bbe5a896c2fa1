"""Read and write the Propaganda Techniques Corpus formats (articleNNN.txt + TSV labels)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from . import techniques
from .errors import InputError

_ARTICLE_NAME = re.compile(r"^article(\w+)\.txt$")


@dataclass
class LabelledArticle:
    """One corpus article with its gold spans: (technique, start, end), end exclusive."""

    id: str
    text: str
    spans: list[tuple[str, int, int]] = field(default_factory=list)


def read_utf8(path: Path) -> str:
    """A file's exact text (CR characters kept, so offsets count what is in the file).

    Offsets into a file read with a guessed encoding would count other characters than the
    annotators', so bytes that are not UTF-8 are an input error naming where they are.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror or exc})", source=str(path)) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(f"not UTF-8 text: byte {exc.start} (line {line}) is 0x{data[exc.start]:02x}",
                         source=str(path)) from None


def read_article_text(path: Path) -> str:
    return read_utf8(path)


def list_articles(folder: Path) -> list[tuple[str, Path]]:
    """(id, path) of every articleNNN.txt in a folder, in id order."""
    found = []
    for path in sorted(Path(folder).iterdir()):
        m = _ARTICLE_NAME.match(path.name)
        if m and path.is_file():
            found.append((m.group(1), path))
    return found


@dataclass(frozen=True)
class LabelLine:
    """One non-blank line of a labels file: a span (end exclusive), or what makes it unusable."""

    number: int
    article: str = ""
    technique: str | None = None  # None in the three-column SI format
    start: int = 0
    end: int = 0
    problem: str | None = None


def _parse_label_line(number: int, parts: list[str], columns: tuple[int, ...]) -> LabelLine:
    if len(parts) not in columns:
        names = "id, technique, start, end" if columns == (4,) else "id, [technique,] start, end"
        wanted = " or ".join(map(str, columns))
        return LabelLine(number, problem=f"expected {wanted} tab-separated columns ({names}), got {len(parts)}")
    article, technique = parts[0].strip(), parts[1].strip() if len(parts) == 4 else None
    try:
        start, end = int(parts[-2]), int(parts[-1])
    except ValueError:
        return LabelLine(number, problem=f"start and end must be whole numbers, got {parts[-2]!r} and {parts[-1]!r}")
    problem = None
    if not article:
        problem = "no article id in the first column"
    elif start < 0 or end < 0:
        problem = f"negative offset in {start}-{end}"
    elif start >= end:
        problem = f"start {start} is not before end {end}"
    elif technique is not None and technique not in techniques.INDEX:
        problem = f"unknown technique {technique!r} (see 'propscan techniques')"
    return LabelLine(number, article, technique, start, end, problem)


def label_lines(path: Path, columns: tuple[int, ...] = (4,)) -> list[LabelLine]:
    """Every non-blank line of a PTC labels file, each parsed or with its problem named.

    Line numbers count every line (blank ones too), as an editor shows them.
    """
    lines = read_utf8(path).removeprefix("\ufeff").split("\n")  # a BOM is not part of the first id
    return [_parse_label_line(n, line.rstrip("\r").split("\t"), columns)
            for n, line in enumerate(lines, 1) if line.strip()]


def read_labels(path: Path) -> dict[str, list[tuple[str, int, int]]]:
    """Read a technique labels file (id, technique, start, end) into lists per article."""
    by_id: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for line in label_lines(path):
        if line.problem:
            raise InputError(f"{path}:{line.number}: {line.problem}")
        by_id[line.article].append((line.technique, line.start, line.end))
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
