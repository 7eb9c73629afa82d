"""Import a MITRE ATT&CK STIX 2.1 bundle into a named graph of its own.

Intrusion sets, campaigns, malware, tools and techniques become entities (with every
alias and a ``skos:exactMatch`` to their ATT&CK page); ``uses`` and ``attributed-to``
relationships become relations. An object whose ATT&CK id the catalogue knows keeps the
catalogue's key, so "NICKEL ACADEMY" from ATT&CK and "Lazarus Group" from a report are
one node. Re-importing replaces the previous import.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rdflib import RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef
from rdflib.namespace import PROV

from kg.catalogue import Catalogue, CatalogueEntry, attack_iri
from kg.errors import InputError
from kg.iri import entity_iri, entity_key
from kg.namespace import KGO, PREDICATE_IRIS, TYPE_CLASSES
from kg.store import GraphStore

TYPES = {
    "intrusion-set": "THREAT_ACTOR",
    "campaign": "INCIDENT",
    "malware": "MALWARE",
    "tool": "MALWARE",
    "attack-pattern": "TECHNIQUE",
}


def attack_graph_iri(base: str) -> URIRef:
    return URIRef(f"{base}graph/attack")


@dataclass(frozen=True)
class AttackImport:
    graph: Graph
    entities: int
    relations: int


def read_bundle(path: Path) -> list[dict[str, object]]:
    try:
        bundle = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a readable STIX bundle: {exc}") from exc
    if not isinstance(bundle, dict) or bundle.get("type") != "bundle":
        raise InputError(f"{path}: not a STIX bundle (no top-level type 'bundle')")
    objects = bundle.get("objects")
    if not isinstance(objects, list):
        raise InputError(f"{path}: the bundle has no objects list")
    return [o for o in objects if isinstance(o, dict)]


def _attack_id(obj: dict[str, object]) -> str | None:
    refs = obj.get("external_references")
    for ref in refs if isinstance(refs, list) else []:
        if isinstance(ref, dict) and ref.get("source_name") == "mitre-attack":
            return str(ref.get("external_id"))
    return None


def _live(obj: dict[str, object]) -> bool:
    return not obj.get("revoked") and not obj.get("x_mitre_deprecated")


def build_attack_graph(
    objects: list[dict[str, object]], catalogue: Catalogue, base: str, source: str
) -> AttackImport:
    by_attack_id = {e.attack_id: e.key for e in catalogue.entries if e.attack_id}
    graph = Graph(identifier=attack_graph_iri(base))
    nodes: dict[str, tuple[URIRef, str]] = {}
    for obj in objects:
        etype = TYPES.get(str(obj.get("type")))
        if etype is None or not _live(obj) or not obj.get("name"):
            continue
        name = str(obj["name"])
        attack_id = _attack_id(obj)
        key = (by_attack_id.get(attack_id) if attack_id else None) or entity_key(etype, name)
        node = entity_iri(base, key)
        nodes[str(obj["id"])] = (node, etype)
        entry = catalogue.get(key)
        graph.add((node, RDF.type, TYPE_CLASSES[etype]))
        graph.add((node, RDFS.label, Literal(entry.label if entry else name)))
        aliases = {name, *obj.get("aliases", []), *obj.get("x_mitre_aliases", [])}  # type: ignore[misc]
        for alias in sorted(str(a) for a in aliases):
            if alias != (entry.label if entry else name):
                graph.add((node, SKOS.altLabel, Literal(alias)))
        if attack_id:
            graph.add((node, SKOS.exactMatch, URIRef(attack_iri(attack_id))))
    relations = 0
    for obj in objects:
        if obj.get("type") != "relationship" or not _live(obj):
            continue
        kind = obj.get("relationship_type")
        source_node, target_node = (
            nodes.get(str(obj.get("source_ref"))),
            nodes.get(str(obj.get("target_ref"))),
        )
        if source_node is None or target_node is None:
            continue
        if (
            kind == "uses"
            and source_node[1] == "THREAT_ACTOR"
            and target_node[1] in {"TECHNIQUE", "MALWARE"}
        ):
            graph.add((source_node[0], PREDICATE_IRIS["uses"], target_node[0]))
            relations += 1
        elif (
            kind == "attributed-to"
            and source_node[1] == "INCIDENT"
            and target_node[1] == "THREAT_ACTOR"
        ):
            graph.add((source_node[0], PREDICATE_IRIS["attributedTo"], target_node[0]))
            relations += 1
    _record_source(graph, source)
    return AttackImport(graph, len(nodes), relations)


def _record_source(graph: Graph, source: str) -> None:
    """The import itself, as a PROV activity: where the bundle came from and when."""
    node = URIRef(f"{graph.identifier}/import")
    graph.add((node, RDF.type, PROV.Activity))
    graph.add((node, RDFS.label, Literal("ATT&CK import")))
    graph.add((node, KGO.source, Literal(source)))
    digest = hashlib.sha256(Path(source).read_bytes()).hexdigest() if Path(source).exists() else ""
    if digest:
        graph.add((node, KGO.sha256, Literal(digest)))
    when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    graph.add((node, PROV.endedAtTime, Literal(when, datatype=XSD.dateTime)))


def import_attack(store: GraphStore, path: Path, catalogue: Catalogue, base: str) -> AttackImport:
    """Replace the store's ATT&CK graph with the bundle at ``path``."""
    result = build_attack_graph(read_bundle(path), catalogue, base, str(path))
    store.replace_graph(str(result.graph.identifier), result.graph)
    return result


def imported_entries(store: GraphStore, base: str, catalogue: Catalogue) -> list[CatalogueEntry]:
    """The imported names as catalogue entries, so that the extractor finds them; aliases
    the catalogue already gives to another entity are left to it."""
    claimed = {a.lower(): e.key for e in catalogue.entries for a in e.names}
    graph_iri = attack_graph_iri(base)
    if not store.has_graph(str(graph_iri)):
        return []
    rows = store.ox.query(
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        f"SELECT ?e ?type ?label ?alias WHERE {{ GRAPH <{graph_iri}> {{ "
        "?e a ?type ; rdfs:label ?label OPTIONAL { ?e skos:altLabel ?alias } } }"
    )
    found: dict[str, tuple[str, str, set[str]]] = {}
    classes = {str(v): k for k, v in TYPE_CLASSES.items()}
    for row in rows:  # type: ignore[union-attr]
        etype = classes.get(row["type"].value)  # type: ignore[index,union-attr]
        if etype is None:
            continue
        key = row["e"].value[len(base) :]  # type: ignore[index,union-attr]
        label = row["label"].value  # type: ignore[index,union-attr]
        entry = found.setdefault(key, (etype, label, set()))
        if row["alias"] is not None:  # type: ignore[index]
            entry[2].add(row["alias"].value)  # type: ignore[index,union-attr]
    entries = []
    for key, (etype, label, aliases) in found.items():
        free = tuple(sorted(a for a in aliases | {label} if claimed.get(a.lower(), key) == key))
        if free:
            entries.append(CatalogueEntry(key, etype, label, free))
    return entries
