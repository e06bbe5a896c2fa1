"""JSON API, versioned under /api/v1. Analyses use the same schema as `propscan analyze --format json`.

The OpenAPI document is part of the contract: every operation lists exactly the statuses it
can answer, and the response models below describe the bodies (they document; the handlers
return the same dicts the CLI writes). `tests/test_web_schema.py` holds the server to it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, StrictStr, model_validator

from .. import techniques
from ..store.sqlite import Query as StoreQuery
from ..store.sqlite import Summary
from .analyses import analyse_and_store, missing, stored_or_404
from .auth import require_key
from .intake import Intake, from_pasted_html, from_pasted_text, from_url

router = APIRouter()
MAX_OFFSET = 1_000_000
TechniqueName = Literal[tuple(techniques.NAMES)]  # type: ignore[valid-type]
INPUTS = ("text", "url", "html")


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. `invalid_input`, `cross_origin`.")
    message: str = Field(description="One line for a person.")


class ErrorBody(BaseModel):
    error: ErrorDetail


ERROR_TEXT = {
    # Each as it happens on a route without a body; routes where more can happen word their own.
    400: "A Host name this server does not answer to (`host_not_allowed`)",
    401: "This server requires an API key for changes, and it is missing or wrong (`unauthorized`)",
    403: "A write from another site: the Origin is not this server (`cross_origin`)",
    404: "No analysis with this id (`not_found`)",
    413: "The body is over the server's byte limit (`body_too_large`), or the article's text (given, extracted "
         "or fetched) is over its character limit (`too_large`)",
    415: "The body is not sent as JSON: send it with `Content-Type: application/json` (`unsupported_media_type`)",
    422: "Invalid query parameter (`invalid_request`)",
    503: "The model cannot be used (`model_unavailable`), or the history's storage cannot be written: read-only "
         "(`storage_read_only`), locked by another process (`storage_locked`), damaged (`storage_damaged`) or "
         "failing (`storage_failed`). The message says what failed; nothing was stored",
    507: "The disk holding the history is full (`storage_full`); nothing was stored",
}
STORAGE_WRITE = ("The history's storage cannot be written: read-only (`storage_read_only`), locked by another "
                 "process (`storage_locked`), damaged (`storage_damaged`) or failing (`storage_failed`). The "
                 "message says what failed; nothing was deleted")
STORAGE_FULL_DELETE = ("The disk holding the history is full and the space set aside for deleting is used up "
                       "(`storage_full`); nothing was deleted")
STORAGE_READ = ("The history cannot be read now: its database is damaged (`storage_damaged`), locked by another "
                "process (`storage_locked`), or its storage failed (`storage_failed`, `storage_read_only`)")
STORAGE_READ_FULL = "The history cannot be opened: the disk holding it is full (`storage_full`)"


UNUSABLE = ("Invalid request, or an article that cannot be analysed (`empty_body`, `invalid_request`, "
            "`unknown_field`, `missing_field`, `invalid_input`, `fetch_failed`, `no_article`)")
BAD_BODY = ("Body not valid JSON, or not UTF-8 (`malformed_json`), or a Host name this server does not answer to "
            "(`host_not_allowed`)")


def drop_generic_422(spec: dict) -> dict:
    """FastAPI documents a 422 "Validation Error" in its own body shape on every operation with a
    parameter; a string path parameter cannot fail, and the routes that can answer 422 declare it
    with `errors()`. Keep only those (and drop the unused schemas)."""
    for methods in spec.get("paths", {}).values():
        for op in methods.values():
            generic = op.get("responses", {}).get("422", {}).get("content", {}).get("application/json", {})
            if generic.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"):
                del op["responses"]["422"]
    schemas = spec.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    return spec


def errors(*codes: int, **descriptions: str) -> dict:
    """OpenAPI entries for exactly these error statuses (400: every route checks the Host);
    `descriptions` (e.g. `e422=...`) words one for this operation."""
    return {code: {"model": ErrorBody, "description": descriptions.get(f"e{code}", ERROR_TEXT[code])}
            for code in sorted({400, *codes})}


class SpeakerOut(BaseModel):
    start: int = Field(description="Where the source is named in `text`.")
    end: int
    text: str
    resolved: str | None = Field(description="The person or organisation the source is: the name it gives, or the one a pronoun or title (\"he\", \"the senator\") stands for; null when it names nobody (\"officials\", \"they\").")
    name: str | None = Field(default=None, description="What readers are shown as the speaker (the same as `resolved`); null: unnamed.")


class SpanOut(BaseModel):
    start: int = Field(description="Half-open character offsets into `text`.")
    end: int
    technique: TechniqueName
    confidence: float = Field(ge=0, le=1, description="Calibrated probability that the passage uses the technique.")
    text: str
    voice: Literal["author", "quoted"] | None = Field(default=None, description="author: the article's own words; quoted: inside someone's attributed words.")
    speaker: SpeakerOut | None = Field(default=None, description="For a quoted span, its attribution's source.")


class RangeOut(BaseModel):
    start: int
    end: int


class AttributionOut(BaseModel):
    content: RangeOut = Field(description="What was said or thought.")
    cue: RangeOut | None = Field(description="The words that attribute it (said, according to, ...).")
    source: SpeakerOut | None = Field(description="Who; null when the article does not say.")


class VoiceOut(BaseModel):
    density_author: float = Field(ge=0, le=1, description="Density over the text outside quoted material, counting spans in the author's voice.")
    density_quoted: float = Field(ge=0, le=1, description="Density over quoted material, counting quoted spans.")
    quoted_share: float = Field(ge=0, le=1, description="Share of the text's characters in quoted material.")
    counts_author: dict[str, int]
    counts_quoted: dict[str, int]


class Explanation(BaseModel):
    title: str
    definition: str
    example: str
    color: str = Field(description="Highlight colour (hex).")
    tint: str = Field(description="The colour mixed with white, for backgrounds.")
    abbr: str = Field(description="Short label shown beside highlights.")
    underline: str = Field(description="CSS underline style: the second cue besides colour.")


class ReasonOut(BaseModel):
    kind: Literal["phrase", "passage", "technique"]
    text: str
    weight: float = Field(description="Share of the log-odds this reason added.")
    start: int | None = Field(default=None, description="Where the phrase or passage is in `text` (absent for a technique rate).")
    end: int | None = None


class PartisanOut(BaseModel):
    probability: float = Field(ge=0, le=1, description="Calibrated probability that the article reads as hyperpartisan (SemEval-2019 Task 4).")
    label: Literal["hyperpartisan", "not hyperpartisan"]
    reasons: list[ReasonOut]
    caution: str


class ClaimOut(BaseModel):
    start: int = Field(description="Half-open character offsets of the sentence into `text`.")
    end: int
    text: str
    score: float = Field(ge=0, le=1, description="Calibrated check-worthiness (CheckThat! 2024 Task 1).")


class Analysis(BaseModel):
    id: str | None = Field(description="null when analysed with `store=false`.")
    created_at: str | None = Field(description="When first stored (ISO 8601, UTC).")
    analysed_again_at: str | None = Field(description="When the same text was last submitted again (ISO 8601, UTC).")
    fetched_at: str | None
    source_kind: Literal["pasted", "html", "url", "file", "imported"] = Field(description="imported: read from an annotation tool's file by `propscan import`.")
    schema_version: str
    source: str
    title: str
    language: str
    model_version: str
    text: str
    length: int
    spans: list[SpanOut]
    counts: dict[str, int]
    density: float = Field(ge=0, le=1, description="Share of non-space characters inside a flagged passage.")
    warnings: list[str]
    min_confidence: float = Field(ge=0, le=1, description="Readable views hide spans below this confidence by default; `spans` lists them all.")
    hyperpartisan: PartisanOut | None = Field(description="null where not read: under 100 words, or not English.")
    claims: list[ClaimOut] | None = Field(description="Check-worthy claims, by position; null where not listed (not English).")
    attributions: list[AttributionOut] | None = Field(description="Quotes and reported speech; null where not run (not English).")
    voice: VoiceOut | None = Field(description="Figures split by voice; null where attribution was not run.")
    techniques: dict[str, Explanation]


class AnalysisPage(BaseModel):
    items: list[Summary]  # the store's own dataclass: the schema follows what is returned
    total: int
    limit: int
    offset: int


class TechniqueOut(Explanation):
    name: TechniqueName


class StoreHealth(BaseModel):
    state: Literal["ok", "full", "read_only", "locked", "damaged", "failed"] = Field(
        description="What the history's storage is doing now: found by reading and by taking the write lock without "
                    "waiting, or the last write's failure where no write has succeeded since.")
    message: str = Field(description="What failed, in one line; empty when `ok`.")
    free_bytes: int | None = Field(description="Free space on the disk holding the database; null if unknown.")


class Health(BaseModel):
    status: Literal["ok", "degraded"] = Field(description="degraded: the server answers, but the history cannot be "
                                                          "written (or read): `store` says why.")
    model_version: str
    schema_version: int | None = Field(description="The database's schema version; null when it cannot be read.")
    queue: int
    store: StoreHealth


def _exactly_one_schema(schema: dict) -> None:
    """Say in the schema what the validator enforces: strings only, and one of the three inputs
    (`url` may come with `html` as the page's address)."""
    for name in INPUTS:
        schema["properties"][name].pop("anyOf", None)
        schema["properties"][name]["type"] = "string"
        schema["properties"][name].pop("default", None)
    schema["oneOf"] = [
        {"required": ["text"], "not": {"anyOf": [{"required": ["url"]}, {"required": ["html"]}]}},
        {"required": ["html"], "not": {"required": ["text"]}},
        {"required": ["url"], "not": {"anyOf": [{"required": ["text"]}, {"required": ["html"]}]}},
    ]


class AnalysisRequest(BaseModel):
    """Exactly one of `text`, `url` or `html` (`url` may come with `html` as the page's address)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_exactly_one_schema)
    text: StrictStr | None = Field(None, description="Plain article text (first line is taken as the title).")
    url: StrictStr | None = Field(None, description="An http(s) URL to fetch, or the address of `html`.")
    html: StrictStr | None = Field(None, description="An HTML page; its main text and title are extracted.")

    @model_validator(mode="before")
    @classmethod
    def no_nulls(cls, data):
        if isinstance(data, dict):
            for name in INPUTS:
                if name in data and data[name] is None:
                    raise ValueError(f"'{name}' must be a string, not null (leave it out instead)")
        return data

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


BY_ID = {"analysis_id": "$response.body#/id"}
CREATED = {
    "model": Analysis,
    "description": "Analysed and stored; `Location` names the new analysis",
    "links": {"GetAnalysis": {"operationId": "get_analysis", "parameters": BY_ID},
              "DeleteAnalysis": {"operationId": "delete_analysis", "parameters": BY_ID},
              "GetReview": {"operationId": "get_review", "parameters": BY_ID},
              "PutReview": {"operationId": "put_review", "parameters": BY_ID}},
}


@router.post("/api/v1/analyses", status_code=201, tags=["analyses"], operation_id="create_analysis",
             summary="Analyse an article (text, URL or HTML) and store the result",
             responses={201: CREATED,
                        200: {"model": Analysis, "description": "With `store=false`: analysed, not stored (`id` is "
                              "null). Otherwise: the same text was already analysed by this model; that analysis "
                              "is returned, marked `analysed_again_at`"},
                        **errors(401, 403, 413, 415, 422, 503, 507, e400=BAD_BODY, e422=UNUSABLE)})
async def create_analysis(request: Request, response: Response, body: AnalysisRequest,
                          store: Annotated[bool, Query(description="false: analyse without storing")] = True):
    require_key(request)
    intake = await intake_of(request, body)
    data, created = await analyse_and_store(request, intake, store)
    if data["id"] is not None:
        response.headers["Location"] = f"/api/v1/analyses/{data['id']}"
    if not created:
        response.status_code = 200
    return data


@router.get("/api/v1/analyses/{analysis_id}", tags=["analyses"], operation_id="get_analysis",
            summary="One stored analysis",
            responses={200: {"model": Analysis}, **errors(404, 503, 507, e503=STORAGE_READ, e507=STORAGE_READ_FULL)})
def get_analysis(request: Request, analysis_id: str):
    return stored_or_404(request, analysis_id).to_dict()


@router.delete("/api/v1/analyses/{analysis_id}", status_code=204, tags=["analyses"], operation_id="delete_analysis",
               summary="Delete a stored analysis",
               responses={204: {"description": "Deleted (on a full disk too, while the space set aside for it lasts)"},
                          **errors(401, 403, 404, 503, 507, e503=STORAGE_WRITE, e507=STORAGE_FULL_DELETE)})
def delete_analysis(request: Request, analysis_id: str):
    require_key(request)
    if not request.app.state.store.delete(analysis_id):
        raise missing(analysis_id)
    return Response(status_code=204)


@router.get("/api/v1/analyses", tags=["analyses"], operation_id="list_analyses",
            summary="Stored analyses, newest first (summaries without the text)",
            responses={200: {"model": AnalysisPage},
                       **errors(422, 503, 507, e503=STORAGE_READ, e507=STORAGE_READ_FULL)})
def list_analyses(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    technique: Annotated[TechniqueName | None, Query(description="only analyses showing this technique (a passage at or above the display threshold, as on the result page)")] = None,
    q: Annotated[str, Query(max_length=200, description="search in title and source")] = "",
    domain: Annotated[str, Query(max_length=253, description="only analyses of URLs on this domain")] = "",
    partisan: Annotated[Literal["hyperpartisan", "not"] | None, Query(description="only analyses that read as hyperpartisan (probability >= 0.5), or as not")] = None,
    claim: Annotated[str, Query(max_length=200, description="search in the text of listed claims")] = "",
    reviewed: Annotated[Literal["yes", "no"] | None, Query(description="only analyses a reviewer has finished reviewing (yes), or none has (no)")] = None,
):
    query = StoreQuery(q=q, technique=technique or "", domain=domain, partisan=partisan or "", claim=claim,
                       reviewed=reviewed or "")
    items, total = request.app.state.store.list(query, limit=limit, offset=offset)
    return {"items": [s.to_dict() for s in items], "total": total, "limit": limit, "offset": offset}


@router.get("/api/v1/techniques", tags=["reference"], operation_id="list_techniques",
            summary="The 14 techniques with definitions and examples",
            responses={200: {"model": list[TechniqueOut]}, **errors()})
def list_techniques():
    return [t.to_dict() for t in techniques.TECHNIQUES]


@router.get("/healthz", tags=["reference"], operation_id="healthz",
            summary="Liveness, model version, queue length and the history's storage state",
            responses={200: {"model": Health}, **errors()})
def healthz(request: Request):
    """Answers 200 whenever the server does: a full or read-only disk is `degraded`, not down."""
    store = request.app.state.store.health()
    return {"status": "ok" if store["state"] == "ok" else "degraded",
            "model_version": request.app.state.analyzer.model_version, "schema_version": store.pop("schema_version"),
            "queue": request.app.state.queue.pending, "store": store}
