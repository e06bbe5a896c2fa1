"""The web app: assembles the API and page routers over one Analyzer and one store.

`create_app` builds everything from a ServerConfig, so tests run the real app in-process
with a temporary database, and `propscan serve` runs the same app under uvicorn. Imports go
one way: this module imports the routers; they import shared pieces, never this module.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from .. import __version__
from ..store.sqlite import AnalysisStore
from . import api, errors, pages, review_api
from .config import ServerConfig
from .security import Guard
from .templating import WEB

REPORT_STATIC = WEB.parent / "render" / "static"


class PropscanApp(FastAPI):
    def openapi(self) -> dict:
        """The document lists only the statuses each route can answer (FastAPI adds a generic 422)."""
        if self.openapi_schema is None:
            self.openapi_schema = api.drop_generic_422(super().openapi())
        return self.openapi_schema

    def build_middleware_stack(self):
        """Guard outside everything, Starlette's error middleware included, so that every
        response (a crash's 500 too) passes the Host check and gets the security headers."""
        config: ServerConfig = self.state.config
        return Guard(super().build_middleware_stack(), max_body=config.max_body,
                     allowed_hosts=config.allowed_hosts)


def create_app(config: ServerConfig, analyzer=None) -> FastAPI:
    """The ASGI app. `analyzer` lets tests share one loaded model; otherwise it loads at startup."""
    from .inference import InferenceQueue

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        nonlocal analyzer
        if analyzer is None:
            from ..pipeline import Analyzer

            analyzer = Analyzer.load(config.model, config.threads, config.min_confidence)
        app.state.analyzer = analyzer
        app.state.queue = InferenceQueue(analyzer)
        try:
            yield
        finally:
            app.state.queue.close()
            app.state.store.close()  # reopened on demand if the app is started again

    app = PropscanApp(
        title="propscan",
        version=__version__,
        description="Find, label and explain propaganda techniques in news articles. "
                    "Analyses use the same model and JSON schema as `propscan analyze --format json`.",
        lifespan=lifespan,
        docs_url=None,  # /docs is rendered by the server itself: no CDN, no inline script
        redoc_url=None,
    )
    app.state.config = config
    app.state.store = AnalysisStore(config.db, lock_timeout=config.lock_timeout)
    errors.install(app)
    app.include_router(api.router)
    app.include_router(review_api.router)
    app.include_router(pages.router)
    app.mount("/static/report", StaticFiles(directory=REPORT_STATIC), name="report-static")
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    return app
