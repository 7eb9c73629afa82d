"""Changes need ``Authorization: Bearer <KG_API_TOKEN>``; a server without a token takes none."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from typing import TypeVar, cast

from flask import Response, current_app, request

from api.errors import problem

F = TypeVar("F", bound=Callable[..., Response])


def refusal() -> Response | None:
    """A problem response if the request may not change anything, else None."""
    if current_app.config.get("KG_READ_ONLY"):
        return problem(403, "Forbidden", "this server is read-only: changes are refused")
    token = current_app.config.get("KG_API_TOKEN")
    if not token:
        return problem(403, "Forbidden", "changes are disabled: the server has no KG_API_TOKEN")
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        response = problem(401, "Unauthorized", "send Authorization: Bearer <token>")
        response.headers["WWW-Authenticate"] = 'Bearer realm="threat-kg"'
        return response
    return None


def require_token(view: F) -> F:
    @functools.wraps(view)
    def wrapper(*args: object, **kwargs: object) -> Response:
        return refusal() or view(*args, **kwargs)

    return cast(F, wrapper)
