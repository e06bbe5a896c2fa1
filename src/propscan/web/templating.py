"""The pages' Jinja environment and the two page helpers every router and error handler shares."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

WEB = Path(__file__).parent
templates = Jinja2Templates(directory=WEB / "templates")


def page(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
    context.setdefault("needs_key", bool(request.app.state.config.api_key))
    return templates.TemplateResponse(request, name, context, status_code=status)


def not_found_page(request: Request) -> HTMLResponse:
    return page(request, "message.html", 404, heading="Not found",
                message="There is no page here. The analysis may have been deleted.")
