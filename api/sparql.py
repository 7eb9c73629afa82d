"""The SPARQL 1.1 Protocol query operation (https://www.w3.org/TR/sparql11-protocol/)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from api.errors import problem
from kg.errors import QueryError
from kg.sparql import FORMAT_ALIASES, GRAPH_FORMATS, RESULT_FORMATS, run_query
from kg.store import GraphStore

bp = Blueprint("sparql", __name__)


def _store() -> GraphStore:
    return current_app.extensions["kg_store"]  # type: ignore[no-any-return]


def _query_text() -> str | None:
    if request.method == "GET":
        return request.args.get("query")
    ctype = (request.mimetype or "").lower()
    if ctype == "application/sparql-query":
        return request.get_data(as_text=True)
    if ctype in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        return request.form.get("query")
    raise QueryError(f"unsupported Content-Type {ctype or '(none)'} for a SPARQL query")


def _negotiate(kind: str) -> str | None:
    offered = list(GRAPH_FORMATS if kind == "graph" else RESULT_FORMATS)
    wanted = request.values.get("format")
    if wanted:
        media = FORMAT_ALIASES.get(wanted.lower(), wanted)
        if media in offered:
            return media
    if "Accept" not in request.headers:
        return offered[0]
    return request.accept_mimetypes.best_match(offered)


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    text = _query_text()
    if not text:
        raise QueryError("missing the query parameter")
    result = run_query(_store(), text)
    media = _negotiate(result.kind)
    if media is None:
        offered = GRAPH_FORMATS if result.kind == "graph" else RESULT_FORMATS
        return problem(406, "Not Acceptable", f"no acceptable format among {', '.join(offered)}")
    return Response(result.serialize(media), mimetype=media)
