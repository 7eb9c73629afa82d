"""Documents: list, read, retract, and (when the server was started with an extractor)
ingest. Changes need the API token."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from flask import Blueprint, Response, current_app, jsonify, request

from api.auth import require_token
from kg.errors import InputError, NotFound, StoreError
from kg.iri import document_iri, slugify
from kg.sparql import select_rows
from kg.store import GraphStore

bp = Blueprint("documents", __name__)

#: what the composition root hands the app to ingest a posted file:
#: (store, bytes, file name) -> a JSON-ready summary of what was found
Ingest = Callable[[GraphStore, bytes, str], dict[str, object]]

_LIST = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX kgo: <https://w3id.org/threat-kg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?doc ?title ?source ?sha256 ?when (COUNT(DISTINCT ?e) AS ?entities) WHERE {{
  GRAPH ?doc {{ ?doc a kgo:Document ; rdfs:label ?title ; kgo:source ?source ;
                kgo:sha256 ?sha256 ; prov:generatedAtTime ?when {filter}
                OPTIONAL {{ ?doc kgo:mentions ?e }} }}
}} GROUP BY ?doc ?title ?source ?sha256 ?when ORDER BY ?doc
"""


def _store() -> GraphStore:
    return current_app.extensions["kg_store"]  # type: ignore[no-any-return]


def _rows(doc: str | None = None) -> list[dict[str, object]]:
    filter_ = f"FILTER(?doc = <{doc}>)" if doc else ""
    return [
        {
            "id": row["doc"].rsplit("/doc/", 1)[-1],
            "iri": row["doc"],
            "title": row["title"],
            "source": row["source"],
            "sha256": row["sha256"],
            "extracted": row["when"],
            "entities": int(row["entities"]),
        }
        for row in select_rows(_store(), _LIST.format(filter=filter_))
    ]


def _iri(doc_id: str) -> str:
    return str(document_iri(str(current_app.config["KG_BASE_IRI"]), doc_id))


@bp.get("/api/documents")
def list_documents() -> Response:
    return jsonify({"documents": _rows()})


@bp.get("/api/documents/<doc_id>")
def get_document(doc_id: str) -> Response:
    rows = _rows(_iri(doc_id)) if _store().has_graph(_iri(doc_id)) else []
    if not rows:
        raise NotFound(f"no document {doc_id!r}")
    return jsonify(rows[0])


@bp.delete("/api/documents/<doc_id>")
@require_token
def delete_document(doc_id: str) -> Response:
    if not _store().retract(_iri(doc_id)):
        raise NotFound(f"no document {doc_id!r}")
    return Response(status=204)


@bp.post("/api/documents")
@require_token
def post_document() -> Response:
    ingest: Ingest | None = current_app.extensions.get("kg_ingest")
    if ingest is None:
        raise StoreError("this server was started without an extractor; ingest with `kg ingest`")
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise InputError("multipart upload needs a 'file' part with a file name")
        data, name = upload.read(), upload.filename
    elif request.mimetype in {"text/plain", "text/markdown", "text/html"}:
        data = request.get_data()
        suffix = {"text/plain": ".txt", "text/markdown": ".md", "text/html": ".html"}[
            request.mimetype
        ]
        name = request.args.get("name") or f"posted-{hashlib.sha256(data).hexdigest()[:12]}{suffix}"
    else:
        kinds = "text/plain, text/markdown, text/html or multipart/form-data"
        raise InputError(f"send {kinds}, not {request.mimetype or 'nothing'}")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]  # a file name, never a path
    summary = ingest(_store(), data, name)
    summary.setdefault("id", slugify(name.rsplit(".", 1)[0]))
    return Response(
        response=current_app.json.dumps(summary), status=201, mimetype="application/json"
    )
