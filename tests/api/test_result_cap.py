"""The result cap: rows stop at KG_RESULT_LIMIT and the response says so; our writers
give the same results as Oxigraph's own."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rdflib.query import Result

from api import create_app

QUERY = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"
FORMATS = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}


@pytest.mark.parametrize("media", list(FORMATS))
def test_cap_cuts_and_says_so(sample_store: Path, media: str) -> None:
    capped = create_app(
        {"KG_STORE": str(sample_store), "KG_READ_ONLY": True, "KG_RESULT_LIMIT": 7}
    ).test_client()
    resp = capped.get("/sparql", query_string={"query": QUERY}, headers={"Accept": media})
    assert resp.status_code == 200 and resp.mimetype == media
    assert resp.headers["X-Result-Truncated"] == "true"
    assert resp.headers["X-Result-Limit"] == "7"
    ours = Result.parse(io.BytesIO(resp.data), format=FORMATS[media])
    assert len(list(ours)) == 7
    full = create_app(
        {"KG_STORE": str(sample_store), "KG_READ_ONLY": True, "KG_RESULT_LIMIT": 0}
    ).test_client()
    native = full.get("/sparql", query_string={"query": QUERY}, headers={"Accept": media})
    assert "X-Result-Truncated" not in native.headers
    reference = list(Result.parse(io.BytesIO(native.data), format=FORMATS[media]))[:7]
    again = list(Result.parse(io.BytesIO(resp.data), format=FORMATS[media]))
    assert again == reference


def test_graph_results_are_capped_too(sample_store: Path) -> None:
    capped = create_app(
        {"KG_STORE": str(sample_store), "KG_READ_ONLY": True, "KG_RESULT_LIMIT": 4}
    ).test_client()
    resp = capped.get(
        "/sparql",
        query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/n-triples"},
    )
    assert len(resp.get_data(as_text=True).strip().splitlines()) == 4
    assert resp.headers["X-Result-Truncated"] == "true"


TRICKY = [
    "plain",
    'a "quoted", comma',
    "line\nbreak",
    "carriage\r\nreturn",
    "tab\there",
    "<result> in a value </result>",
    "한국어",
    "",
]


def tricky_store():  # type: ignore[no-untyped-def]
    import pyoxigraph as ox

    from kg.store import GraphStore

    store = GraphStore(None)
    graph = ox.NamedNode("urn:g")
    for n, text in enumerate(TRICKY):
        node = ox.NamedNode(f"urn:s{n}")
        store.ox.add(ox.Quad(node, ox.NamedNode("urn:p"), ox.Literal(text), graph))
        store.ox.add(ox.Quad(node, ox.NamedNode("urn:q"), ox.Literal(text, language="ko"), graph))
    return store


@pytest.mark.parametrize("media", list(FORMATS))
def test_rows_are_counted_in_every_format(media: str) -> None:
    """Answers under the cap are Oxigraph's own; their rows are counted right whatever
    the literals hold (quotes, commas, line breaks, markup), and empty results too."""
    from kg.sparql import RESULT_FORMATS, count_rows, run_query

    store = tricky_store()
    for query, expected in (
        ("SELECT ?s ?o WHERE { ?s ?p ?o }", 2 * len(TRICKY)),
        ("SELECT ?s WHERE { ?s <urn:none> ?o }", 0),
        ("SELECT ?s ?x WHERE { ?s <urn:p> ?o OPTIONAL { ?s <urn:none> ?x } }", len(TRICKY)),
    ):
        result = run_query(store, query)
        body = result.value.serialize(format=RESULT_FORMATS[media])  # type: ignore[attr-defined]
        assert count_rows(body, RESULT_FORMATS[media]) == expected, (query, media)
        capped, cut = run_query(store, query).serialize_capped(media, limit=expected)
        assert not cut and capped == body
        if expected:
            fewer, cut = run_query(store, query).serialize_capped(media, limit=expected - 1)
            assert cut and len(list(Result.parse(io.BytesIO(fewer), format=FORMATS[media]))) == (
                expected - 1
            )


@pytest.mark.parametrize("media", list(FORMATS))
def test_answers_past_the_byte_budget_are_evaluated_again_and_capped(
    media: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kg import sparql

    monkeypatch.setattr(sparql, "NATIVE_BUDGET", 64)  # smaller than any answer here
    store = tricky_store()
    query = "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s ?o"
    capped, cut = sparql.run_query(store, query).serialize_capped(media, limit=5)
    assert cut and len(list(Result.parse(io.BytesIO(capped), format=FORMATS[media]))) == 5
    whole, cut = sparql.run_query(store, query).serialize_capped(media, limit=100)
    assert not cut
    assert len(list(Result.parse(io.BytesIO(whole), format=FORMATS[media]))) == 2 * len(TRICKY)
