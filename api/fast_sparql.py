"""The common SPARQL request answered without Flask's request machinery.

Nearly every request a SPARQL client sends is ``GET /sparql?query=...`` with one exact
media type in ``Accept`` (or none). Routing, request and context objects cost Flask
about as much as evaluating a one-hop query, so this WSGI middleware answers that form
itself, through the same :func:`api.sparql.evaluate` and the same error responses as the
view; anything else (POST, other parameters, wildcards or q-values in ``Accept``, CORS,
a query string that is not UTF-8) goes to Flask unchanged. A test holds the two paths to
identical responses.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask
from werkzeug.utils import get_content_type

from api import errors
from api.sparql import evaluate, respond
from kg.errors import KGError
from kg.sparql import GRAPH_FORMATS, RESULT_FORMATS

WSGIApp = Any  # (environ, start_response) -> Iterable[bytes]


class FastSparql:
    def __init__(self, app: Flask, wsgi_app: WSGIApp) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        text = self._plain_query(environ)
        if text is None:
            return self.wsgi_app(environ, start_response)  # type: ignore[no-any-return]
        accept = environ.get("HTTP_ACCEPT")
        wanted = {
            kind: (next(iter(offered)) if accept is None else accept if accept in offered else None)
            for kind, offered in (
                ("select", RESULT_FORMATS),
                ("ask", RESULT_FORMATS),
                ("graph", GRAPH_FORMATS),
            )
        }
        try:
            body, media, cut = evaluate(self.app, text, wanted)
        except Exception as exc:  # the same problem+json answers the view would give
            with self.app.app_context():
                if isinstance(exc, KGError):
                    response = errors.domain_problem(exc)
                else:
                    response = errors.unexpected_problem(exc)
            return response(environ, start_response)  # type: ignore[no-any-return]
        if body is None or cut:
            with self.app.app_context():
                response = respond(self.app, body, media, cut)
            return response(environ, start_response)  # type: ignore[no-any-return]
        # the common answer, with the headers werkzeug's Response would give it
        headers = [("Content-Type", get_content_type(media, "utf-8"))]
        start_response("200 OK", [*headers, ("Content-Length", str(len(body)))])
        return [body]

    def _plain_query(self, environ: dict[str, Any]) -> str | None:
        """The query of a plain ``GET /sparql?query=...``, else None."""
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("PATH_INFO") != "/sparql":
            return None
        if self.app.config.get("KG_CORS_ORIGINS"):
            return None
        accept = environ.get("HTTP_ACCEPT")
        if accept is not None and accept not in RESULT_FORMATS and accept not in GRAPH_FORMATS:
            return None
        try:
            params = parse_qsl(environ.get("QUERY_STRING", ""), errors="strict")
        except (UnicodeDecodeError, ValueError):
            return None
        if len(params) != 1 or params[0][0] != "query" or not params[0][1]:
            return None
        return params[0][1]
