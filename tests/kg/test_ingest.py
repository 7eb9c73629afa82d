"""Ingest into the on-disk store: validated, idempotent, all of a document or none of it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from extract.readers import iter_paths, read_path
from kg.errors import ValidationFailed
from kg.ingest import ingest_extraction
from kg.model import Relation
from kg.sparql import select_rows
from kg.store import GraphStore

LIMIT = 10_000_000


def ingest_file(store, extractor, path: Path, graph_settings):  # type: ignore[no-untyped-def]
    extraction = extractor.extract(read_path(path, max_bytes=LIMIT))
    return ingest_extraction(
        store, extraction, catalogue=extractor.catalogue, settings=graph_settings
    )


def snapshot(store: GraphStore) -> set[str]:
    return {str(q) for q in store.ox}


def test_same_file_twice_changes_nothing(store, extractor, seed_path, graph_settings) -> None:  # type: ignore[no-untyped-def]
    first = ingest_file(store, extractor, seed_path, graph_settings)
    assert first.status == "added" and first.triples > 0
    before = snapshot(store)
    second = ingest_file(store, extractor, seed_path, graph_settings)
    assert second.status == "unchanged"
    assert snapshot(store) == before


def test_changed_document_replaces_its_graph(store, extractor, tmp_path, graph_settings) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "note.txt"
    path.write_text("Kimsuky targeted think tanks in Japan.", encoding="utf-8")
    ingest_file(store, extractor, path, graph_settings)
    path.write_text("Andariel targeted hospitals in South Korea.", encoding="utf-8")
    result = ingest_file(store, extractor, path, graph_settings)
    assert result.status == "replaced"
    mentioned = {
        r["e"].rsplit("/id/", 1)[1]
        for r in select_rows(
            store,
            "PREFIX kgo: <https://w3id.org/threat-kg/ontology#> "
            "SELECT ?e WHERE { GRAPH ?d { ?d kgo:mentions ?e } }",
        )
    }
    assert "threat-actor/andariel" in mentioned
    assert "threat-actor/kimsuky" not in mentioned
    targets = select_rows(
        store,
        "PREFIX kgo: <https://w3id.org/threat-kg/ontology#> SELECT ?s WHERE { ?s kgo:targets ?o }",
    )
    assert {r["s"].rsplit("/", 1)[1] for r in targets} == {"andariel"}
    assert len(store.document_iris()) == 1


def test_dev_corpus_gives_one_node_per_entity(store, extractor, dev_dir, graph_settings) -> None:  # type: ignore[no-untyped-def]
    for path in iter_paths([dev_dir]):
        result = ingest_file(store, extractor, path, graph_settings)
        assert result.report.conforms
    rows = select_rows(
        store,
        "PREFIX kgo: <https://w3id.org/threat-kg/ontology#> "
        "SELECT ?e (COUNT(DISTINCT ?d) AS ?docs) "
        "WHERE { GRAPH ?d { ?d kgo:mentions ?e } } GROUP BY ?e",
    )
    docs_per_entity = {r["e"].rsplit("/id/", 1)[1]: int(r["docs"]) for r in rows}
    # the same actor, named in many documents, is one node
    assert docs_per_entity["threat-actor/lazarus-group"] >= 5
    assert docs_per_entity["state/north-korea"] >= 9
    # and one label per node across the whole store
    labels = select_rows(
        store,
        "SELECT ?e (COUNT(DISTINCT ?l) AS ?n) "
        "WHERE { ?e <http://www.w3.org/2000/01/rdf-schema#label> ?l } "
        "GROUP BY ?e HAVING (COUNT(DISTINCT ?l) > 1)",
    )
    assert labels == []
    from kg.shacl import validate_store

    assert validate_store(store).conforms


def test_neighbourhood_support_counts_documents(store, extractor, dev_dir, graph_settings) -> None:  # type: ignore[no-untyped-def]
    """Each edge's support, found by index lookups, equals a plain SPARQL count of the
    documents with an asserted (not negated) statement of it."""
    from kg.neighbourhood import neighbourhood

    for path in iter_paths([dev_dir]):
        ingest_file(store, extractor, path, graph_settings)
    root = graph_settings.base_iri + "threat-actor/lazarus-group"
    hood = neighbourhood(store, root, depth=2, limit=60)
    assert hood.edges and any(e["documents"] >= 2 for e in hood.edges)
    for edge in hood.edges:
        rows = select_rows(
            store,
            "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> "
            "PREFIX kgo: <https://w3id.org/threat-kg/ontology#> "
            "SELECT (COUNT(DISTINCT ?d) AS ?n) (MAX(?c) AS ?best) WHERE { "
            f"?a rdf:subject <{edge['source']}> ; rdf:predicate kgo:{edge['predicate']} ; "
            f"rdf:object <{edge['target']}> ; kgo:negated false ; kgo:inDocument ?d ; "
            "kgo:confidence ?c }",
        )
        assert int(rows[0]["n"]) == edge["documents"], edge
        if edge["documents"]:
            assert float(rows[0]["best"]) == edge["confidence"], edge


def test_non_conforming_document_leaves_store_as_it_was(
    store, extractor, seed_path, sample_dir, graph_settings
) -> None:  # type: ignore[no-untyped-def]
    ingest_file(store, extractor, seed_path, graph_settings)
    before = snapshot(store)
    extraction = extractor.extract(read_path(sample_dir / "treasury-release.txt", max_bytes=LIMIT))
    # a relation the schema forbids: a date cannot target anything
    bad = Relation("date/2019-09-13", "targets", "state/south-korea", "x", 0, 1)
    broken = dataclasses.replace(extraction, relations=(*extraction.relations, bad))
    with pytest.raises(ValidationFailed) as info:
        ingest_extraction(store, broken, catalogue=extractor.catalogue, settings=graph_settings)
    assert "targets" in str(info.value)
    assert snapshot(store) == before


def test_store_persists_on_disk(tmp_path, extractor, seed_path, graph_settings) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "store"
    first = GraphStore(path)
    ingest_file(first, extractor, seed_path, graph_settings)
    count = len(first)
    del first
    reopened = GraphStore(path)
    assert len(reopened) == count > 0


def test_retract_keeps_facts_other_documents_state(
    store, extractor, tmp_path, graph_settings
) -> None:  # type: ignore[no-untyped-def]
    one = tmp_path / "one.txt"
    two = tmp_path / "two.txt"
    one.write_text(
        "Kimsuky targeted think tanks. Qorvex Trading Company is based in Japan.", encoding="utf-8"
    )
    two.write_text("Kimsuky targeted think tanks in South Korea.", encoding="utf-8")
    first = ingest_file(store, extractor, one, graph_settings)
    ingest_file(store, extractor, two, graph_settings)
    assert store.retract(first.doc_iri)
    assert not store.retract(first.doc_iri)
    query = (
        "PREFIX kgo: <https://w3id.org/threat-kg/ontology#> "
        "ASK { ?k kgo:targets ?t . ?k <http://www.w3.org/2000/01/rdf-schema#label> 'Kimsuky' }"
    )
    assert store.ox.query(query, use_default_graph_as_union=True)  # still stated by two.txt
    labels = {
        r["l"]
        for r in select_rows(
            store, "SELECT ?l WHERE { ?e <http://www.w3.org/2000/01/rdf-schema#label> ?l }"
        )
    }
    assert "Qorvex Trading Company" not in labels  # only one.txt named it
    assert "Japan" in labels  # a catalogue entry stays once known


def test_near_misses_stay_apart(extractor) -> None:  # type: ignore[no-untyped-def]
    from extract.readers import SourceDocument
    from kg.model import DocumentMeta

    text = "APT37 and APT38 both target South Korea. Tensions on the Korean Peninsula remain high."
    result = extractor.extract(SourceDocument(text, DocumentMeta("n", "n.txt", "0" * 64)))
    keys = {e.key for e in result.entities}
    assert {"threat-actor/apt37", "threat-actor/apt38"} <= keys
    assert "region/korean-peninsula" in keys
    assert [m.text for m in result.entity("state/south-korea").mentions] == ["South Korea"]


def test_validate_store_finds_a_broken_graph(store, extractor, seed_path, graph_settings) -> None:  # type: ignore[no-untyped-def]
    import pyoxigraph as ox

    from kg.shacl import validate_store

    result = ingest_file(store, extractor, seed_path, graph_settings)
    assert validate_store(store).conforms
    # a second label written behind the ingest path's back
    lazarus = ox.NamedNode(graph_settings.base_iri + "state/north-korea")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    store.ox.add(ox.Quad(lazarus, label, ox.Literal("DPRK (typo)"), ox.NamedNode(result.doc_iri)))
    report = validate_store(store)
    assert not report.conforms
    # the conflict is between the document's label and the catalogue's: both are named
    assert set(report.failing) == {result.doc_iri, graph_settings.base_iri + "graph/catalogue"}
    violation = report.failing[result.doc_iri].violations[0]
    assert violation.focus.endswith("state/north-korea")
    assert violation.path == "http://www.w3.org/2000/01/rdf-schema#label"


def test_validate_store_sees_conflicts_between_graphs(
    store, extractor, seed_path, graph_settings
) -> None:  # type: ignore[no-untyped-def]
    """Each graph alone conforms, yet together they give one entity two labels."""
    import pyoxigraph as ox

    from kg.shacl import validate_graph, validate_store

    result = ingest_file(store, extractor, seed_path, graph_settings)
    other = graph_settings.base_iri + "doc/other"
    rgb = ox.NamedNode(graph_settings.base_iri + "threat-actor/reconnaissance-general-bureau")
    store.ox.add(
        ox.Quad(
            rgb,
            ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
            ox.Literal("RGB"),
            ox.NamedNode(other),
        )
    )
    store.ox.add(
        ox.Quad(
            rgb,
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode("https://w3id.org/threat-kg/ontology#ThreatActor"),
            ox.NamedNode(other),
        )
    )
    assert validate_graph(store.graph(other)).conforms
    assert validate_graph(store.graph(result.doc_iri)).conforms
    report = validate_store(store)
    assert other in report.failing and result.doc_iri in report.failing
    assert {v.focus for v in report.failing[other].violations} == {rgb.value}
