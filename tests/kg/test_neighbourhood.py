"""Neighbourhoods read facts, remember answers between writes, and forget them on a write."""

from __future__ import annotations

from pathlib import Path

from extract.readers import iter_paths, read_path
from kg.ingest import ingest_extraction
from kg.iri import type_in_iri
from kg.namespace import TYPE_CLASSES
from kg.neighbourhood import _support_from_assertions, neighbourhood
from kg.rdf import build_document_graph
from kg.sparql import select_rows
from kg.store import GraphStore
from kg.update import apply_update

PREFIXES = (
    "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "PREFIX kgo: <https://w3id.org/threat-kg/ontology#> "
)


def ingest_dev(store: GraphStore, extractor, dev_dir: Path, graph_settings) -> list[str]:  # type: ignore[no-untyped-def]
    docs = []
    for path in iter_paths([dev_dir]):
        extraction = extractor.extract(read_path(path, max_bytes=10**7))
        ingest_extraction(store, extraction, catalogue=extractor.catalogue, settings=graph_settings)
        docs.append(graph_settings.base_iri + "doc/" + extraction.meta.doc_id)
    return docs


def edge_key(edge: dict[str, object]) -> tuple[str, str, str]:
    predicate = "https://w3id.org/threat-kg/ontology#" + str(edge["predicate"])
    return (str(edge["source"]), predicate, str(edge["target"]))


def test_one_fact_per_asserted_triple_with_the_best_confidence(
    extractor, seed_path, graph_settings
) -> None:  # type: ignore[no-untyped-def]
    extraction = extractor.extract(read_path(seed_path, max_bytes=10**7))
    _, graph = build_document_graph(extraction, extractor.catalogue, graph_settings)
    best: dict[tuple[str, str, str], float] = {}
    for rel in extraction.relations:
        if not rel.negated:
            key = (
                graph_settings.base_iri + rel.subject,
                "https://w3id.org/threat-kg/ontology#" + rel.predicate,
                graph_settings.base_iri + rel.object,
            )
            best[key] = max(best.get(key, 0.0), rel.confidence)
    rows = list(
        graph.query(
            PREFIXES + "SELECT ?s ?p ?o ?c WHERE { ?f a kgo:Fact ; rdf:subject ?s ; "
            "rdf:predicate ?p ; rdf:object ?o ; kgo:documentConfidence ?c }"
        )
    )
    assert best and len(rows) == len(best)
    for s, p, o, c in rows:  # type: ignore[misc]
        assert round(best[(str(s), str(p), str(o))], 3) == float(c)


def test_support_follows_retraction_and_updates(store, extractor, dev_dir, graph_settings) -> None:  # type: ignore[no-untyped-def]
    docs = ingest_dev(store, extractor, dev_dir, graph_settings)
    root = graph_settings.base_iri + "threat-actor/lazarus-group"
    before = neighbourhood(store, root, depth=1, base_iri=graph_settings.base_iri)
    shared = next(e for e in before.edges if int(e["documents"]) >= 2)  # type: ignore[call-overload]
    triple = " ".join(f"<{t}>" for t in edge_key(shared))
    holding = select_rows(store, f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {triple} }} }}")
    stating = [row["g"] for row in holding if row["g"] in docs]
    assert store.retract(stating[0])
    after = neighbourhood(store, root, depth=1, base_iri=graph_settings.base_iri)
    again = next(e for e in after.edges if edge_key(e) == edge_key(shared))
    assert again["documents"] == int(shared["documents"]) - 1  # type: ignore[call-overload]

    apply_update(
        store,
        PREFIXES + f"DELETE {{ GRAPH ?g {{ <{root}> rdfs:label ?l }} }} "
        f"INSERT {{ GRAPH ?g {{ <{root}> rdfs:label 'Lazarus (renamed)' }} }} "
        f"WHERE {{ GRAPH ?g {{ <{root}> rdfs:label ?l }} }}",
    )
    renamed = neighbourhood(store, root, depth=1, base_iri=graph_settings.base_iri)
    assert renamed.nodes[root]["label"] == "Lazarus (renamed)"


def test_stores_without_facts_get_the_same_support(
    store, extractor, dev_dir, graph_settings
) -> None:  # type: ignore[no-untyped-def]
    """A store written before facts were recorded falls back on the assertions."""
    ingest_dev(store, extractor, dev_dir, graph_settings)
    root = graph_settings.base_iri + "threat-actor/lazarus-group"
    with_facts = neighbourhood(store, root, depth=2, limit=80, base_iri=graph_settings.base_iri)
    apply_update(
        store,
        PREFIXES + "DELETE { GRAPH ?g { ?f ?p ?o } } WHERE { GRAPH ?g { ?f a kgo:Fact ; ?p ?o } }",
    )
    assert not select_rows(store, PREFIXES + "SELECT ?f WHERE { GRAPH ?g { ?f a kgo:Fact } }")
    without = neighbourhood(store, root, depth=2, limit=80, base_iri=graph_settings.base_iri)
    assert with_facts.edges == without.edges
    assert any(int(e["documents"]) >= 2 for e in without.edges)  # type: ignore[call-overload]
    direct = _support_from_assertions(store, [edge_key(e) for e in with_facts.edges])
    for edge in with_facts.edges:
        if edge["documents"]:
            assert direct[edge_key(edge)]["documents"] == edge["documents"]


def test_entity_iris_name_their_type(sample_store: Path, graph_settings) -> None:  # type: ignore[no-untyped-def]
    """The type read from an IRI minted here is the type the store records for it."""
    store = GraphStore(sample_store, read_only=True)
    classes = " ".join(f"<{c}>" for c in TYPE_CLASSES.values())
    rows = select_rows(
        store, f"SELECT DISTINCT ?e WHERE {{ VALUES ?t {{ {classes} }} GRAPH ?g {{ ?e a ?t }} }}"
    )
    assert len(rows) > 50
    for row in rows:
        assert type_in_iri(graph_settings.base_iri, row["e"]) == store.label_and_type(row["e"])[1]


def test_an_answer_read_across_a_write_is_not_kept() -> None:
    store = GraphStore(None)
    store.remember("k", "before", store.generation)
    assert store.recall("k") == "before"
    read_at = store.generation
    store.changed()
    assert store.recall("k") is None
    store.remember("k", "read before the write", read_at)
    assert store.recall("k") is None


def test_upgrade_adds_the_facts_a_fresh_ingest_writes(
    store, extractor, dev_dir, graph_settings
) -> None:  # type: ignore[no-untyped-def]
    from kg.facts import add_missing_facts

    ingest_dev(store, extractor, dev_dir, graph_settings)
    facts = PREFIXES + "SELECT ?g ?f ?p ?o WHERE { GRAPH ?g { ?f a kgo:Fact ; ?p ?o } }"
    fresh = {tuple(sorted(row.items())) for row in select_rows(store, facts)}
    assert fresh
    apply_update(
        store,
        PREFIXES + "DELETE { GRAPH ?g { ?f ?p ?o } } WHERE { GRAPH ?g { ?f a kgo:Fact ; ?p ?o } }",
    )
    assert add_missing_facts(store, graph_settings.base_iri) == len(
        {(row[0][1], row[1][1]) for row in fresh}  # (graph, fact) pairs
    )
    assert {tuple(sorted(row.items())) for row in select_rows(store, facts)} == fresh
    assert add_missing_facts(store, graph_settings.base_iri) == 0
