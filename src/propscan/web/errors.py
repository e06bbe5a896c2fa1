"""Every failure the API can return, as `{"error": {"code", "message"}}` with the right status.

Validation errors from FastAPI, HTTP errors from Starlette and propscan's own errors all end
here, so a client never sees a stack trace or FastAPI's default error shapes.
"""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

from ..errors import ExtractionError, FetchError, PropscanError, StorageError, TooLargeError
from .templating import not_found_page, page

log = logging.getLogger("propscan.web")

BODY_UNREADABLE = "There was an error parsing the body"
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
# A full disk is 507 Insufficient Storage; the rest are the service being unable to write (or read) now.
STORAGE_CODES = {"full": (507, "storage_full"), "read_only": (503, "storage_read_only"),
                 "locked": (503, "storage_locked"), "damaged": (503, "storage_damaged"),
                 "failed": (503, "storage_failed")}
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type", 422: "invalid_request"}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_body(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}


def json_error(status: int, code: str, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)


def classify(exc: PropscanError) -> tuple[int, str]:
    """Status and code for a propscan error (most specific class first)."""
    if isinstance(exc, StorageError):
        return STORAGE_CODES[exc.kind]
    if isinstance(exc, TooLargeError):
        return 413, "too_large"
    if isinstance(exc, ExtractionError):
        return 422, "no_article"
    if isinstance(exc, FetchError):
        return 422, "fetch_failed"
    if exc.exit_code == 2:
        return 422, "invalid_input"
    return 503, "model_unavailable"


SEND_JSON = 'send JSON such as {"text": "..."} with Content-Type: application/json'


def describe_body(kind: str, value, content_type: str) -> tuple[int, str, str] | None:
    """The request body as a whole is wrong: say what to send (pydantic's words, "missing 'body'" or
    "Input should be a valid dictionary", do not). Bytes mean FastAPI did not read the body as JSON,
    because of its declared type: 415."""
    if kind == "missing":
        return 422, "empty_body", f"request body is empty (or null): {SEND_JSON}"
    if isinstance(value, bytes):
        declared = content_type.split(";", 1)[0].strip()[:80]
        said = f"sent as {declared}" if declared else "sent without a Content-Type"
        return 415, "unsupported_media_type", f"request body is {said}, not as JSON: {SEND_JSON}"
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        return 422, "invalid_request", f"request body is JSON but not an object: {SEND_JSON}"
    return None


def describe_validation(exc: RequestValidationError, content_type: str = "") -> tuple[int, str, str]:
    errors = exc.errors()
    first = errors[0] if errors else {"type": "", "loc": (), "msg": "invalid request"}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
    kind = first.get("type", "")
    if tuple(first.get("loc", ())) == ("body",):
        whole = describe_body(kind, first.get("input"), content_type)
        if whole:
            return whole
    if kind == "json_invalid":
        return 400, "malformed_json", f"request body is not valid JSON ({first.get('ctx', {}).get('error', 'parse error')})"
    if kind == "extra_forbidden":
        return 422, "unknown_field", f"unknown field {where!r}"
    if kind == "missing":
        return 422, "missing_field", f"missing {where!r}"
    return 422, "invalid_request", f"{where}: {first.get('msg', 'invalid value')}"


def allowed_methods(request: Request) -> str:
    """Every method some route takes on this path (Starlette's 405 names only the first route's),
    found by asking the routes themselves whether they fully match each method."""
    scope = {"type": "http", "path": request.url.path, "root_path": ""}  # as the app saw it, not a mount
    routes = [r for r in request.app.router.routes if not isinstance(r, Mount)]
    allowed = [m for m in METHODS if any(r.matches({**scope, "method": m})[0] == Match.FULL for r in routes)]
    return ", ".join(allowed) or "GET, HEAD"  # the only mounts serve static files


def install(app) -> None:
    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError):
        return json_error(exc.status, exc.code, exc.message)

    @app.exception_handler(PropscanError)
    async def _propscan(request: Request, exc: PropscanError):
        status, code = classify(exc)
        if isinstance(exc, StorageError) and not request.url.path.startswith(("/api/", "/healthz")):
            return page(request, "message.html", status, heading="The history cannot be used now",
                        message=exc.one_line(web=True))
        return json_error(status, code, exc.one_line(web=True))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        return json_error(*describe_validation(exc, request.headers.get("content-type", "")))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 404 and not request.url.path.startswith(("/api/", "/healthz")):
            return not_found_page(request)
        if exc.status_code == 400 and exc.detail == BODY_UNREADABLE:  # FastAPI's words for a body it cannot decode
            return json_error(400, "malformed_json", "request body is not JSON in UTF-8")
        message = exc.detail if isinstance(exc.detail, str) else HTTP_CODES.get(exc.status_code, "error")
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        return json_error(exc.status_code, HTTP_CODES.get(exc.status_code, "error"), message, headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return json_error(500, "internal_error", "internal error; the server logged the details")
