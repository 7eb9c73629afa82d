"""Documents crafted to break the shapes are caught; a good one conforms."""

from __future__ import annotations

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from extract.readers import read_path
from kg.namespace import KGO
from kg.rdf import build_document_graph
from kg.shacl import validate_graph


def good_graph(extractor, sample_dir, graph_settings) -> tuple[URIRef, Graph]:  # type: ignore[no-untyped-def]
    extraction = extractor.extract(read_path(sample_dir / "treasury-release.txt", max_bytes=10**6))
    return build_document_graph(extraction, extractor.catalogue, graph_settings)


def test_extracted_graph_conforms(extractor, sample_dir, graph_settings) -> None:  # type: ignore[no-untyped-def]
    _, graph = good_graph(extractor, sample_dir, graph_settings)
    report = validate_graph(graph)
    assert report.conforms, report.text


def test_each_broken_shape_is_caught(extractor, sample_dir, graph_settings) -> None:  # type: ignore[no-untyped-def]
    doc, graph = good_graph(extractor, sample_dir, graph_settings)
    lazarus = URIRef(graph_settings.base_iri + "threat-actor/lazarus-group")
    date = URIRef(graph_settings.base_iri + "date/2019-09-13")
    assertion = next(graph.subjects(RDF.type, KGO.Assertion))
    breakages = {
        "sha256": lambda g: g.set((doc, KGO.sha256, Literal("not-a-hash"))),
        "label": lambda g: g.add((lazarus, RDFS.label, Literal("Second label"))),
        "isoDate": lambda g: g.set((date, KGO.isoDate, Literal("13/09/2019"))),
        "evidence": lambda g: g.remove((assertion, KGO.evidence, None)),
        "partOf": lambda g: g.add((date, KGO.partOf, lazarus)),
        "identifier": lambda g: g.remove((doc, DCTERMS.identifier, None)),
    }
    for name, breakage in breakages.items():
        broken = Graph()
        for triple in graph:
            broken.add(triple)
        breakage(broken)
        report = validate_graph(broken)
        assert not report.conforms, name
        assert report.violations and all(v.focus for v in report.violations)


def test_shapes_are_valid_shacl() -> None:
    """The shapes themselves conform to SHACL's own shapes (shacl-shacl)."""
    from pyshacl import validate

    from kg.shacl import shapes_graph

    conforms, _, text = validate(
        Graph(), shacl_graph=shapes_graph(), meta_shacl=True, inference="none"
    )
    assert conforms, text


def test_every_class_and_relation_has_a_shape() -> None:
    from rdflib import Namespace

    from kg.namespace import PREDICATE_IRIS, TYPE_CLASSES
    from kg.shacl import shapes_graph

    sh = Namespace("http://www.w3.org/ns/shacl#")
    shapes = shapes_graph()
    targeted = set(shapes.objects(None, sh.targetClass))
    for cls in [*TYPE_CLASSES.values(), KGO.Document, KGO.Assertion, KGO.Mention]:
        assert cls in targeted, cls
    subjects_of = set(shapes.objects(None, sh.targetSubjectsOf))
    assert set(PREDICATE_IRIS.values()) <= subjects_of
