"""The threat-kg HTTP API: SPARQL, neighbourhoods, entity search and an explorer page."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from flask import Flask

from api.documents import Ingest
from kg.config import Settings
from kg.deadline import Deadline
from kg.store import GraphStore, is_remote


def create_app(
    config: Mapping[str, object] | None = None, *, ingest: Ingest | None = None
) -> Flask:
    """Application factory: defaults, then ``$KG_*`` environment, then ``config``.

    ``ingest`` (given by the composition root, which owns the extractor) enables
    ``POST /api/documents``; without it the server never loads spaCy.
    """
    app = Flask(__name__)
    settings = Settings.from_env()
    app.config.from_mapping(
        KG_STORE=str(settings.store),
        KG_BASE_IRI=settings.base_iri,
        KG_READ_ONLY=False,
        KG_RESULT_LIMIT=10_000,
        KG_QUERY_TIMEOUT=float(os.environ.get("KG_QUERY_TIMEOUT", 30)),
        KG_MAX_RUNNING_QUERIES=int(os.environ.get("KG_MAX_RUNNING_QUERIES", 8)),
        MAX_CONTENT_LENGTH=settings.max_bytes,
        KG_API_TOKEN=os.environ.get("KG_API_TOKEN"),
        # origins allowed to call the API from a browser (e.g. a YASGUI page): "" = none
        KG_CORS_ORIGINS=os.environ.get("KG_CORS_ORIGINS", ""),
        # answer plain GET /sparql requests without Flask's routing (api/fast_sparql.py)
        KG_FAST_SPARQL=True,
    )
    if config:
        app.config.from_mapping(config)
    location = str(app.config["KG_STORE"])
    app.extensions["kg_store"] = GraphStore(
        location if is_remote(location) else Path(location),
        read_only=bool(app.config["KG_READ_ONLY"]),
    )

    app.extensions["kg_deadline"] = Deadline(
        float(app.config["KG_QUERY_TIMEOUT"]),  # type: ignore[arg-type]
        max_running=int(app.config["KG_MAX_RUNNING_QUERIES"]),  # type: ignore[call-overload]
    )

    if ingest is not None:
        app.extensions["kg_ingest"] = ingest

    from api import cors, documents, errors, graph, openapi, sparql
    from api.fast_sparql import FastSparql

    errors.init_app(app)
    cors.init_app(app)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(graph.bp)
    app.register_blueprint(documents.bp)
    app.register_blueprint(openapi.bp)
    if app.config["KG_FAST_SPARQL"]:
        app.wsgi_app = FastSparql(app, app.wsgi_app)  # type: ignore[method-assign]
    return app
