"""The OpenAPI 3.1 description of the API, served at ``/api/openapi.json``."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from kg import __version__

bp = Blueprint("openapi", __name__)

PROBLEM = {"$ref": "#/components/responses/Problem"}
TEXT = {"type": "string", "minLength": 1}


def _param(
    name: str,
    where: str = "query",
    *,
    required: bool = False,
    schema: dict[str, object] | None = None,
    doc: str = "",
) -> dict[str, object]:
    return {
        "name": name,
        "in": where,
        "required": required,
        "description": doc,
        "schema": schema or {"type": "string"},
    }


def _json(description: str) -> dict[str, object]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"type": "object"}}},
    }


SPARQL_PARAMS = [
    _param("query", doc="a SPARQL 1.1 query; without it, the service description"),
    _param("default-graph-uri", doc="a graph of the store to use as the default graph"),
    _param("named-graph-uri", doc="a graph of the store to use as a named graph"),
    _param("format", doc="json, xml, csv, tsv, ttl, nt, jsonld or rdfxml (overrides Accept)"),
]
SPARQL_MEDIA = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
)


def _sparql_responses(*extra_media: str) -> dict[str, object]:
    return {
        "200": {
            "description": "results (SELECT/ASK) or a graph (CONSTRUCT/DESCRIBE)",
            "content": {m: {} for m in (*SPARQL_MEDIA, *extra_media)},
        },
        "400": PROBLEM,
        "406": PROBLEM,
        "503": PROBLEM,
    }


SPEC: dict[str, object] = {
    "openapi": "3.1.0",
    "info": {
        "title": "threat-kg",
        "version": __version__,
        "description": "Knowledge graph of state-sponsored cyber operations: SPARQL 1.1, "
        "graph views for visualisation, entity and sentence search, documents.",
    },
    "paths": {
        "/sparql": {
            "get": {
                "summary": "SPARQL 1.1 query (without one: the service description, or the "
                "explorer page for a browser)",
                "parameters": SPARQL_PARAMS,
                "responses": _sparql_responses("text/html"),
            },
            "post": {
                "summary": "SPARQL 1.1 query or update (updates need the token)",
                "requestBody": {
                    "content": {
                        "application/sparql-query": {"schema": {"type": "string"}},
                        "application/sparql-update": {"schema": {"type": "string"}},
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "query": {"type": "string"},
                                    "update": {"type": "string"},
                                },
                            }
                        },
                    }
                },
                "responses": {
                    **_sparql_responses(),
                    "204": {"description": "update applied"},
                    "401": PROBLEM,
                    "403": PROBLEM,
                    "422": PROBLEM,
                },
            },
        },
        "/rdf-graph-store": {
            "get": {
                "summary": "A named graph whole (SPARQL 1.1 Graph Store Protocol, read side)",
                "parameters": [
                    _param("graph", schema=TEXT, doc="the graph IRI"),
                    _param("default", doc="present: the default graph"),
                ],
                "responses": {
                    "200": {"description": "the graph"},
                    "400": PROBLEM,
                    "404": PROBLEM,
                    "406": PROBLEM,
                },
            }
        },
        "/api/neighbourhood": {
            "get": {
                "summary": "The k-hop subgraph around a node",
                "parameters": [
                    _param("node", required=True, schema=TEXT, doc="an IRI, a key or a label"),
                    _param("depth", schema={"type": "integer", "minimum": 1, "maximum": 3}),
                    _param("limit", schema={"type": "integer", "minimum": 1, "maximum": 5000}),
                    _param("types", doc="comma-separated entity types to keep"),
                    _param("predicates", doc="comma-separated predicates to keep"),
                    _param(
                        "format",
                        schema={"type": "string", "enum": ["json", "cytoscape", "node-link"]},
                    ),
                ],
                "responses": {"200": _json("nodes and edges"), "400": PROBLEM, "404": PROBLEM},
            }
        },
        "/api/entities": {
            "get": {
                "summary": "Search entities by label and alias",
                "parameters": [
                    _param("q", required=True, schema=TEXT),
                    _param("type", doc="an entity type such as THREAT_ACTOR"),
                    _param("limit", schema={"type": "integer", "minimum": 1, "maximum": 500}),
                    _param("offset", schema={"type": "integer", "minimum": 0}),
                ],
                "responses": {"200": _json("ranked matches"), "400": PROBLEM},
            }
        },
        "/api/entities/{key}": {
            "get": {
                "summary": "The entity card: names, type, links, relations with evidence",
                "parameters": [_param("key", "path", required=True, doc="key, IRI or label")],
                "responses": {"200": _json("the card"), "404": PROBLEM},
            }
        },
        "/api/sentences": {
            "get": {
                "summary": "Evidence sentences by words and/or entity",
                "parameters": [
                    _param("q", schema=TEXT, doc="words (give q, entity or both)"),
                    _param("entity", schema=TEXT, doc="an IRI or a label"),
                    _param("limit", schema={"type": "integer", "minimum": 1, "maximum": 500}),
                ],
                "responses": {
                    "200": _json("sentences with their documents and entities"),
                    "400": PROBLEM,
                    "404": PROBLEM,
                },
            }
        },
        "/api/documents": {
            "get": {
                "summary": "The documents in the store",
                "responses": {"200": _json("documents")},
            },
            "post": {
                "summary": "Ingest a document (token required)",
                "parameters": [_param("name", doc="file name for text bodies")],
                "requestBody": {
                    "content": {
                        "text/plain": {"schema": {"type": "string"}},
                        "text/markdown": {"schema": {"type": "string"}},
                        "text/html": {"schema": {"type": "string"}},
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "properties": {"file": {"type": "string", "format": "binary"}},
                            }
                        },
                    }
                },
                "responses": {
                    "201": _json("what was found"),
                    "400": PROBLEM,
                    "401": PROBLEM,
                    "403": PROBLEM,
                    "413": PROBLEM,
                    "422": PROBLEM,
                    "503": PROBLEM,
                },
            },
        },
        "/api/documents/{doc_id}": {
            "get": {
                "summary": "One document",
                "parameters": [_param("doc_id", "path", required=True)],
                "responses": {"200": _json("the document"), "404": PROBLEM},
            },
            "delete": {
                "summary": "Retract a document (token required)",
                "parameters": [_param("doc_id", "path", required=True)],
                "responses": {
                    "204": {"description": "retracted"},
                    "401": PROBLEM,
                    "403": PROBLEM,
                    "404": PROBLEM,
                },
            },
        },
        "/api/openapi.json": {
            "get": {"summary": "This description", "responses": {"200": _json("OpenAPI 3.1")}}
        },
        "/healthz": {"get": {"summary": "Liveness", "responses": {"200": _json("status")}}},
        "/": {
            "get": {"summary": "The explorer page", "responses": {"200": {"description": "HTML"}}}
        },
    },
    "components": {
        "responses": {
            "Problem": {
                "description": "RFC 9457 problem details",
                "content": {
                    "application/problem+json": {
                        "schema": {
                            "type": "object",
                            "required": ["title", "status", "detail"],
                            "properties": {
                                "type": {"type": "string"},
                                "title": {"type": "string"},
                                "status": {"type": "integer"},
                                "detail": {"type": "string"},
                            },
                        }
                    }
                },
            }
        }
    },
}


@bp.get("/api/openapi.json")
def openapi() -> Response:
    return jsonify(SPEC)
