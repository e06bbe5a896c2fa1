"""Write authorisation: the API key, from a bearer token or the web form's key field."""

from __future__ import annotations

from fastapi import Request

from .errors import ApiError
from .security import bearer, key_matches


def require_key(request: Request, form_key: str | None = None) -> None:
    """Writes need the API key when one is configured."""
    key = request.app.state.config.api_key
    if key and not (key_matches(bearer(dict(request.scope["headers"])), key) or key_matches(form_key, key)):
        raise ApiError(401, "unauthorized", "this server needs an API key for writes: "
                       "send 'Authorization: Bearer <key>'")
