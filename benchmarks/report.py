"""Shared by the benchmark scripts: save the results as JSON and print them as a Markdown table."""

from __future__ import annotations

import json
from pathlib import Path


def save(result: dict, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print("| measure | value |\n|---|---|")
    for k, v in result.items():
        print(f"| {k} | {v} |")
