"""Read PolNeAR (Newell, Margolin & Ruths, LREC 2018): article texts and brat `.ann` files.

Each attribution is a relation `E` joining a Source (who), a Cue (said, according to, ...) and a
Content (what), each a text-bound annotation `T` with character offsets into the article text.
A source may be missing (Attribution-no-source). Some articles were annotated by several
annotators (the annotator-training compartment); one annotation per article is read, the first
by annotator code, so no article counts twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..ptc import read_utf8

ROLES = ("Source", "Cue", "Content")


@dataclass(frozen=True)
class Attribution:
    content: tuple[int, int] | None
    cue: tuple[int, int] | None
    source: tuple[int, int] | None

    def role(self, name: str) -> tuple[int, int] | None:
        return {"Source": self.source, "Cue": self.cue, "Content": self.content}[name]


@dataclass(frozen=True)
class AnnotatedArticle:
    name: str
    text: str
    attributions: list[Attribution]


def _bounds(field: str) -> tuple[int, int]:
    """`10 20` or a discontinuous `10 20;25 30`: the range from the first start to the last end."""
    pieces = [tuple(int(x) for x in part.split()) for part in field.split(";")]
    return min(p[0] for p in pieces), max(p[1] for p in pieces)


def read_ann(path: Path, text: str) -> list[Attribution]:
    spans: dict[str, tuple[str, tuple[int, int]]] = {}
    relations = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read ({exc})") from None
    for n, line in enumerate(lines, 1):
        parts = line.split("\t")
        if not line.strip() or len(parts) < 2:
            continue
        try:
            if parts[0].startswith("T"):
                label, _, where = parts[1].partition(" ")
                start, end = _bounds(where)
                if not 0 <= start < end <= len(text):
                    raise ValueError(f"offsets {start}-{end} outside the text")
                spans[parts[0]] = (label, (start, end))
            elif parts[0].startswith("E"):
                relations.append(dict(arg.split(":", 1) for arg in parts[1].split()))
        except ValueError as exc:
            raise InputError(f"{path}: line {n} is not a brat annotation ({exc})") from None
    out = []
    for rel in relations:
        roles = {}
        for role in ROLES:
            ref = rel.get(role)
            if ref in spans and spans[ref][0] == role:
                roles[role] = spans[ref][1]
        if roles.get("Content") or roles.get("Cue"):
            out.append(Attribution(roles.get("Content"), roles.get("Cue"), roles.get("Source")))
    return out


def read_split(folder: Path) -> list[AnnotatedArticle]:
    """`folder/text/NAME.txt` with `folder/attributions/NAME_ANNOTATOR.ann`."""
    texts = sorted((folder / "text").glob("*.txt"))
    if not texts:
        raise InputError(f"{folder}: no text/*.txt (a PolNeAR split holds text/ and attributions/)")
    anns: dict[str, Path] = {}
    for ann in sorted((folder / "attributions").glob("*.ann")):
        anns.setdefault(ann.stem.rsplit("_", 1)[0], ann)
    orphans = sorted(set(anns) - {path.stem for path in texts})
    if orphans:  # its gold would be dropped without a word, and the score be of fewer articles
        raise InputError(f"{folder}: attributions/{anns[orphans[0]].name} has no text/{orphans[0]}.txt"
                         + (f" ({len(orphans) - 1} more like it)" if len(orphans) > 1 else ""))
    out = []
    for path in texts:
        if path.stem not in anns:
            continue
        text = read_utf8(path)
        out.append(AnnotatedArticle(path.stem, text, read_ann(anns[path.stem], text)))
    if not out:
        raise InputError(f"{folder}: no article has an attributions/*.ann file")
    return out
