from __future__ import annotations

import io
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_PTC = ROOT.parent / "shared" / "data" / "ptc"
needs_shared = pytest.mark.skipif(not (SHARED_PTC / "train-articles").is_dir(),
                                  reason="../shared/data/ptc is not beside this checkout")


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def run_cli(*args: str, stdin: str | None = None) -> CliResult:
    """Run `propscan ARGS` in-process (the loaded model is cached between calls)."""
    from propscan.cli import run

    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    if stdin is not None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")))
    code = 0
    try:
        with redirect_stdout(out), redirect_stderr(err):
            run(list(args))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.stdin = old_stdin
    return CliResult(code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="session")
def analyzer():
    from propscan.pipeline import Analyzer

    return Analyzer()


@pytest.fixture(scope="session")
def example_text() -> str:
    return (ROOT / "examples" / "article.txt").read_text(encoding="utf-8")
