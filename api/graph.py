"""Graph views for visualisation and search: neighbourhoods, entity search, health."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from kg.cards import entity_card, search_sentences
from kg.errors import InputError, NotFound
from kg.namespace import PREDICATE_IRIS, TYPE_CLASSES
from kg.neighbourhood import neighbourhood, resolve_node
from kg.search import search_entities
from kg.store import GraphStore

bp = Blueprint("graph", __name__)


def _store() -> GraphStore:
    return current_app.extensions["kg_store"]  # type: ignore[no-any-return]


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise InputError(f"{name} must be an integer, not {raw!r}") from exc
    if not low <= value <= high:
        raise InputError(f"{name} must be between {low} and {high}")
    return value


@bp.get("/api/neighbourhood")
def get_neighbourhood() -> Response:
    node = request.args.get("node", "").strip()
    if not node:
        raise InputError("missing the node parameter (an IRI or a label)")
    depth = _int_arg("depth", 1, 1, 3)
    limit = _int_arg("limit", 200, 1, 5000)
    shape = request.args.get("format", "json")
    if shape not in {"json", "cytoscape", "node-link"}:
        raise InputError("format must be json, cytoscape or node-link")
    types = _list_arg("types", set(TYPE_CLASSES))
    predicates = _list_arg("predicates", set(PREDICATE_IRIS))
    iri = resolve_node(_store(), node)
    if iri is None:
        raise NotFound(f"no entity {node!r} in the graph")
    hood = neighbourhood(
        _store(),
        iri,
        depth=depth,
        limit=limit,
        types=types,
        predicates=predicates,
        base_iri=current_app.config["KG_BASE_IRI"],
    )
    if shape == "cytoscape":
        return jsonify(hood.as_cytoscape())
    if shape == "node-link":
        return jsonify(hood.as_node_link())
    return jsonify(hood.as_json())


def _list_arg(name: str, allowed: set[str]) -> set[str] | None:
    raw = request.args.get(name)
    if not raw:
        return None
    values = {v.strip() for v in raw.split(",") if v.strip()}
    unknown = values - allowed
    if unknown:
        raise InputError(f"unknown {name}: {', '.join(sorted(unknown))}")
    return values


@bp.get("/api/entities")
def get_entities() -> Response:
    q = request.args.get("q", "").strip()
    if not q:
        raise InputError("missing the q parameter")
    limit = _int_arg("limit", 20, 1, 500)
    offset = _int_arg("offset", 0, 0, 1_000_000)
    hits = search_entities(
        _store(), q, entity_type=request.args.get("type") or None, limit=limit, offset=offset
    )
    return jsonify({"query": q, "results": hits})


@bp.get("/api/entities/<path:key>")
def get_entity(key: str) -> Response:
    """The entity card, by key ("threat-actor/lazarus-group"), IRI or label."""
    iri = key if key.startswith(("http://", "https://")) else None
    if iri is None:
        base = str(current_app.config["KG_BASE_IRI"])
        candidate = base + key
        iri = candidate if _store().has_subject(candidate) else resolve_node(_store(), key)
    if iri is None:
        raise NotFound(f"no entity {key!r} in the graph")
    return jsonify(entity_card(_store(), iri))


@bp.get("/api/sentences")
def get_sentences() -> Response:
    q = request.args.get("q", "").strip() or None
    entity = request.args.get("entity", "").strip() or None
    if q is None and entity is None:
        raise InputError("give q (words) or entity (an IRI or label), or both")
    iri = None
    if entity is not None:
        iri = resolve_node(_store(), entity)
        if iri is None:
            raise NotFound(f"no entity {entity!r} in the graph")
    limit = _int_arg("limit", 50, 1, 500)
    hits = search_sentences(_store(), q=q, entity=iri, limit=limit)
    return jsonify({"q": q, "entity": iri, "results": hits})


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify({"status": "ok", "quads": len(_store())})


@bp.get("/")
def index() -> Response:
    return current_app.send_static_file("index.html")
