"""JSON and JSON Lines read with errors a person can act on: where the file is cut or not UTF-8."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import InputError
from ..ptc import read_utf8


def _problem(exc: json.JSONDecodeError, text: str) -> str:
    cut = exc.pos >= len(text.rstrip())
    return (f"not valid JSON{' (the file is cut short)' if cut else ''}: {exc.msg} "
            f"at line {exc.lineno} column {exc.colno}")


def load_json(path: Path):
    text = read_utf8(path).removeprefix("\ufeff")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(_problem(exc, text), source=str(path)) from None


def load_jsonl(path: Path) -> list[tuple[int, object]]:
    """(line number, value) of every non-blank line."""
    out = []
    for number, line in enumerate(read_utf8(path).removeprefix("\ufeff").split("\n"), 1):
        if not line.strip():
            continue
        try:
            out.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise InputError(f"line {number}: {_problem(exc, line)}", source=str(path)) from None
    return out
