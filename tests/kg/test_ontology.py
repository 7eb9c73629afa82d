"""The ontology file and the closed namespace agree, both ways."""

from __future__ import annotations

from importlib import resources

import pytest
from rdflib import OWL, RDF, RDFS, Graph

from kg.namespace import KGO, ONTOLOGY_IRI, TYPE_CLASSES


@pytest.fixture(scope="module")
def ontology() -> Graph:
    g = Graph()
    g.parse(
        data=resources.files("kg").joinpath("ontology.ttl").read_text(encoding="utf-8"),
        format="turtle",
    )
    return g


def terms(ontology: Graph) -> set[str]:
    found = set()
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty):
        for s in ontology.subjects(RDF.type, kind):
            if str(s).startswith(ONTOLOGY_IRI):
                found.add(str(s)[len(ONTOLOGY_IRI) :])
    return found


def test_namespace_matches_ontology(ontology: Graph) -> None:
    declared = set(KGO.__annotations__)
    assert terms(ontology) == declared


def test_every_term_is_labelled_and_commented(ontology: Graph) -> None:
    for name in terms(ontology):
        node = KGO[name]
        assert ontology.value(node, RDFS.label) is not None, name
        assert ontology.value(node, RDFS.comment) is not None, name


def test_misspelt_term_fails() -> None:
    with pytest.raises(AttributeError):
        _ = KGO.targetz


def test_every_entity_type_has_a_class(ontology: Graph) -> None:
    for cls in TYPE_CLASSES.values():
        assert (cls, RDFS.subClassOf, KGO.Entity) in ontology
