"""The web app: FastAPI routes for the JSON API and the pages, over one Analyzer and one store.

`create_app` builds everything from a ServerConfig, so tests run the real app in-process
with a temporary database, and `propscan serve` runs the same app under uvicorn.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles

from .. import __version__
from ..store.sqlite import AnalysisStore
from . import errors
from .intake import Limits
from .security import Guard, bearer, key_matches

WEB = Path(__file__).parent
REPORT_STATIC = WEB.parent / "render" / "static"


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("propscan", appauthor=False) / "propscan.db"


@dataclass
class ServerConfig:
    db: Path = field(default_factory=default_db_path)
    api_key: str | None = None
    max_body: int = 5 * 1024 * 1024
    limits: Limits = field(default_factory=Limits)
    model: Path | None = None
    threads: int | None = None


def require_key(request: Request, form_key: str | None = None) -> None:
    """Writes need the API key when one is configured (bearer token, or the form's key field)."""
    key = request.app.state.config.api_key
    if key and not (key_matches(bearer(dict(request.scope["headers"])), key) or key_matches(form_key, key)):
        raise errors.ApiError(401, "unauthorized", "this server needs an API key for writes: "
                              "send 'Authorization: Bearer <key>'")


def create_app(config: ServerConfig, analyzer=None) -> FastAPI:
    """The ASGI app. `analyzer` lets tests share one loaded model; otherwise it loads at startup."""
    from . import api, pages
    from .inference import InferenceQueue

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        nonlocal analyzer
        if analyzer is None:
            from ..pipeline import Analyzer

            analyzer = Analyzer.load(config.model, config.threads)
        app.state.analyzer = analyzer
        app.state.queue = InferenceQueue(analyzer)
        try:
            yield
        finally:
            app.state.queue.close()

    app = FastAPI(
        title="propscan",
        version=__version__,
        description="Find, label and explain propaganda techniques in news articles. "
                    "Analyses use the same model and JSON schema as `propscan analyze --format json`.",
        lifespan=lifespan,
        docs_url=None,  # /docs is rendered by the server itself: no CDN, no inline script
        redoc_url=None,
    )
    app.state.config = config
    app.state.store = AnalysisStore(config.db)
    errors.install(app)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static/report", StaticFiles(directory=REPORT_STATIC), name="report-static")
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    app.add_middleware(Guard, max_body=config.max_body)
    return app
