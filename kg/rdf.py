"""Turn an extraction into RDF: one named graph per document, self-contained.

A document's graph holds the document node, every entity it mentions (type, label,
aliases, external links), every mention, every plain relation triple and, for each
relation, an assertion node with its evidence. Because each graph carries what it needs,
a document can be validated, replaced or retracted as a unit, and the union of graphs is
the knowledge graph.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from rdflib import RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

from kg.catalogue import Catalogue
from kg.iri import document_iri, entity_iri, fact_iri
from kg.model import Entity, Extraction, Relation
from kg.namespace import KGO, PREDICATE_IRIS, TYPE_CLASSES


@dataclass(frozen=True)
class GraphSettings:
    """How IRIs are minted; the same settings on two machines give mergeable graphs."""

    base_iri: str


def bind_prefixes(graph: Graph, base_iri: str) -> None:
    graph.bind("kgo", KGO._NS)
    graph.bind("kg", base_iri)
    graph.bind("skos", SKOS)
    graph.bind("prov", PROV)
    graph.bind("dcterms", DCTERMS)


def build_document_graph(
    extraction: Extraction,
    catalogue: Catalogue,
    settings: GraphSettings,
    *,
    extracted_at: datetime | None = None,
) -> tuple[URIRef, Graph]:
    """The document's IRI (also its graph name) and its graph."""
    base = settings.base_iri
    doc = document_iri(base, extraction.meta.doc_id)
    graph = Graph(identifier=doc)
    bind_prefixes(graph, base)
    when = Literal(
        (extracted_at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        datatype=XSD.dateTime,
    )
    tool = Literal(f"{extraction.extractor} {extraction.extractor_version}")
    _add_document(graph, doc, extraction, tool, when)
    for ent in extraction.entities:
        _add_entity(graph, doc, ent, catalogue, base)
    for rel in extraction.relations:
        _add_relation(graph, doc, rel, base, tool, when)
    _add_facts(graph, extraction.relations, base)
    return doc, graph


def _add_facts(graph: Graph, relations: Iterable[Relation], base: str) -> None:
    """One fact node per asserted triple, with the highest confidence this document gives
    it (:func:`kg.iri.fact_iri`)."""
    best: dict[tuple[URIRef, URIRef, URIRef], float] = {}
    for rel in relations:
        if not rel.negated:
            triple = (
                entity_iri(base, rel.subject),
                PREDICATE_IRIS[rel.predicate],
                entity_iri(base, rel.object),
            )
            best[triple] = max(best.get(triple, 0.0), rel.confidence)
    for (subject, predicate, obj), confidence in best.items():
        fact = fact_iri(base, subject, predicate, obj)
        graph.add((fact, RDF.type, KGO.Fact))
        graph.add((fact, RDF.subject, subject))
        graph.add((fact, RDF.predicate, predicate))
        graph.add((fact, RDF.object, obj))
        graph.add((fact, KGO.documentConfidence, _decimal(confidence)))


def _decimal(value: float) -> Literal:
    return Literal(Decimal(f"{value:.3f}"), datatype=XSD.decimal)


def catalogue_graph_iri(base: str) -> URIRef:
    """The named graph of the catalogue entries documents have mentioned; they stay
    when the documents are retracted."""
    return URIRef(f"{base}graph/catalogue")


def build_catalogue_graph(
    extraction: Extraction, catalogue: Catalogue, settings: GraphSettings
) -> Graph:
    """Type, label, aliases and external links of the catalogue entries the document names."""
    graph = Graph(identifier=catalogue_graph_iri(settings.base_iri))
    for ent in extraction.entities:
        entry = catalogue.get(ent.key)
        if entry is None:
            continue
        node = entity_iri(settings.base_iri, ent.key)
        graph.add((node, RDF.type, TYPE_CLASSES[entry.type]))
        graph.add((node, RDFS.label, Literal(entry.label)))
        for alias in entry.aliases:
            graph.add((node, SKOS.altLabel, Literal(alias)))
        for iri in entry.external_iris():
            graph.add((node, SKOS.exactMatch, URIRef(iri)))
    return graph


def _add_document(
    graph: Graph, doc: URIRef, extraction: Extraction, tool: Literal, when: Literal
) -> None:
    meta = extraction.meta
    graph.add((doc, RDF.type, KGO.Document))
    graph.add((doc, RDFS.label, Literal(meta.title or meta.doc_id)))
    graph.add((doc, DCTERMS.identifier, Literal(meta.identifier or meta.doc_id)))
    graph.add((doc, KGO.source, Literal(meta.source)))
    graph.add((doc, KGO.sha256, Literal(meta.sha256)))
    graph.add((doc, DCTERMS.format, Literal(meta.media_type)))
    graph.add((doc, KGO.extractor, tool))
    graph.add((doc, PROV.generatedAtTime, when))
    if meta.title:
        graph.add((doc, DCTERMS.title, Literal(meta.title)))
    for creator in meta.creators:
        graph.add((doc, DCTERMS.creator, Literal(creator)))
    if meta.date:
        graph.add((doc, DCTERMS.date, Literal(meta.date)))


def _add_entity(graph: Graph, doc: URIRef, ent: Entity, catalogue: Catalogue, base: str) -> None:
    node = entity_iri(base, ent.key)
    graph.add((node, RDF.type, TYPE_CLASSES[ent.type]))
    entry = catalogue.get(ent.key)
    label = entry.label if entry else ent.label
    graph.add((node, RDFS.label, Literal(label)))
    aliases = set(ent.aliases) | {m.text for m in ent.mentions}
    if entry:
        aliases |= set(entry.aliases)
        for iri in entry.external_iris():
            graph.add((node, SKOS.exactMatch, URIRef(iri)))
    for alias in sorted(aliases - {label}):
        graph.add((node, SKOS.altLabel, Literal(alias)))
    for iri in ent.external_ids:
        graph.add((node, SKOS.exactMatch, URIRef(iri)))
    if ent.type == "DATE" and ent.normalized:
        graph.add((node, KGO.isoDate, Literal(ent.normalized)))
    graph.add((doc, KGO.mentions, node))
    for m in ent.mentions:
        mention = URIRef(f"{doc}/mention/{m.start}-{m.end}")
        graph.add((mention, RDF.type, KGO.Mention))
        graph.add((mention, KGO.mentionOf, node))
        graph.add((mention, KGO.inDocument, doc))
        graph.add((mention, KGO.surfaceText, Literal(m.text)))
        graph.add((mention, KGO.startOffset, Literal(m.start)))
        graph.add((mention, KGO.endOffset, Literal(m.end)))


def _add_relation(
    graph: Graph, doc: URIRef, rel: Relation, base: str, tool: Literal, when: Literal
) -> None:
    subject, obj = entity_iri(base, rel.subject), entity_iri(base, rel.object)
    predicate = PREDICATE_IRIS[rel.predicate]
    if not rel.negated:
        graph.add((subject, predicate, obj))
    digest = hashlib.sha1(
        f"{rel.subject}|{rel.predicate}|{rel.object}|{rel.start}|{rel.negated}".encode()
    ).hexdigest()[:16]
    node = URIRef(f"{doc}/assertion/{digest}")
    graph.add((node, RDF.type, KGO.Assertion))
    graph.add((node, RDF.subject, subject))
    graph.add((node, RDF.predicate, predicate))
    graph.add((node, RDF.object, obj))
    graph.add((node, KGO.evidence, Literal(rel.evidence)))
    graph.add((node, KGO.startOffset, Literal(rel.start)))
    graph.add((node, KGO.endOffset, Literal(rel.end)))
    graph.add((node, KGO.confidence, _decimal(rel.confidence)))
    graph.add((node, KGO.negated, Literal(rel.negated)))
    graph.add((node, KGO.inDocument, doc))
    graph.add((node, PROV.wasDerivedFrom, doc))
    graph.add((node, KGO.extractor, tool))
    graph.add((node, PROV.generatedAtTime, when))
    if rel.according_to:
        graph.add((node, KGO.accordingTo, entity_iri(base, rel.according_to)))
