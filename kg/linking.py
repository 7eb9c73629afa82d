"""Which entities are linked to external ids (ATT&CK, Wikidata), and which are not yet."""

from __future__ import annotations

from dataclasses import dataclass

from kg.namespace import CLASS_TYPES
from kg.sparql import select_rows
from kg.store import GraphStore

LINKED_TYPES = ("THREAT_ACTOR", "TECHNIQUE", "MALWARE")
_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX kgo: <https://w3id.org/threat-kg/ontology#>
SELECT DISTINCT ?e ?type ?label ?link WHERE {
  GRAPH ?d { ?d kgo:mentions ?e }
  ?e a ?type ; rdfs:label ?label .
  OPTIONAL { ?e skos:exactMatch ?link }
}
"""


@dataclass(frozen=True)
class LinkRow:
    iri: str
    type: str
    label: str
    links: tuple[str, ...]


def link_report(store: GraphStore) -> list[LinkRow]:
    """Every actor, technique and malware a document mentions, with its external links;
    unlinked ones first."""
    found: dict[str, tuple[str, str, set[str]]] = {}
    for row in select_rows(store, _QUERY):
        etype = CLASS_TYPES.get(row["type"])
        if etype not in LINKED_TYPES:
            continue
        entry = found.setdefault(row["e"], (etype, row["label"], set()))
        if "link" in row:
            entry[2].add(row["link"])
    rows = [
        LinkRow(iri, t, label, tuple(sorted(links))) for iri, (t, label, links) in found.items()
    ]
    return sorted(rows, key=lambda r: (bool(r.links), r.type, r.label))
