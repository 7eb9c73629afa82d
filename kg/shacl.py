"""SHACL validation with pyshacl, run safely: no inference, no imports, shapes from the package."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from pyshacl import validate as pyshacl_validate
from rdflib import RDF, RDFS, Graph, Namespace
from rdflib.term import Node

from kg.store import GraphStore
from shapes import shape_files

SH = Namespace("http://www.w3.org/ns/shacl#")


@dataclass(frozen=True)
class Violation:
    focus: str
    path: str
    message: str
    value: str
    severity: str

    def __str__(self) -> str:
        value = f" (value: {self.value})" if self.value else ""
        return f"{self.focus} {self.path}: {self.message}{value}"


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool
    violations: tuple[Violation, ...]

    @property
    def text(self) -> str:
        if self.conforms:
            return "conforms"
        return "\n".join(str(v) for v in self.violations)


@lru_cache(maxsize=1)
def class_hierarchy() -> Graph:
    """The ontology's ``rdfs:subClassOf`` triples: ``sh:class kgo:Entity`` needs them in
    the data graph, and they are all pyshacl gets of the ontology (no inference)."""
    ontology = Graph()
    text = resources.files("kg").joinpath("ontology.ttl").read_text(encoding="utf-8")
    ontology.parse(data=text, format="turtle")
    hierarchy = Graph()
    for triple in ontology.triples((None, RDFS.subClassOf, None)):
        hierarchy.add(triple)
    return hierarchy


@lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    """All shapes of the ``shapes`` package in one graph, parsed once per process."""
    graph = Graph()
    for f in shape_files():
        graph.parse(data=f.read_text(encoding="utf-8"), format="turtle")
    return graph


def validate_graph(data: Graph) -> ValidationReport:
    """Validate ``data`` against the shapes; returns a report, never raises on violations."""
    conforms, results, _ = pyshacl_validate(
        data,
        shacl_graph=shapes_graph(),
        ont_graph=class_hierarchy(),
        inference="none",
        abort_on_first=False,
        allow_infos=True,
        allow_warnings=True,
        do_owl_imports=False,
        advanced=False,
    )
    return ValidationReport(bool(conforms), tuple(_violations(results)))


@dataclass(frozen=True)
class StoreReport:
    """The outcome of validating every named graph of a store."""

    graphs: int
    triples: int
    failing: dict[str, ValidationReport]

    @property
    def conforms(self) -> bool:
        return not self.failing


def validate_store(store: GraphStore, *, batch_triples: int = 50_000) -> StoreReport:
    """Validate the store's named graphs, several at a time.

    Each graph carries the types and labels of every entity it names, so a batch of
    graphs is self-contained: checking batch by batch checks every triple of the store in
    memory bounded by the batch, not by the store. A batch that fails is checked again
    graph by graph, to name the graphs at fault.
    """
    failing: dict[str, ValidationReport] = {}
    triples = 0
    names = store.named_graphs()
    batch: list[tuple[str, Graph]] = []
    size = 0
    for n, name in enumerate(names):
        graph = store.graph(name)
        triples += len(graph)
        batch.append((name, graph))
        size += len(graph)
        if size >= batch_triples or n == len(names) - 1:
            failing |= _validate_batch(batch)
            batch, size = [], 0
    return StoreReport(len(names), triples, failing)


def _validate_batch(batch: list[tuple[str, Graph]]) -> dict[str, ValidationReport]:
    union = Graph()
    for _, graph in batch:
        union += graph
    if validate_graph(union).conforms:
        return {}
    reports = {name: validate_graph(graph) for name, graph in batch}
    return {name: report for name, report in reports.items() if not report.conforms}


def _violations(results: Graph) -> list[Violation]:
    found = []

    def one(result: Node, pred: Node) -> str:
        value = results.value(result, pred)
        return "" if value is None else str(value)

    for result in results.subjects(RDF.type, SH.ValidationResult):
        severity = one(result, SH.resultSeverity).rsplit("#", 1)[-1]
        found.append(
            Violation(
                focus=one(result, SH.focusNode),
                path=one(result, SH.resultPath),
                message=one(result, SH.resultMessage),
                value=one(result, SH.value),
                severity=severity,
            )
        )
    return sorted(found, key=lambda v: (v.focus, v.path, v.message))
