"""Graph neighbourhoods: the k-hop subgraph of entity-to-entity relations around a node."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.namespace import CLASS_TYPES, PREDICATE_IRIS
from kg.store import GraphStore

RELATION_IRIS = [str(iri) for iri in PREDICATE_IRIS.values()]
_VALUES = " ".join(f"<{p}>" for p in RELATION_IRIS)


@dataclass
class Neighbourhood:
    root: str
    nodes: dict[str, dict[str, str]] = field(default_factory=dict)
    edges: list[dict[str, str]] = field(default_factory=list)
    truncated: bool = False

    def as_json(self) -> dict[str, object]:
        return {
            "root": self.root,
            "nodes": [{"id": k, **v} for k, v in self.nodes.items()],
            "edges": self.edges,
            "truncated": self.truncated,
        }


def resolve_node(store: GraphStore, node: str) -> str | None:
    """An IRI for ``node``: an IRI in the store, or an entity whose label or alias matches."""
    if node.startswith(("http://", "https://", "urn:")):
        found = store.ox.quads_for_pattern(ox.NamedNode(node), None, None, None)
        return node if next(iter(found), None) is not None else None
    return _label_lookup(store, node)


def _label_lookup(store: GraphStore, text: str) -> str | None:
    literal = str(ox.Literal(text.lower()))
    rows = store.ox.query(
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        "SELECT ?e (MAX(?w) AS ?score) WHERE { "
        "{ ?e rdfs:label ?l BIND(2 AS ?w) } UNION { ?e skos:altLabel ?l BIND(1 AS ?w) } "
        f"FILTER(LCASE(STR(?l)) = {literal}) }} GROUP BY ?e ORDER BY DESC(?score) ?e LIMIT 1",
        use_default_graph_as_union=True,
    )
    for row in rows:  # type: ignore[union-attr]
        return str(row["e"].value)  # type: ignore[index,union-attr]
    return None


def neighbourhood(
    store: GraphStore, root: str, *, depth: int = 1, limit: int = 200
) -> Neighbourhood:
    """Breadth-first expansion over relation edges in both directions, ``limit`` edges a node."""
    result = Neighbourhood(root)
    frontier = {root}
    seen = {root}
    edges: set[tuple[str, str, str]] = set()
    for _ in range(depth):
        next_frontier: set[str] = set()
        for node in sorted(frontier):
            n = str(ox.NamedNode(node))
            rows = store.ox.query(
                f"SELECT ?s ?p ?o WHERE {{ VALUES ?p {{ {_VALUES} }} "
                f"{{ {n} ?p ?o BIND({n} AS ?s) }} UNION {{ ?s ?p {n} BIND({n} AS ?o) }} }} "
                f"LIMIT {limit + 1}",
                use_default_graph_as_union=True,
            )
            found = [(r["s"].value, r["p"].value, r["o"].value) for r in rows]  # type: ignore[index,union-attr]
            if len(found) > limit:
                result.truncated = True
                found = found[:limit]
            for s, p, o in found:
                edges.add((s, p, o))
                for other in (s, o):
                    if other not in seen:
                        seen.add(other)
                        next_frontier.add(other)
        frontier = next_frontier
    result.nodes = {iri: _describe(store, iri) for iri in sorted(seen)}
    result.edges = [
        {"source": s, "predicate": p.rsplit("#", 1)[-1], "target": o} for s, p, o in sorted(edges)
    ]
    return result


def _describe(store: GraphStore, iri: str) -> dict[str, str]:
    n = str(ox.NamedNode(iri))
    rows = store.ox.query(
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        f"SELECT ?label ?type WHERE {{ OPTIONAL {{ {n} rdfs:label ?label }} "
        f"OPTIONAL {{ {n} a ?type }} }}",
        use_default_graph_as_union=True,
    )
    info = {"label": iri.rsplit("/", 1)[-1], "type": ""}
    for row in rows:  # type: ignore[union-attr]
        if row["label"] is not None:
            info["label"] = row["label"].value
        if row["type"] is not None and row["type"].value in CLASS_TYPES:
            info["type"] = CLASS_TYPES[row["type"].value]
    return info
