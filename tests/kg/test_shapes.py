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


def _broken_variants(graph: Graph, doc: URIRef) -> dict[str, Graph]:
    """One graph per constraint component the shapes use, each breaking it once."""
    from rdflib import XSD

    lazarus = sorted(graph.subjects(RDF.type, KGO.ThreatActor))[0]
    date = sorted(graph.subjects(RDF.type, KGO.Date))[0]
    assertion = sorted(graph.subjects(RDF.type, KGO.Assertion))[0]
    mention = sorted(graph.subjects(RDF.type, KGO.Mention))[0]
    breakages = {
        "pattern": lambda g: g.set((doc, KGO.sha256, Literal("not-a-hash"))),
        "maxCount": lambda g: g.add((lazarus, RDFS.label, Literal("Second label"))),
        "minCount": lambda g: g.remove((doc, DCTERMS.identifier, None)),
        "iso pattern": lambda g: g.set((date, KGO.isoDate, Literal("13/09/2019"))),
        "node or": lambda g: g.add((date, KGO.partOf, lazarus)),
        "value or": lambda g: g.add((lazarus, KGO.targets, date)),
        "datatype": lambda g: g.set((assertion, KGO.confidence, Literal("high"))),
        "ill-formed": lambda g: g.set(
            (assertion, KGO.startOffset, Literal("x", datatype=XSD.integer))
        ),
        "maxInclusive": lambda g: g.set(
            (assertion, KGO.confidence, Literal(2.5, datatype=XSD.decimal))
        ),
        "minInclusive": lambda g: g.set((mention, KGO.startOffset, Literal(-3))),
        "minLength": lambda g: g.set((mention, KGO.surfaceText, Literal(""))),
        "nodeKind": lambda g: g.set((assertion, RDF.subject, Literal("Lazarus"))),
        "class": lambda g: g.set((assertion, RDF.object, doc)),
        "in": lambda g: g.set((assertion, RDF.predicate, RDFS.seeAlso)),
    }
    variants = {}
    for name, breakage in breakages.items():
        broken = Graph()
        for triple in graph:
            broken.add(triple)
        breakage(broken)
        variants[name] = broken
    return variants


def test_store_check_agrees_with_pyshacl(extractor, sample_dir, graph_settings) -> None:  # type: ignore[no-untyped-def]
    """The shapes compiled to SPARQL (``kg validate`` of a whole store) find the same
    violations as pyshacl (every ingest), component by component."""
    from kg.shacl import validate_store
    from kg.store import GraphStore

    doc, graph = good_graph(extractor, sample_dir, graph_settings)
    for name, broken in _broken_variants(graph, doc).items():
        store = GraphStore(None)
        store.replace_graph(str(doc), broken)
        expected = {(v.focus, v.path) for v in validate_graph(broken).violations}
        report = validate_store(store)
        assert list(report.failing) == [str(doc)], name
        found = {(v.focus, v.path) for v in report.failing[str(doc)].violations}
        assert expected, name
        assert found == expected, name


def test_every_shape_compiles_to_sparql() -> None:
    """A shape using a component the compiler does not know fails here, not in silence."""
    import pytest

    from kg.shacl import class_hierarchy, shapes_graph, store_checks
    from kg.shapes_sparql import ShapeCompiler, UnsupportedShape

    checks = store_checks()
    assert {c.shape for c in checks} >= {
        str(s)
        for s in shapes_graph().subjects(RDF.type, URIRef("http://www.w3.org/ns/shacl#NodeShape"))
    }
    strange = Graph()
    strange.parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:s> a sh:NodeShape ; sh:targetClass <urn:C> ;
            sh:property [ sh:path <urn:p> ; sh:uniqueLang true ] .""",
        format="turtle",
    )
    with pytest.raises(UnsupportedShape, match="uniqueLang"):
        ShapeCompiler(strange, class_hierarchy()).compile()
