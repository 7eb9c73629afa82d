"""Export the graph as a STIX 2.1 bundle, for OpenCTI, MISP and other CTI platforms.

Entities become STIX domain objects (intrusion-set, identity, location, attack-pattern,
malware, campaign), relations become relationship objects, and every document a report
whose ``object_refs`` list what it mentions. Ids are UUIDv5 over the entity keys, so an
export of the same graph is the same bundle. Sanctions, weapons programmes and dates
have no STIX object and are left out, with the relations that need them.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from kg.catalogue import Catalogue, attack_iri
from kg.namespace import CLASS_TYPES
from kg.sparql import select_rows
from kg.store import GraphStore

STIX_TYPES = {
    "THREAT_ACTOR": "intrusion-set",
    "STATE": "location",
    "REGION": "location",
    "ORGANIZATION": "identity",
    "PERSON": "identity",
    "SECTOR": "identity",
    "TECHNIQUE": "attack-pattern",
    "MALWARE": "malware",
    "INCIDENT": "campaign",
}
#: (predicate, source STIX type, target STIX type) -> relationship type; the spec's own
#: types where they fit, a descriptive custom type otherwise
RELATIONSHIP_TYPES = {
    ("targets", "intrusion-set"): "targets",
    ("targets", "campaign"): "targets",
    ("uses", "intrusion-set"): "uses",
    ("attributedTo", "campaign"): "attributed-to",
    ("locatedIn", "identity"): "located-at",
    ("locatedIn", "intrusion-set"): "originates-from",
    ("partOf", "intrusion-set", "location"): "originates-from",
}
CUSTOM = {
    "partOf": "part-of",
    "targets": "targets",
    "uses": "uses",
    "attributedTo": "attributed-to",
    "sanctions": "sanctions",
    "cooperatesWith": "cooperates-with",
    "locatedIn": "located-at",
}

_ENTITIES = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX kgo: <https://w3id.org/threat-kg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT DISTINCT ?e ?type ?label (MIN(STR(?when)) AS ?first) WHERE {
  GRAPH ?d { ?d kgo:mentions ?e ; prov:generatedAtTime ?when . ?e a ?type ; rdfs:label ?label }
} GROUP BY ?e ?type ?label
"""
_ALIASES = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?e ?alias WHERE { ?e skos:altLabel ?alias }
"""
_RELATIONS = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX kgo: <https://w3id.org/threat-kg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?s ?p ?o (MIN(STR(?when)) AS ?first) (SAMPLE(?evidence) AS ?text) WHERE {
  ?a a kgo:Assertion ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
     kgo:negated false ; kgo:evidence ?evidence ; prov:generatedAtTime ?when .
} GROUP BY ?s ?p ?o
"""
_DOCUMENTS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX kgo: <https://w3id.org/threat-kg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?d ?title ?when ?date ?source WHERE {
  GRAPH ?d { ?d a kgo:Document ; rdfs:label ?title ; prov:generatedAtTime ?when ;
                kgo:source ?source OPTIONAL { ?d dcterms:date ?date } }
}
"""
_MENTIONS = """
PREFIX kgo: <https://w3id.org/threat-kg/ontology#>
SELECT DISTINCT ?d ?e WHERE { GRAPH ?d { ?d kgo:mentions ?e } }
"""


@dataclass
class StixExport:
    namespace: uuid.UUID
    catalogue: Catalogue
    base_iri: str
    objects: dict[str, dict[str, object]] = field(default_factory=dict)

    def stix_id(self, stix_type: str, key: str) -> str:
        return f"{stix_type}--{uuid.uuid5(self.namespace, f'{stix_type}:{key}')}"


def export_stix(store: GraphStore, catalogue: Catalogue, base_iri: str) -> dict[str, object]:
    """The whole graph as a STIX 2.1 bundle (a JSON-ready dict)."""
    export = StixExport(uuid.uuid5(uuid.NAMESPACE_URL, base_iri), catalogue, base_iri)
    ids = _entities(store, export)
    _relationships(store, export, ids)
    _reports(store, export, ids)
    objects = sorted(export.objects.values(), key=lambda o: str(o["id"]))
    return {"type": "bundle", "id": export.stix_id("bundle", "all"), "objects": objects}


def _stamp(when: str) -> str:
    """A STIX timestamp (UTC, milliseconds) from an xsd:dateTime."""
    text = when.replace("+00:00", "").rstrip("Z")
    return (text + ".000Z") if "." not in text else text[:23] + "Z"


def _entities(store: GraphStore, export: StixExport) -> dict[str, tuple[str, str]]:
    """Entity IRI -> (STIX id, schema type), for every entity that has a STIX form."""
    aliases: dict[str, list[str]] = defaultdict(list)
    for row in select_rows(store, _ALIASES):
        aliases[row["e"]].append(row["alias"])
    ids: dict[str, tuple[str, str]] = {}
    for row in select_rows(store, _ENTITIES):
        etype = CLASS_TYPES.get(row["type"])
        if etype not in STIX_TYPES or row["e"] in ids:
            continue
        key = row["e"][len(export.base_iri) :]
        stix_type = STIX_TYPES[etype]
        sid = export.stix_id(stix_type, key)
        ids[row["e"]] = (sid, etype)
        stamp = _stamp(row["first"])
        obj: dict[str, object] = {
            "type": stix_type,
            "spec_version": "2.1",
            "id": sid,
            "created": stamp,
            "modified": stamp,
            "name": row["label"],
        }
        obj.update(_specifics(etype, key, sorted(set(aliases[row["e"]])), export.catalogue))
        export.objects[sid] = obj
    return ids


def _specifics(etype: str, key: str, aliases: list[str], catalogue: Catalogue) -> dict[str, object]:
    entry = catalogue.get(key)
    extra: dict[str, object] = {}
    if etype == "THREAT_ACTOR" and aliases:
        extra["aliases"] = aliases
    if etype == "MALWARE":
        extra["is_family"] = True
    if etype in {"ORGANIZATION", "PERSON", "SECTOR"}:
        extra["identity_class"] = {"PERSON": "individual", "SECTOR": "class"}.get(
            etype, "organization"
        )
        if etype == "SECTOR" and entry is not None and entry.stix_value:
            extra["sectors"] = [entry.stix_value]
    if etype == "STATE":
        extra["country"] = entry.iso_code if entry is not None and entry.iso_code else "ZZ"
    if etype == "REGION":
        extra["region"] = entry.stix_value if entry is not None and entry.stix_value else "world"
    if entry is not None and entry.attack_id:
        extra["external_references"] = [
            {
                "source_name": "mitre-attack",
                "external_id": entry.attack_id,
                "url": attack_iri(entry.attack_id),
            }
        ]
    return extra


def _relationships(store: GraphStore, export: StixExport, ids: dict[str, tuple[str, str]]) -> None:
    for row in select_rows(store, _RELATIONS):
        if row["s"] not in ids or row["o"] not in ids:
            continue
        predicate = row["p"].rsplit("#", 1)[1]
        (source, stype), (target, _) = ids[row["s"]], ids[row["o"]]
        if predicate == "attributedTo" and stype in {"TECHNIQUE", "MALWARE"}:
            source, target, kind = target, source, "uses"  # the actor uses what it is blamed for
        else:
            kind = _kind(predicate, source.split("--")[0], target.split("--")[0])
        key = f"{source}|{kind}|{target}"
        sid = export.stix_id("relationship", key)
        stamp = _stamp(row["first"])
        export.objects[sid] = {
            "type": "relationship",
            "spec_version": "2.1",
            "id": sid,
            "created": stamp,
            "modified": stamp,
            "relationship_type": kind,
            "source_ref": source,
            "target_ref": target,
            "description": row["text"],
        }


def _kind(predicate: str, source_type: str, target_type: str) -> str:
    return (
        RELATIONSHIP_TYPES.get((predicate, source_type, target_type))  # type: ignore[arg-type]
        or RELATIONSHIP_TYPES.get((predicate, source_type))
        or CUSTOM.get(predicate, "related-to")
    )


def _reports(store: GraphStore, export: StixExport, ids: dict[str, tuple[str, str]]) -> None:
    mentioned: dict[str, set[str]] = defaultdict(set)
    for row in select_rows(store, _MENTIONS):
        if row["e"] in ids:
            mentioned[row["d"]].add(ids[row["e"]][0])
    relationships = [o for o in export.objects.values() if o["type"] == "relationship"]
    for row in select_rows(store, _DOCUMENTS):
        refs = mentioned[row["d"]]
        if not refs:
            continue
        refs |= {
            str(r["id"])
            for r in relationships
            if r["source_ref"] in refs and r["target_ref"] in refs
        }
        sid = export.stix_id("report", row["d"])
        stamp = _stamp(row["when"])
        published = f"{row['date'][:10]}T00:00:00.000Z" if len(row.get("date", "")) >= 10 else stamp
        export.objects[sid] = {
            "type": "report",
            "spec_version": "2.1",
            "id": sid,
            "created": stamp,
            "modified": stamp,
            "name": row["title"],
            "published": published,
            "report_types": ["threat-report"],
            "object_refs": sorted(refs),
            "external_references": [
                {"source_name": "threat-kg", "url": row["d"], "description": row["source"]}
            ],
        }
