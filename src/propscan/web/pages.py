"""Server-rendered pages: analyse, result (permalink), history, technique guide, API docs.

Everything works without JavaScript; the report script only adds click-for-details and the
technique toggles. Jinja autoescaping covers every article-derived string; the only markup
passed through unescaped comes from render.html, which escapes the text itself.
"""

from __future__ import annotations

from math import ceil

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from .. import techniques
from ..errors import InputError, PropscanError, StorageError
from ..render.formats import to_json
from ..render.html import chart_markup, render_report, report_body, source_markup, summary_markup
from ..review_stats import agreement_line, load_summary, percent
from ..store.sqlite import PARTISAN_FILTERS, REVIEWED_FILTERS, Query
from .analyses import analyse_and_store, stored_or_404
from .auth import require_key
from .errors import ApiError, classify
from .intake import from_pasted_text, from_upload, from_url
from .learning import job_of
from .review_page import COMMAND_KEYS, review_data, technique_keys
from .security import REFUSED
from .templating import not_found_page, page

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20


@router.get("/", response_class=HTMLResponse)
def home(request: Request):
    return page(request, "home.html")


def _field(form, name: str) -> str:
    """A text field's value; '' when missing or when a file was sent in its place."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def _form_intake(request: Request, form):
    limits = request.app.state.config.limits
    text, url = _field(form, "text"), _field(form, "url").strip()
    upload = form.get("file")
    has_file = isinstance(upload, UploadFile) and bool(upload.filename)
    given = [name for name, present in (("text", text.strip()), ("URL", url), ("file", has_file)) if present]
    if len(given) > 1:
        raise InputError(f"give only one of pasted text, a URL or a file (got {' and '.join(given)})")
    if url:
        return await run_in_threadpool(from_url, url, limits)
    if has_file:
        data = await upload.read()
        return await run_in_threadpool(from_upload, upload.filename, data, limits)
    if not text:
        raise InputError("nothing to analyse: paste text, enter a URL or choose a file")
    return from_pasted_text(text, limits)


@router.post("/analyse")
async def analyse_form(request: Request):
    refused = request.scope.get(REFUSED)  # the guard refused the body: too large
    if refused:
        return page(request, "home.html", 413, error=f"{refused}; choose a smaller file, or paste the article's text")
    max_body = request.app.state.config.max_body
    try:
        form = await request.form(max_files=1, max_fields=10, max_part_size=max_body)
    except MultiPartException as exc:
        return page(request, "home.html", 400, error=f"the form could not be read ({exc.message})")
    keep = {"text": _field(form, "text"), "url": _field(form, "url")}
    try:
        require_key(request, _field(form, "api_key") or None)
        intake = await _form_intake(request, form)
        data, _ = await analyse_and_store(request, intake, store=True)
    except ApiError as exc:
        return page(request, "home.html", exc.status, error=exc.message, **keep)
    except PropscanError as exc:
        return page(request, "home.html", classify(exc)[0], error=exc.one_line(web=True), **keep)
    finally:
        await form.close()
    return RedirectResponse(f"/a/{data['id']}", status_code=303)


@router.get("/a/{analysis_id}.json")
def download_json(request: Request, analysis_id: str):
    found = stored_or_404(request, analysis_id)
    return Response(to_json(found.doc) + "\n", media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="propscan-{found.id}.json"'})


@router.get("/a/{analysis_id}/report.html")
def download_report(request: Request, analysis_id: str):
    found = stored_or_404(request, analysis_id)
    return Response(render_report(found.doc), media_type="text/html; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="propscan-{found.id}.html"'})


# Registered after "/a/{id}.json", which this pattern would otherwise swallow.
@router.get("/a/{analysis_id}", response_class=HTMLResponse)
def result(request: Request, analysis_id: str):
    found = request.app.state.store.get(analysis_id)
    if found is None:
        return not_found_page(request)
    doc = found.doc
    agreement = agreement_line(load_summary(request.app.state.store), [s.technique for s in doc.shown_spans])
    return page(request, "result.html", a=found, doc=doc, body=Markup(report_body(doc)),
                summary=Markup(summary_markup(doc)), source=Markup(source_markup(doc.source)),
                agreement=agreement, review_data=Markup(review_data(found, request.app.state.config.api_key)),
                technique_keys=technique_keys(), command_keys=COMMAND_KEYS)


@router.get("/a/{analysis_id}/delete", response_class=HTMLResponse)
def confirm_delete(request: Request, analysis_id: str):
    """Deleting takes two steps, so one stray click (or a link followed) removes nothing."""
    found = request.app.state.store.get(analysis_id)
    if found is None:
        return not_found_page(request)
    return page(request, "confirm_delete.html", a=found)


@router.post("/a/{analysis_id}/delete")
async def delete(request: Request, analysis_id: str):
    found = request.app.state.store.get(analysis_id)
    if found is None:
        return not_found_page(request)
    try:
        form = await request.form(max_files=0, max_fields=5)
        require_key(request, _field(form, "api_key") or None)
    except MultiPartException as exc:
        return page(request, "confirm_delete.html", 400, a=found, error=exc.message)
    except ApiError as exc:
        return page(request, "confirm_delete.html", exc.status, a=found, error=exc.message)
    if _field(form, "confirm") != "yes":
        return page(request, "confirm_delete.html", a=found)
    try:
        deleted = await run_in_threadpool(request.app.state.store.delete, analysis_id)
    except StorageError as exc:
        return page(request, "confirm_delete.html", classify(exc)[0], a=found, error=exc.one_line(web=True))
    if not deleted:
        return not_found_page(request)
    return RedirectResponse("/history?deleted=1", status_code=303)


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(value), low), high) if value is not None else default
    except ValueError:
        return default


@router.get("/history", response_class=HTMLResponse)
def history(request: Request):
    params = request.query_params
    technique = params.get("technique", "")
    if technique not in techniques.INDEX:
        technique = ""
    partisan, reviewed = params.get("partisan", ""), params.get("reviewed", "")
    query = Query(q=params.get("q", "")[:200], technique=technique, domain=params.get("domain", "")[:253],
                  partisan=partisan if partisan in PARTISAN_FILTERS else "", claim=params.get("claim", "")[:200],
                  reviewed=reviewed if reviewed in REVIEWED_FILTERS else "")
    store = request.app.state.store
    number = _int(params.get("page"), 1, 1, 50_000)
    items, total = store.list(query, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    pages = max(1, ceil(total / PAGE_SIZE))
    return page(request, "history.html", items=items, total=total, number=number, pages=pages, query=query,
                domains=store.domains(), techniques=techniques.TECHNIQUES, deleted=params.get("deleted") == "1",
                chart=Markup(chart_markup(store.technique_counts(query))))


@router.get("/reviews", response_class=HTMLResponse)
def reviews_page(request: Request):
    return page(request, "reviews.html", summary=load_summary(request.app.state.store), percent=percent,
                learning=job_of(request.app).status())


@router.post("/reviews/learn")
async def learn_from_reviews(request: Request):
    """Start `propscan learn` on this history in a child process; the Reviews page follows it."""
    store = request.app.state.store
    try:
        form = await request.form(max_files=0, max_fields=5)
        require_key(request, _field(form, "api_key") or None)
    except (MultiPartException, ApiError) as exc:
        status, message = (exc.status, exc.message) if isinstance(exc, ApiError) else (400, exc.message)
        return page(request, "reviews.html", status, summary=load_summary(store), percent=percent,
                    learning=job_of(request.app).status(), error=message)
    job_of(request.app).start()
    return RedirectResponse("/reviews#learn", status_code=303)


@router.get("/techniques", response_class=HTMLResponse)
def technique_guide(request: Request):
    return page(request, "techniques.html", techniques=techniques.TECHNIQUES)


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request):
    spec = request.app.openapi()
    ops = [(path, method.upper(), op) for path, methods in spec["paths"].items() for method, op in methods.items()]
    # The Host header has passed the allow-list, so it names this server as the reader reached it.
    base = f"{request.url.scheme}://{request.headers.get('host', '127.0.0.1')}"
    return page(request, "docs.html", ops=ops, spec=spec, base=base)
