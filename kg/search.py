"""Entity search by label and alias: case- and diacritic-insensitive, ranked."""

from __future__ import annotations

import unicodedata

from kg.namespace import CLASS_TYPES
from kg.store import GraphStore

_QUERY_TYPED = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?e ?label ?type ?name WHERE {
  ?e a ?type ; rdfs:label ?label .
  { ?e rdfs:label ?name } UNION { ?e skos:altLabel ?name }
}
"""


def fold(text: str) -> str:
    """Lower case without diacritics, for matching."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def search_entities(
    store: GraphStore, q: str, *, entity_type: str | None = None, limit: int = 20, offset: int = 0
) -> list[dict[str, object]]:
    """Entities whose label or an alias contains ``q``: exact, then prefix, then substring."""
    needle = fold(q.strip())
    best: dict[str, tuple[int, str, str]] = {}
    for row in store.ox.query(_QUERY_TYPED, use_default_graph_as_union=True):  # type: ignore[union-attr]
        type_iri = row["type"].value  # type: ignore[index,union-attr]
        etype = CLASS_TYPES.get(type_iri)
        if etype is None or (entity_type and etype != entity_type):
            continue
        name = fold(row["name"].value)  # type: ignore[index,union-attr]
        if needle == name:
            rank = 0
        elif name.startswith(needle):
            rank = 1
        elif needle in name:
            rank = 2
        else:
            continue
        iri = row["e"].value  # type: ignore[index,union-attr]
        label = row["label"].value  # type: ignore[index,union-attr]
        if iri not in best or rank < best[iri][0]:
            best[iri] = (rank, label, etype)
    ranked = sorted(best.items(), key=lambda kv: (kv[1][0], len(kv[1][1]), kv[1][1]))
    return [
        {"iri": iri, "label": label, "type": etype, "rank": rank}
        for iri, (rank, label, etype) in ranked[offset : offset + limit]
    ]
