from __future__ import annotations

import http.server
import io
import sys
import threading
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_PTC = ROOT.parent / "shared" / "data" / "ptc"
needs_shared = pytest.mark.skipif(not (SHARED_PTC / "train-articles").is_dir(),
                                  reason="../shared/data/ptc is not beside this checkout")


@pytest.fixture(scope="session", autouse=True)
def _own_models_folder(tmp_path_factory):
    """Learned models and the model in use live in the user's data folder: a developer who ran
    `propscan models use X` must not have the suite run X. Tests that need a folder set their own."""
    import os

    old = os.environ.get("PROPSCAN_MODELS_DIR")
    os.environ["PROPSCAN_MODELS_DIR"] = str(tmp_path_factory.mktemp("learned-models"))
    yield
    if old is None:
        os.environ.pop("PROPSCAN_MODELS_DIR", None)
    else:
        os.environ["PROPSCAN_MODELS_DIR"] = old


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


# --- a local website for URL tests ---------------------------------------------------

PAGE = (FIXTURES / "html" / "article_with_boilerplate.html").read_bytes()


class _SiteHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        routes = {
            "/article": (200, "text/html; charset=utf-8", PAGE),
            "/json": (200, "application/json", b'{"a": 1}'),
            "/empty-page": (200, "text/html", (FIXTURES / "html" / "no_article.html").read_bytes()),
            "/big": (200, "text/html", b"<p>" + b"x" * 300_000 + b"</p>"),
            "/missing": (404, "text/html", b"gone"),
        }
        if self.path == "/to-private":
            self.send_response(302)
            self.send_header("Location", "http://10.1.2.3/secret")
            self.end_headers()
            return
        if self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
            return
        status, ctype, body = routes.get(self.path, (404, "text/plain", b"no"))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="session")
def site():
    """A small website on loopback: an article, non-HTML, a huge page, errors and redirects."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SiteHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def model_copy(folder: Path, **changes) -> Path:
    """A copy of the shipped model in ``folder``/model with ``changes`` made to its model.json."""
    import json
    import shutil

    from propscan.bundle import DEFAULT_DIR

    copy = folder / "model"
    shutil.copytree(DEFAULT_DIR, copy)
    meta = json.loads((copy / "model.json").read_text())
    meta.update(changes)
    (copy / "model.json").write_text(json.dumps(meta))
    return copy
