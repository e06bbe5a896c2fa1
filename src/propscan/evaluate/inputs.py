"""The files `propscan evaluate` scores, checked line by line before anything is scored.

A score over an impossible span (past the article's end, backwards, of an unknown technique,
in an article that is not there) is a wrong number that looks right. So each such line is
refused by file and line, or with --lenient skipped and counted; the checks that need the
article text run where the articles are at hand.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Callable

from ..errors import InputError
from ..ptc import LabelLine, label_lines, list_articles, read_article_text

GOLD_COLUMNS = (4,)
PRED_COLUMNS = {"labelled": (4,), "tc": (4,), "si": (3, 4)}

Warn = Callable[[str], None]


def require_file(path: Path) -> None:
    """A folder or a missing path given where a file belongs, said as such."""
    if path.is_dir():
        raise InputError("is a folder, not a file", source=str(path))
    if not path.exists():
        raise InputError("no such file", source=str(path))
    if not path.is_file():
        raise InputError("is not a regular file", source=str(path))


def require_folder(path: Path) -> None:
    if not path.exists():
        raise InputError("no such folder", source=str(path))
    if not path.is_dir():
        raise InputError("is a file, not a folder", source=str(path))


class Articles:
    """The articleNNN.txt of a folder, for the checks that need them: does it exist, how long is it."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.found = list_articles(folder)
        if not self.found:
            raise InputError("no articleNNN.txt files", source=str(folder))
        self.lengths = {aid: len(read_article_text(path)) for aid, path in self.found}

    def problem(self, line: LabelLine) -> str | None:
        if line.article not in self.lengths:
            return f"no article{line.article}.txt in {self.folder}"
        if line.end > self.lengths[line.article]:
            return (f"span {line.start}-{line.end} ends beyond article {line.article} "
                    f"({self.lengths[line.article]} characters)")
        return None


def checked_lines(path: Path, columns: tuple[int, ...], articles: Articles | None) -> list[LabelLine]:
    """Every non-blank line of a labels file, with its first problem (if any) named."""
    lines = label_lines(path, columns)
    if articles is None:
        return lines
    return [replace(x, problem=articles.problem(x)) if x.problem is None else x for x in lines]


def refuse_first(path: Path, lines: list[LabelLine]) -> None:
    """One line for the first problem, counting the rest, so the user knows how much is wrong."""
    bad = [x for x in lines if x.problem]
    if bad:
        more = len(bad) - 1
        rest = f"{more} more line{'s' * (more != 1)} with problems; " if more else ""
        raise InputError(f"{path}:{bad[0].number}: {bad[0].problem} ({rest}--lenient skips such lines)")


def usable(path: Path, lines: list[LabelLine], *, lenient: bool, warn: Warn, gold: bool) -> list[LabelLine]:
    """The lines that can be scored; bad ones refuse the file, or with `lenient` are skipped aloud.

    An empty gold file would score anything as perfect or as nothing, so it is refused; so is a
    file whose every line is bad, which is the wrong file rather than a few slips.
    """
    if gold and not lines:
        raise InputError("no labels in the file: nothing to score against", source=str(path))
    if not lenient:
        refuse_first(path, lines)
        return lines
    good = [x for x in lines if not x.problem]
    bad = [x for x in lines if x.problem]
    if bad and not good:
        raise InputError(f"none of its {len(lines)} lines can be scored (first: line {bad[0].number}: "
                         f"{bad[0].problem})", source=str(path))
    if bad:
        warn(f"--lenient: skipped {len(bad)} of {len(lines)} lines of {path} "
             f"(first: line {bad[0].number}: {bad[0].problem})")
    return good
