"""The pages' Jinja environment and the two page helpers every router and error handler shares."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

WEB = Path(__file__).parent
templates = Jinja2Templates(directory=WEB / "templates")
_BACKTICKED = re.compile(r"`([^`]+)`")


def code_spans(text: str) -> Markup:
    """OpenAPI descriptions mark code with backticks (Markdown); show it as code, all else escaped."""
    return Markup(_BACKTICKED.sub(lambda m: f"<code>{m.group(1)}</code>", str(escape(text))))


def when(iso: str | None) -> Markup:
    """A stored UTC time, readable without JavaScript ("1 Dec 2026, 22:10 UTC"); app.js rewrites
    it in the reader's own time zone. The ISO value stays in the API and the datetime attribute."""
    if not iso:
        return Markup("")
    try:
        shown = datetime.fromisoformat(iso).strftime("%-d %b %Y, %H:%M UTC")
    except ValueError:
        shown = iso
    return Markup(f'<time datetime="{escape(iso)}">{escape(shown)}</time>')


templates.env.filters["code_spans"] = code_spans
templates.env.filters["when"] = when


def page(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
    context.setdefault("needs_key", bool(request.app.state.config.api_key))
    return templates.TemplateResponse(request, name, context, status_code=status)


def not_found_page(request: Request) -> HTMLResponse:
    return page(request, "message.html", 404, heading="Not found",
                message="There is no page here. The analysis may have been deleted.")
