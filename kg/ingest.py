"""Ingest: extraction -> RDF -> SHACL -> store, all of a document or none of it."""

from __future__ import annotations

from dataclasses import dataclass

from kg.catalogue import Catalogue
from kg.errors import ValidationFailed
from kg.model import Extraction
from kg.rdf import GraphSettings, build_catalogue_graph, build_document_graph
from kg.shacl import ValidationReport, validate_graph
from kg.store import GraphStore


@dataclass(frozen=True)
class IngestResult:
    doc_id: str
    doc_iri: str
    status: str  # "added", "replaced" or "unchanged"
    entities: int
    relations: int
    triples: int
    report: ValidationReport


def ingest_extraction(
    store: GraphStore,
    extraction: Extraction,
    *,
    catalogue: Catalogue,
    settings: GraphSettings,
) -> IngestResult:
    """Store one document's graph after validating it; raise ``ValidationFailed`` if it
    does not conform, leaving the store as it was.

    Only the document's own graph is validated: it carries the types and labels of every
    entity it touches, so the cost does not grow with the store.
    """
    doc_iri, graph = build_document_graph(extraction, catalogue, settings)
    known = build_catalogue_graph(extraction, catalogue, settings)
    previous = store.document_sha256(str(doc_iri))
    counts = dict(
        entities=len(extraction.entities),
        relations=sum(1 for r in extraction.relations if not r.negated),
    )
    if previous == extraction.meta.sha256:
        return IngestResult(
            extraction.meta.doc_id,
            str(doc_iri),
            "unchanged",
            triples=0,
            report=ValidationReport(True, ()),
            **counts,
        )
    report = validate_graph(graph)
    if not report.conforms:
        raise ValidationFailed(
            f"{extraction.meta.source}: the graph does not conform to the shapes:\n{report.text}",
            report,
        )
    store.replace_graph(str(doc_iri), graph, add_to=(str(known.identifier), known))
    status = "replaced" if previous else "added"
    return IngestResult(
        extraction.meta.doc_id, str(doc_iri), status, triples=len(graph), report=report, **counts
    )
