"""Plain ``GET /sparql`` requests skip Flask's routing; their answers must not change."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import Flask

from api import create_app

SELECT = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "SELECT ?e ?l WHERE { ?e rdfs:label ?l } ORDER BY ?e ?l"
)
CONSTRUCT = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "CONSTRUCT { ?e rdfs:label ?l } WHERE { ?e rdfs:label ?l FILTER(CONTAINS(?l, 'Lazarus')) }"
)
ASK = "ASK { ?s ?p ?o }"
RESULTS = [
    None,
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
]
GRAPHS = [
    None,
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
]

CASES = (
    [(SELECT, a) for a in RESULTS]
    + [(ASK, a) for a in RESULTS]
    + [(CONSTRUCT, a) for a in GRAPHS]
    + [
        (CONSTRUCT, "application/sparql-results+json"),  # 406
        (SELECT, "text/turtle"),  # 406
        ("SELECT ?x WHERE { ?x ", "application/sparql-results+json"),  # syntax error
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", None),  # refused
        ("LOAD <http://127.0.0.1:9/x>", None),
        (SELECT, "application/sparql-results+json, */*;q=0.1"),  # goes to Flask
        (SELECT, "*/*"),
    ]
)


def app_for(store: Path, *, fast: bool, limit: int) -> Flask:
    return create_app(
        {
            "KG_STORE": str(store),
            "KG_READ_ONLY": True,
            "TESTING": True,
            "KG_FAST_SPARQL": fast,
            "KG_RESULT_LIMIT": limit,
        }
    )


@pytest.fixture(scope="module")
def pair(sample_store: Path) -> tuple[Flask, Flask]:
    # a small cap, so that truncated answers are compared too
    return app_for(sample_store, fast=True, limit=25), app_for(sample_store, fast=False, limit=25)


@pytest.mark.parametrize(("query", "accept"), CASES)
def test_fast_path_answers_like_the_view(
    pair: tuple[Flask, Flask], query: str, accept: str | None
) -> None:
    fast, slow = (app.test_client() for app in pair)
    headers = {"Accept": accept} if accept else {}
    url = "/sparql?" + urlencode({"query": query})
    a, b = fast.get(url, headers=headers), slow.get(url, headers=headers)
    assert a.status_code == b.status_code
    assert a.headers["Content-Type"] == b.headers["Content-Type"]
    assert a.headers.get("X-Result-Truncated") == b.headers.get("X-Result-Truncated")
    assert a.data == b.data


def test_plain_queries_take_the_fast_path(pair: tuple[Flask, Flask]) -> None:
    fast = pair[0]
    view = fast.view_functions["sparql.sparql"]

    def broken() -> None:
        raise RuntimeError("the Flask view was called")

    fast.view_functions["sparql.sparql"] = broken
    try:
        client = fast.test_client()
        plain = client.get("/sparql?" + urlencode({"query": ASK}))
        assert plain.status_code == 200 and b"true" in plain.data
        assert plain.headers["Content-Type"] == "application/sparql-results+json"
        # SPARQLWrapper's extra parameters, a POST, a bad query string: the view answers
        for response in (
            client.get("/sparql?" + urlencode({"query": ASK, "format": "json"})),
            client.post("/sparql", data={"query": ASK}),
        ):
            assert response.status_code == 500
        latin1 = client.get("/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%22caf%E9%22%20%7D")
        assert latin1.status_code == 400  # refused before routing, as without the fast path
    finally:
        fast.view_functions["sparql.sparql"] = view
