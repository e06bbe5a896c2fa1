"""Analysing and storing for both routers: the model runs off the event loop, the store in a thread."""

from __future__ import annotations

from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from ..store.sqlite import StoredAnalysis
from .errors import ApiError
from .intake import Intake


async def analyse_and_store(request: Request, intake: Intake, store: bool) -> tuple[dict, bool]:
    """The analysis as the API returns it, and whether a new history row was made (False when not
    storing, or when the same analysis was already stored and is only marked analysed again)."""
    doc = await request.app.state.queue.analyze(intake.raw)
    if not store:
        from ..render.formats import json_dict

        return {"id": None, "created_at": None, "analysed_again_at": None, "fetched_at": intake.fetched_at,
                "source_kind": intake.source_kind, **json_dict(doc)}, False
    stored, created = await run_in_threadpool(
        request.app.state.store.add, doc, source_kind=intake.source_kind, fetched_at=intake.fetched_at)
    return stored.to_dict(), created


def missing(analysis_id: str) -> ApiError:
    return ApiError(404, "not_found", f"no analysis with id {analysis_id[:64]!r}")


def stored_or_404(request: Request, analysis_id: str) -> StoredAnalysis:
    found = request.app.state.store.get(analysis_id)
    if found is None:
        raise missing(analysis_id)
    return found
