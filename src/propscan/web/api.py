"""JSON API, versioned under /api/v1. Analyses use the same schema as `propscan analyze --format json`."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, StrictStr, model_validator

from .. import techniques
from ..store.sqlite import Query as StoreQuery
from ..store.sqlite import StoredAnalysis
from .app import require_key
from .errors import ApiError, error_body
from .intake import Intake, from_pasted_html, from_pasted_text, from_url

router = APIRouter()
MAX_OFFSET = 1_000_000
ERRORS = {code: {"description": text, "content": {"application/json": {"example": error_body("code", "what went wrong")}}}
          for code, text in [(400, "Malformed JSON"), (401, "API key missing or wrong"), (404, "No such analysis"),
                             (413, "Body or text over the limit"), (422, "Invalid request or unusable article")]}
TechniqueName = Literal[tuple(techniques.NAMES)]  # type: ignore[valid-type]


class AnalysisRequest(BaseModel):
    """Exactly one of `text`, `url` or `html` (`url` may come with `html` as the page's address)."""

    model_config = ConfigDict(extra="forbid")
    text: StrictStr | None = Field(None, description="Plain article text (first line is taken as the title).")
    url: StrictStr | None = Field(None, description="An http(s) URL to fetch, or the address of `html`.")
    html: StrictStr | None = Field(None, description="An HTML page; its main text and title are extracted.")

    @model_validator(mode="after")
    def one_input(self):
        given = [k for k in ("text", "html") if getattr(self, k) is not None]
        if len(given) > 1 or (self.text is not None and self.url is not None):
            raise ValueError("give exactly one of 'text', 'url' or 'html' (with 'html', 'url' is optional)")
        if not given and self.url is None:
            raise ValueError("give one of 'text', 'url' or 'html'")
        return self


async def intake_of(request: Request, req: AnalysisRequest) -> Intake:
    limits = request.app.state.config.limits
    if req.text is not None:
        return from_pasted_text(req.text, limits)
    if req.html is not None:
        return await run_in_threadpool(from_pasted_html, req.html, req.url, limits)
    return await run_in_threadpool(from_url, req.url, limits)


async def analyse_and_store(request: Request, intake: Intake, store: bool) -> tuple[dict, bool]:
    """Run the model off the event loop; store when asked. Shared by the API and the web form."""
    doc = await request.app.state.queue.analyze(intake.raw)
    if not store:
        from ..render.formats import json_dict

        return {"id": None, "created_at": None, "fetched_at": intake.fetched_at, "source_kind": intake.source_kind,
                **json_dict(doc)}, False
    stored: StoredAnalysis = await run_in_threadpool(
        request.app.state.store.add, doc, source_kind=intake.source_kind, fetched_at=intake.fetched_at)
    return stored.to_dict(), True


@router.post("/api/v1/analyses", status_code=201, responses=ERRORS, tags=["analyses"],
             summary="Analyse an article (text, URL or HTML) and store the result")
async def create_analysis(request: Request, response: Response, body: AnalysisRequest,
                          store: Annotated[bool, Query(description="false: analyse without storing")] = True):
    require_key(request)
    intake = await intake_of(request, body)
    data, stored = await analyse_and_store(request, intake, store)
    if stored:
        response.headers["Location"] = f"/api/v1/analyses/{data['id']}"
    else:
        response.status_code = 200
    return data


def missing(analysis_id: str) -> ApiError:
    return ApiError(404, "not_found", f"no analysis with id {analysis_id[:64]!r}")


def stored_or_404(request: Request, analysis_id: str) -> StoredAnalysis:
    found = request.app.state.store.get(analysis_id)
    if found is None:
        raise missing(analysis_id)
    return found


@router.get("/api/v1/analyses/{analysis_id}", responses=ERRORS, tags=["analyses"], summary="One stored analysis")
def get_analysis(request: Request, analysis_id: str):
    return stored_or_404(request, analysis_id).to_dict()


@router.delete("/api/v1/analyses/{analysis_id}", status_code=204, responses=ERRORS, tags=["analyses"],
               summary="Delete a stored analysis")
def delete_analysis(request: Request, analysis_id: str):
    require_key(request)
    if not request.app.state.store.delete(analysis_id):
        raise missing(analysis_id)
    return Response(status_code=204)


@router.get("/api/v1/analyses", responses=ERRORS, tags=["analyses"],
            summary="Stored analyses, newest first (summaries without the text)")
def list_analyses(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    technique: Annotated[TechniqueName | None, Query(description="only analyses with this technique")] = None,
    q: Annotated[str, Query(max_length=200, description="search in title and source")] = "",
    domain: Annotated[str, Query(max_length=253, description="only analyses of URLs on this domain")] = "",
):
    query = StoreQuery(q=q, technique=technique or "", domain=domain)
    items, total = request.app.state.store.list(query, limit=limit, offset=offset)
    return {"items": [s.to_dict() for s in items], "total": total, "limit": limit, "offset": offset}


@router.get("/api/v1/techniques", tags=["reference"], summary="The 14 techniques with definitions and examples")
def list_techniques():
    return [t.to_dict() for t in techniques.TECHNIQUES]


@router.get("/healthz", tags=["reference"], summary="Liveness, model version and queue length")
def healthz(request: Request):
    return {"status": "ok", "model_version": request.app.state.analyzer.model_version,
            "schema_version": request.app.state.store.schema_version(), "queue": request.app.state.queue.pending}
