"""What an analyst reads about one entity or sentence: the entity card (names, type,
external links, relations with their evidence and sources) and sentence search."""

from __future__ import annotations

import pyoxigraph as ox

from kg.errors import NotFound
from kg.sparql import select_rows
from kg.store import GraphStore

_RELATIONS = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX kgo: <https://w3id.org/threat-kg/ontology#>
SELECT DISTINCT ?s ?p ?o ?slabel ?olabel ?evidence ?doc ?title ?confidence ?negated WHERE {{
  {{ ?a rdf:subject {node} }} UNION {{ ?a rdf:object {node} }}
  ?a rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; kgo:evidence ?evidence ;
     kgo:inDocument ?doc ; kgo:confidence ?confidence ; kgo:negated ?negated .
  ?s rdfs:label ?slabel . ?o rdfs:label ?olabel . ?doc rdfs:label ?title .
}} ORDER BY ?p ?olabel ?doc
"""
_SENTENCES = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX kgo: <https://w3id.org/threat-kg/ontology#>
SELECT DISTINCT ?evidence ?doc ?title ?start ?e ?label WHERE {{
  GRAPH ?doc {{
    ?a kgo:evidence ?evidence .
    {filter}
    ?a kgo:startOffset ?start ; rdf:subject|rdf:object ?e .
    ?e rdfs:label ?label .
    ?doc rdfs:label ?title }}
}} ORDER BY ?doc ?start
"""
# Everything inside the document's own graph, which carries the label of every entity it
# names: joined over the union of graphs, a hub's label came back once per document that
# names it, for every row (15 s for "banks" over 163 documents).


def entity_card(store: GraphStore, iri: str) -> dict[str, object]:
    node = ox.NamedNode(iri)
    label, etype = store.label_and_type(iri)
    if label is None:
        raise NotFound(f"no entity {iri} in the graph")
    aliases = sorted(set(_values(store, node, _ALT)))
    links = sorted(set(_values(store, node, _MATCH)))
    relations = [
        {
            "subject": r["s"],
            "subject_label": r["slabel"],
            "predicate": r["p"].rsplit("#", 1)[1],
            "object": r["o"],
            "object_label": r["olabel"],
            "evidence": r["evidence"],
            "document": r["doc"],
            "document_title": r["title"],
            "confidence": float(r["confidence"]),
            "negated": r["negated"] == "true",
        }
        for r in select_rows(store, _RELATIONS.format(node=str(node)))
    ]
    return {
        "iri": iri,
        "label": label,
        "type": etype,
        "aliases": aliases,
        "external_links": links,
        "relations": relations,
    }


def _values(store: GraphStore, node: ox.NamedNode, predicate: ox.NamedNode) -> list[str]:
    return [
        q.object.value
        for q in store.ox.quads_for_pattern(node, predicate, None, None)
        if not isinstance(q.object, ox.Triple)
    ]


def search_sentences(
    store: GraphStore, *, q: str | None, entity: str | None, limit: int = 50
) -> list[dict[str, object]]:
    """Evidence sentences containing ``q`` and/or stating something about ``entity``,
    each with its document and the entities it mentions."""
    filters = []
    if q:
        filters.append(f"FILTER(CONTAINS(LCASE(?evidence), {ox.Literal(q.lower())}))")
    if entity:
        filters.append(
            "FILTER EXISTS { GRAPH ?doc { ?b kgo:evidence ?evidence ; "
            f"rdf:subject|rdf:object {ox.NamedNode(entity)} }} }}"
        )
    found: dict[tuple[str, str], tuple[str, dict[str, str]]] = {}
    for row in select_rows(store, _SENTENCES.format(filter=" ".join(filters))):
        key = (row["doc"], row["evidence"])
        if key not in found and len(found) >= limit:
            break
        found.setdefault(key, (row["title"], {}))[1][row["e"]] = row["label"]
    return [
        {
            "sentence": sentence,
            "document": doc,
            "document_title": title,
            "entities": [{"iri": k, "label": v} for k, v in entities.items()],
        }
        for (doc, sentence), (title, entities) in found.items()
    ]


_ALT = ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")
_MATCH = ox.NamedNode("http://www.w3.org/2004/02/skos/core#exactMatch")
