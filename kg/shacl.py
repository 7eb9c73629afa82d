"""SHACL validation with pyshacl, run safely: no inference, no imports, shapes from the package."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from pyshacl import validate as pyshacl_validate
from rdflib import RDF, RDFS, Graph, Namespace
from rdflib.term import Node

from kg.shapes_sparql import Check, ShapeCompiler, run_checks
from kg.store import GraphStore
from kg.violations import ValidationReport, Violation
from shapes import shape_files

SH = Namespace("http://www.w3.org/ns/shacl#")


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
    """The outcome of validating a whole store: violations by the named graphs that
    hold the offending triples (a conflict between two graphs names both)."""

    graphs: int
    triples: int
    failing: dict[str, ValidationReport]

    @property
    def conforms(self) -> bool:
        return not self.failing


@lru_cache(maxsize=1)
def store_checks() -> tuple[Check, ...]:
    """The shapes as SPARQL queries, compiled once per process."""
    return tuple(ShapeCompiler(shapes_graph(), class_hierarchy()).compile())


def validate_store(store: GraphStore) -> StoreReport:
    """Validate every triple of the store against the shapes, inside the store.

    The same shapes as :func:`validate_graph`, compiled to SPARQL by
    :mod:`kg.shapes_sparql` and run over the union of all graphs: a million triples take
    seconds, not the minutes copying them into pyshacl takes.
    """
    by_graph: dict[str, list[Violation]] = {}
    for violation in run_checks(store.ox, store_checks()):
        # the graphs stating the offending value; for a missing value, those naming the focus
        held = store.graphs_holding(violation.focus, violation.path, violation.value)
        for name in held or store.graphs_holding(violation.focus):
            by_graph.setdefault(name, []).append(violation)
    failing = {
        name: ValidationReport(False, tuple(sorted(set(found), key=_order)))
        for name, found in sorted(by_graph.items())
    }
    return StoreReport(len(store.named_graphs()), len(store), failing)


def _order(v: Violation) -> tuple[str, str, str, str]:
    return (v.focus, v.path, v.message, v.value)


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
    return sorted(found, key=_order)
