"""Entity search by label and alias: case-insensitive, ranked exact, prefix, substring.

The matching runs inside Oxigraph (a FILTER over labels and aliases), so only the
candidates cross into Python; ranking and folding of diacritics happen on those.
"""

from __future__ import annotations

import unicodedata

import pyoxigraph as ox

from kg.store import GraphStore

_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?e ?name WHERE {{
  {{ ?e rdfs:label ?name }} UNION {{ ?e skos:altLabel ?name }}
  FILTER(CONTAINS(LCASE(STR(?name)), {needle}))
}}
"""


def fold(text: str) -> str:
    """Lower case without diacritics, for matching."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def search_entities(
    store: GraphStore, q: str, *, entity_type: str | None = None, limit: int = 20, offset: int = 0
) -> list[dict[str, object]]:
    """Entities whose label or an alias contains ``q``: exact, then prefix, then substring,
    shorter labels first."""
    needle = fold(q.strip())
    query = _QUERY.format(needle=str(ox.Literal(q.strip().lower())))
    best: dict[str, tuple[int, int, str]] = {}
    for row in store.ox.query(query, use_default_graph_as_union=True):  # type: ignore[union-attr]
        name = fold(row["name"].value)  # type: ignore[index,union-attr]
        rank = 0 if name == needle else 1 if name.startswith(needle) else 2
        iri = row["e"].value  # type: ignore[index,union-attr]
        best[iri] = min((rank, len(name), name), best.get(iri, (3, 0, "")))
    hits: list[dict[str, object]] = []
    for iri, (rank, _, _) in sorted(best.items(), key=lambda kv: kv[1]):
        label, etype = store.label_and_type(iri)
        if etype and (entity_type is None or etype == entity_type):
            hits.append({"iri": iri, "label": label or iri, "type": etype, "rank": rank})
            if len(hits) >= offset + limit:
                break
    return hits[offset : offset + limit]
