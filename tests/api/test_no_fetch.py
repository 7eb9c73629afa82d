"""A canary HTTP server on 127.0.0.1 must get no request, whatever the query asks."""

from __future__ import annotations

import json
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest
from flask.testing import FlaskClient


def queries(url: str) -> list[str]:
    return [
        f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{url}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * FROM <{url}/data.ttl> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{url}/data.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"LOAD <{url}/data.ttl>",
    ]


def test_flask_app_never_fetches(client: FlaskClient, canary: tuple[str, list[str]]) -> None:
    url, hits = canary
    for query in queries(url):
        resp = client.get("/sparql", query_string={"query": query})
        assert resp.status_code == 400, query
        assert resp.mimetype == "application/problem+json"
    assert hits == []


def test_real_server_never_fetches(server: str, canary: tuple[str, list[str]]) -> None:
    url, hits = canary
    for query in queries(url):
        request = Request(server + "/sparql?" + urlencode({"query": query}))
        with pytest.raises(HTTPError) as info:
            urlopen(request, timeout=10)
        assert info.value.code == 400
        detail = json.loads(info.value.read())["detail"]
        assert "not allowed" in detail or "not a graph of this store" in detail, detail
        info.value.close()
    assert hits == []
