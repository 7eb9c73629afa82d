"""Queries that would reach outside the store are refused before evaluation."""

from __future__ import annotations

import pytest

from kg.errors import QueryError
from kg.guard import check_query


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
        "select * where { service silent <http://x/> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o . SeRvIcE ?endpoint { ?s ?p ?o } }",
        "LOAD <http://127.0.0.1:1/data.ttl>",
        "LOAD SILENT <file:///etc/passwd> INTO GRAPH <urn:g>",
        "SELECT * FROM <http://127.0.0.1:1/x> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }",
    ],
)
def test_refused(query: str) -> None:
    with pytest.raises(QueryError):
        check_query(query, graph_exists=lambda iri: iri == "urn:known")


@pytest.mark.parametrize(
    "query",
    [
        'SELECT * WHERE { ?s ?p "SERVICE" } # a SERVICE in a comment',
        "SELECT ?service WHERE { ?service <http://ex/LOAD> ?load }",
        "PREFIX service: <http://ex/> SELECT * WHERE { ?s service:x ?o }",
        "SELECT * FROM <urn:known> WHERE { ?s ?p ?o }",
        "SELECT * WHERE { ?s ?p '''multi\nline SERVICE <http://x>''' }",
    ],
)
def test_allowed(query: str) -> None:
    check_query(query, graph_exists=lambda iri: iri == "urn:known")
