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
