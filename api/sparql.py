"""The SPARQL 1.1 Protocol query operation (https://www.w3.org/TR/sparql11-protocol/)."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, request

from api.auth import refusal
from api.errors import problem
from kg.deadline import Deadline
from kg.errors import NotFound, QueryError
from kg.service import service_description
from kg.sparql import FORMAT_ALIASES, GRAPH_FORMATS, RESULT_FORMATS, run_query
from kg.store import GraphStore
from kg.update import apply_update

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
    offered = GRAPH_FORMATS if kind == "graph" else RESULT_FORMATS
    wanted = request.values.get("format")
    if wanted:
        media = FORMAT_ALIASES.get(wanted.lower(), wanted)
        if media in offered:
            return media
    accept = request.headers.get("Accept")
    if accept is None:
        return next(iter(offered))
    if accept in offered:  # what SPARQL clients send: one type, no parameters
        return accept
    return request.accept_mimetypes.best_match(list(offered))


def _update_text() -> str | None:
    """The update of a POST (SPARQL 1.1 Protocol, update operation), if it is one."""
    if request.method != "POST":
        return None
    if (request.mimetype or "").lower() == "application/sparql-update":
        return request.get_data(as_text=True)
    return request.form.get("update")


def _describe_service() -> Response:
    """A GET without a query: the explorer page for a browser, else the SPARQL 1.1
    service description with a VoID description of the dataset."""
    best = request.accept_mimetypes.best_match(["text/html", *GRAPH_FORMATS], default="text/turtle")
    if best == "text/html":
        return current_app.send_static_file("index.html")
    graph = service_description(_store(), request.base_url)
    media = best if best in GRAPH_FORMATS else "text/turtle"
    return Response(graph.serialize(format=SERIALIZERS[media]), mimetype=media)


SERIALIZERS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}


@bp.get("/rdf-graph-store")
def graph_store() -> Response:
    """The read side of the SPARQL 1.1 Graph Store Protocol: ``?graph=IRI`` or ``?default``."""
    store = _store()
    if "default" in request.args:
        graph = store.default_graph()
    else:
        iri = request.args.get("graph", "")
        if not iri:
            raise QueryError("give ?graph=IRI or ?default")
        if not store.has_graph(iri):
            raise NotFound(f"no graph <{iri}> in this store")
        graph = store.graph(iri)
    media = request.accept_mimetypes.best_match(list(SERIALIZERS), default="text/turtle")
    if media is None:
        return problem(
            406, "Not Acceptable", f"no acceptable format among {', '.join(SERIALIZERS)}"
        )
    return Response(graph.serialize(format=SERIALIZERS[media]), mimetype=media)


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    update = _update_text()
    if update is not None:
        refused = refusal()
        if refused is not None:
            return refused
        changed = apply_update(_store(), update)
        return Response(status=204, headers={"X-Graphs-Changed": " ".join(changed.graphs)})
    text = _query_text()
    if not text and request.method == "GET":
        return _describe_service()
    if not text:
        raise QueryError("missing the query parameter")
    wanted = {kind: _negotiate(kind) for kind in ("select", "ask", "graph")}
    body, media, cut = evaluate(
        current_app,
        text,
        wanted,
        default_graphs=request.values.getlist("default-graph-uri"),
        named_graphs=request.values.getlist("named-graph-uri"),
    )
    return respond(current_app, body, media, cut)


def evaluate(
    app: Flask,
    text: str,
    wanted: dict[str, str | None],
    *,
    default_graphs: list[str] | None = None,
    named_graphs: list[str] | None = None,
) -> tuple[bytes | None, str, bool]:
    """Run a SPARQL query under the app's deadline: the body in the negotiated media
    type of its kind of result (``wanted``; None: nothing acceptable), that media type
    (else the kind), and whether the result cap cut it. Errors are domain errors."""
    store: GraphStore = app.extensions["kg_store"]
    limit = int(app.config["KG_RESULT_LIMIT"]) or None  # type: ignore[call-overload]

    def work() -> tuple[bytes | None, str, bool]:
        result = run_query(store, text, default_graphs=default_graphs, named_graphs=named_graphs)
        media = wanted[result.kind]
        if media is None:
            return None, result.kind, False
        body, cut = result.serialize_capped(media, limit=limit)
        return body, media, cut

    deadline: Deadline = app.extensions["kg_deadline"]
    return deadline.run(work)


def respond(app: Flask, body: bytes | None, media: str, cut: bool) -> Response:
    """The response for what :func:`evaluate` returned."""
    if body is None:
        offered = GRAPH_FORMATS if media == "graph" else RESULT_FORMATS
        return problem(406, "Not Acceptable", f"no acceptable format among {', '.join(offered)}")
    response = Response(body, mimetype=media)
    if cut:
        # the results are complete up to the cap; the headers say they stop there
        response.headers["X-Result-Limit"] = str(app.config["KG_RESULT_LIMIT"])
        response.headers["X-Result-Truncated"] = "true"
    return response
