"""JSON API for reviews: read and replace a reviewer's decisions on an analysis's passages.

The storage and rules live in `review.py` and the store; this router only states the contract, so
that a review page (or any client) can be built on it. Writing needs the API key, as every write does.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from ..errors import InputError
from ..review import DECISIONS, MAX_REVIEWER, Decision
from .analyses import missing, stored_or_404
from .api import BAD_BODY, STORAGE_READ, STORAGE_READ_FULL, TechniqueName, errors
from .auth import require_key
from .errors import ApiError

router = APIRouter()
MAX_DECISIONS = 20_000
MAX_OFFSET = 10_000_000
Offset = Annotated[StrictInt, Field(ge=0, le=MAX_OFFSET)]
DecisionName = Literal[DECISIONS]  # type: ignore[valid-type]
Reviewer = Annotated[StrictStr, Field(min_length=1, max_length=MAX_REVIEWER, pattern=r"\S",
                                      description="Who decided; kept with every decision.")]


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: Offset = Field(description="The span decided on: a passage the model proposed, or (`add`) a new one. "
                                      "Half-open code-point offsets into the analysis's `text`.")
    end: Offset
    technique: TechniqueName
    decision: DecisionName = Field(description="accept, reject, relabel (give `new_technique`), extend (give "
                                               "`new_start` and `new_end`, and `new_technique` to change both), "
                                               "or add (a passage the model missed).")
    new_start: Offset | None = None
    new_end: Offset | None = None
    new_technique: TechniqueName | None = None


class DecisionOut(DecisionIn):
    model_config = ConfigDict(extra="forbid")
    model_version: str | None = Field(description="The model that proposed the span; null for an added passage.")
    decided_at: str = Field(description="When this decision was first made (ISO 8601, UTC).")


class SpanKeyOut(BaseModel):
    start: int
    end: int
    technique: TechniqueName


class ReviewOut(BaseModel):
    analysis_id: str
    reviewer: str
    finished: bool
    finished_at: str | None = Field(description="When the reviewer finished; null while the review is open.")
    updated_at: str
    decisions: list[DecisionOut]
    spans: list[SpanKeyOut] = Field(description="The reviewed annotation: what was accepted, relabelled, extended "
                                                "or added. Once finished, a shown passage left undecided counts as "
                                                "rejected.")


class ReviewsOut(BaseModel):
    analysis_id: str
    reviewed: bool = Field(description="Whether any reviewer has finished reviewing this analysis.")
    reviews: list[ReviewOut] = Field(description="One per reviewer, by name.")


class ReviewRequest(BaseModel):
    """One reviewer's whole review: it replaces what that reviewer had decided before."""

    model_config = ConfigDict(extra="forbid")
    reviewer: Reviewer
    decisions: list[DecisionIn] = Field(max_length=MAX_DECISIONS)
    finished: StrictBool = Field(False, description="true: the review is done; its annotation is what was accepted, "
                                                    "relabelled, extended or added.")


NOT_FITTING = ("Invalid request, or decisions that do not fit the analysis: a span the model did not propose, "
               "offsets outside the text, a relabel without a new technique (`empty_body`, `invalid_request`, "
               "`unknown_field`, `missing_field`, `invalid_input`)")
STORAGE_WRITE = ("The history's storage cannot be written: read-only (`storage_read_only`), locked by another "
                 "process (`storage_locked`), damaged (`storage_damaged`) or failing (`storage_failed`). The "
                 "message says what failed; nothing was stored")
PATH = "/api/v1/analyses/{analysis_id}/review"


@router.get(PATH, tags=["reviews"], operation_id="get_review", summary="An analysis's reviews, one per reviewer",
            responses={200: {"model": ReviewsOut}, **errors(404, 422, 503, 507, e503=STORAGE_READ,
                                                             e507=STORAGE_READ_FULL)})
def get_review(request: Request, analysis_id: str,
               reviewer: Annotated[str | None, Query(max_length=MAX_REVIEWER, description="only this reviewer's")] = None):
    store = request.app.state.store
    stored_or_404(request, analysis_id)
    reviews = store.reviews(analysis_id, " ".join(reviewer.split()) if reviewer is not None else None)
    return {"analysis_id": analysis_id, "reviewed": any(r.finished for r in store.reviews(analysis_id)),
            "reviews": [r.to_dict() for r in reviews]}


@router.put(PATH, tags=["reviews"], operation_id="put_review",
            summary="Replace one reviewer's decisions on an analysis (and say whether the review is finished)",
            responses={200: {"model": ReviewOut, "description": "Stored; the reviewer's review as kept"},
                       **errors(401, 403, 404, 413, 415, 422, 503, 507, e400=BAD_BODY, e422=NOT_FITTING,
                                e503=STORAGE_WRITE)})
async def put_review(request: Request, analysis_id: str, body: ReviewRequest):
    require_key(request)
    decisions = [Decision(**d.model_dump()) for d in body.decisions]
    try:
        review = await run_in_threadpool(request.app.state.store.save_review, analysis_id, body.reviewer, decisions,
                                         finished=body.finished)
    except InputError as exc:
        raise ApiError(422, "invalid_input", exc.one_line(web=True)) from None
    if review is None:
        raise missing(analysis_id)
    return review.to_dict()
