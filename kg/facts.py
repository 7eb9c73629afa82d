"""Fact nodes for stores written before they were recorded (``kg upgrade``).

Since facts were added, every document graph holds one ``kgo:Fact`` per asserted triple
(see :func:`kg.iri.fact_iri` and ``kg.rdf``). A store written earlier still answers,
through the slower search over assertions; this adds the facts in one SPARQL update,
computed inside the store from the assertions themselves, with the same IRIs and
confidences a fresh ingest would write (``SHA1`` in SPARQL is ``hashlib.sha1``).
"""

from __future__ import annotations

from kg.namespace import ONTOLOGY_IRI
from kg.store import GraphStore

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def _update(base_iri: str) -> str:
    base = base_iri.replace("\\", "\\\\").replace('"', '\\"')
    return f"""
PREFIX rdf: <{_RDF}>
PREFIX kgo: <{ONTOLOGY_IRI}>
INSERT {{ GRAPH ?g {{
  ?f a kgo:Fact ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
     kgo:documentConfidence ?best
}} }}
WHERE {{
  {{
    SELECT ?g ?s ?p ?o (MAX(?c) AS ?best) WHERE {{
      GRAPH ?g {{
        ?a a kgo:Assertion ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
           kgo:negated false ; kgo:confidence ?c
      }}
    }} GROUP BY ?g ?s ?p ?o
  }}
  BIND(IRI(CONCAT("{base}fact/",
       SUBSTR(SHA1(CONCAT(STR(?s), " ", STR(?p), " ", STR(?o))), 1, 20))) AS ?f)
  FILTER NOT EXISTS {{ GRAPH ?g {{ ?f a kgo:Fact }} }}
}}"""


def count_facts(store: GraphStore) -> int:
    rows = store.ox.query(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?f a <{ONTOLOGY_IRI}Fact> }} }}"
    )
    return next(int(row["n"].value) for row in rows)  # type: ignore[index,union-attr]


def add_missing_facts(store: GraphStore, base_iri: str) -> int:
    """Add the fact nodes a document graph lacks, in one transaction; returns how many
    were added (0 for a store written by this version)."""
    before = count_facts(store)
    try:
        store.ox.update(_update(base_iri))
    finally:
        store.changed()
    return count_facts(store) - before
