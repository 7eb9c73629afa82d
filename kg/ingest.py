"""Ingest: extraction -> RDF -> SHACL -> store, all of a document or none of it.

A document travels as :class:`DocumentGraphs`: its own named graph plus the catalogue
entries it names. That unit is what ``kg ingest`` stores, what ``kg extract --format nq``
writes as N-Quads (so extraction can run as a map step on a cluster), and what
``kg load`` reads back, validates and stores.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from kg.catalogue import Catalogue
from kg.errors import InputError, ValidationFailed
from kg.model import Extraction
from kg.namespace import KGO
from kg.rdf import GraphSettings, build_catalogue_graph, build_document_graph
from kg.shacl import ValidationReport, validate_graph
from kg.store import GraphStore
from kg.terms import to_rdflib

_TRUE = Literal(True)


@dataclass(frozen=True)
class IngestResult:
    doc_id: str
    doc_iri: str
    status: str  # "added", "replaced" or "unchanged"
    entities: int
    relations: int
    triples: int
    report: ValidationReport


@dataclass(frozen=True)
class DocumentGraphs:
    """A document's named graph and the catalogue graph's triples about what it names;
    ``report`` when the graph was validated already (by an ingest worker process)."""

    doc_iri: URIRef
    graph: Graph
    known: Graph
    report: ValidationReport | None = None

    @property
    def doc_id(self) -> str:
        return str(self.graph.value(self.doc_iri, DCTERMS.identifier) or self.doc_iri)

    @property
    def sha256(self) -> str | None:
        value = self.graph.value(self.doc_iri, KGO.sha256)
        return None if value is None else str(value)

    def counts(self) -> dict[str, int]:
        return {
            "entities": len(set(self.graph.objects(self.doc_iri, KGO.mentions))),
            "relations": sum(
                1
                for a in self.graph.subjects(RDF.type, KGO.Assertion)
                if self.graph.value(a, KGO.negated) != _TRUE
            ),
        }

    def nquads(self) -> bytes:
        """Both graphs as N-Quads, each triple tagged with its graph's name."""
        lines = []
        for graph in (self.graph, self.known):
            name = f" <{graph.identifier}> .\n"
            for line in graph.serialize(format="nt", encoding="utf-8").decode().splitlines():
                if line.strip():
                    lines.append(line.rstrip().removesuffix(".").rstrip() + name)
        return "".join(sorted(lines)).encode("utf-8")


def document_graphs(
    extraction: Extraction, catalogue: Catalogue, settings: GraphSettings
) -> DocumentGraphs:
    doc_iri, graph = build_document_graph(extraction, catalogue, settings)
    return DocumentGraphs(doc_iri, graph, build_catalogue_graph(extraction, catalogue, settings))


def ingest_extraction(
    store: GraphStore,
    extraction: Extraction,
    *,
    catalogue: Catalogue,
    settings: GraphSettings,
) -> IngestResult:
    """Store one document's graph after validating it; raise ``ValidationFailed`` if it
    does not conform, leaving the store as it was."""
    return store_document(store, document_graphs(extraction, catalogue, settings))


def store_document(store: GraphStore, doc: DocumentGraphs) -> IngestResult:
    """Validate and store a document: unchanged text is left alone, changed text replaces
    the earlier graph, and a graph that does not conform is refused whole.

    Only the document's own graph is validated: it carries the types and labels of every
    entity it touches, so the cost does not grow with the store.
    """
    previous = store.document_sha256(str(doc.doc_iri))
    counts = doc.counts()
    if previous is not None and previous == doc.sha256:
        return IngestResult(
            doc.doc_id, str(doc.doc_iri), "unchanged", triples=0,
            report=ValidationReport(True, ()), **counts,
        )  # fmt: skip
    report = doc.report if doc.report is not None else validate_graph(doc.graph)
    if not report.conforms:
        source = doc.graph.value(doc.doc_iri, KGO.source) or doc.doc_iri
        raise ValidationFailed(
            f"{source}: the graph does not conform to the shapes:\n{report.text}", report
        )
    store.replace_graph(str(doc.doc_iri), doc.graph, add_to=(str(doc.known.identifier), doc.known))
    status = "replaced" if previous else "added"
    return IngestResult(
        doc.doc_id, str(doc.doc_iri), status, triples=len(doc.graph), report=report, **counts
    )


def read_nquads(data: bytes, *, catalogue_graph: str, source: str) -> Iterator[DocumentGraphs]:
    """The documents of an N-Quads file written by ``kg extract --format nq``: every named
    graph holding a ``kgo:Document`` of its own name, with the catalogue triples about
    the entities it mentions."""
    graphs: dict[str, Graph] = {}
    try:
        for quad in ox.parse(data, format=ox.RdfFormat.N_QUADS):
            if not isinstance(quad.graph_name, ox.NamedNode):
                raise InputError(f"{source}: a triple outside any named graph")
            name = quad.graph_name.value
            graph = graphs.setdefault(name, Graph(identifier=URIRef(name)))
            graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
    except SyntaxError as exc:
        raise InputError(f"{source}: not N-Quads: {str(exc).splitlines()[0]}") from exc
    known = graphs.pop(catalogue_graph, Graph(identifier=URIRef(catalogue_graph)))
    for name, graph in sorted(graphs.items()):
        doc = URIRef(name)
        if (doc, RDF.type, KGO.Document) not in graph:
            raise InputError(f"{source}: graph <{name}> holds no document of that name")
        mine = Graph(identifier=known.identifier)
        for entity in set(graph.objects(doc, KGO.mentions)):
            for triple in known.triples((entity, None, None)):
                mine.add(triple)
        yield DocumentGraphs(doc, graph, mine)
