"""Readers for the two labelled formats the reading aids are trained and evaluated on.

SemEval-2019 Task 4 (hyperpartisan news): an articles XML and a ground-truth XML matched by
article id. CLEF CheckThat! 2024 Task 1: a TSV of `Sentence_id<TAB>Text<TAB>class_label`.
Both are outside data, so a malformed file is an InputError naming the file, never a traceback.
"""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError


@dataclass(frozen=True)
class LabelledArticle:
    id: str
    title: str
    text: str  # title, a blank line, then the paragraphs separated by blank lines
    hyperpartisan: bool | None  # None where the ground truth does not name the article


@dataclass(frozen=True)
class LabelledSentence:
    id: str
    text: str
    checkworthy: bool | None


def _article_text(el: ET.Element) -> str:
    paragraphs = [" ".join(" ".join(p.itertext()).split()) for p in el.iter("p")]
    title = " ".join((el.get("title") or "").split())
    return "\n\n".join(x for x in [title, *paragraphs] if x)


def read_truth(path: Path) -> dict[str, bool]:
    truth = {}
    try:
        for _, el in ET.iterparse(str(path)):
            if el.tag == "article" and el.get("id") is not None:
                value = (el.get("hyperpartisan") or "").lower()
                if value not in ("true", "false"):
                    raise InputError(f"{path}: article {el.get('id')} has hyperpartisan={value!r}; expected true or false")
                truth[el.get("id")] = value == "true"
    except ET.ParseError as exc:
        raise InputError(f"{path}: not readable XML ({exc})") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    return truth


def read_semeval2019(articles: Path, truth: Path | None = None) -> list[LabelledArticle]:
    """Articles in file order; labels from `truth` where given."""
    labels = read_truth(truth) if truth is not None else {}
    out = []
    try:
        for _, el in ET.iterparse(str(articles)):
            if el.tag == "article":
                aid = el.get("id") or str(len(out))
                out.append(LabelledArticle(aid, " ".join((el.get("title") or "").split()), _article_text(el), labels.get(aid)))
                el.clear()
    except ET.ParseError as exc:
        raise InputError(f"{articles}: not readable XML ({exc})") from None
    except OSError as exc:
        raise InputError(f"{articles}: cannot read ({exc.strerror or exc})") from None
    if not out:
        raise InputError(f"{articles}: no <article> elements")
    return out


def read_checkthat(path: Path) -> list[LabelledSentence]:
    """Sentences of a CheckThat! Task 1 TSV (header row first; class_label Yes/No, or absent)."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f, delimiter="\t"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read as UTF-8 text ({exc})") from None
    if not rows or [c.strip().lower() for c in rows[0][:2]] != ["sentence_id", "text"]:
        raise InputError(f"{path}: expected a header 'Sentence_id<TAB>Text<TAB>class_label'")
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if not row or not any(c.strip() for c in row):
            continue
        if len(row) < 2:
            raise InputError(f"{path}: line {n} has {len(row)} column; expected Sentence_id, Text, class_label")
        label = row[2].strip().lower() if len(row) > 2 else ""
        if label not in ("yes", "no", ""):
            raise InputError(f"{path}: line {n} has class_label {row[2]!r}; expected Yes or No")
        out.append(LabelledSentence(row[0].strip(), row[1], {"yes": True, "no": False}.get(label)))
    if not out:
        raise InputError(f"{path}: no sentences")
    return out
