"""One place that turns errors into RFC 9457 problem+json responses."""

from __future__ import annotations

import logging

from flask import Flask, Response, json
from werkzeug.exceptions import HTTPException

from kg.errors import (
    InputError,
    KGError,
    NotFound,
    Overloaded,
    QueryError,
    QueryTimeout,
    StoreError,
    ValidationFailed,
)

log = logging.getLogger(__name__)

#: domain error -> (status, title)
STATUS: dict[type[KGError], tuple[int, str]] = {
    QueryError: (400, "Bad query"),
    InputError: (400, "Bad input"),
    NotFound: (404, "Not found"),
    ValidationFailed: (422, "Does not conform to the shapes"),
    StoreError: (503, "Store unavailable"),
    QueryTimeout: (503, "Query cut off"),
    Overloaded: (503, "Busy"),
}


def problem(status: int, title: str, detail: str, **extra: object) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return Response(json.dumps(body), status=status, mimetype="application/problem+json")


def domain_problem(exc: KGError) -> Response:
    for cls, (status, title) in STATUS.items():
        if isinstance(exc, cls):
            return problem(status, title, str(exc))
    log.exception("unmapped domain error")
    return problem(500, "Internal error", "the server could not complete the request")


def _http(exc: HTTPException) -> Response:
    response = problem(exc.code or 500, exc.name, exc.description or exc.name)
    for name, value in exc.get_headers():
        if name.lower() != "content-type":  # e.g. the Allow header of a 405
            response.headers[name] = value
    return response


def unexpected_problem(exc: Exception) -> Response:
    log.exception("unexpected error", exc_info=exc)
    return problem(500, "Internal error", "the server could not complete the request")


def _check_query_string() -> None:
    """A query string that is not UTF-8 (a lone surrogate's bytes, Latin-1) is refused,
    rather than searched for in a form the client never sent."""
    from urllib.parse import unquote_to_bytes

    from flask import request

    raw = unquote_to_bytes(request.query_string.replace(b"+", b" "))
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"the query string is not valid UTF-8 (byte {exc.start})") from None


def init_app(app: Flask) -> None:
    app.before_request(_check_query_string)
    app.register_error_handler(KGError, domain_problem)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(Exception, unexpected_problem)
