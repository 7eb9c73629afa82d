"""SPARQL Update: only with the token, never fetching, never leaving the graph invalid."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api import create_app

TOKEN = "s3cret-token"
GOOD = """
PREFIX kgo: <https://w3id.org/threat-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
INSERT DATA { GRAPH <urn:analyst:notes> {
  <https://w3id.org/threat-kg/id/threat-actor/bluefin-team> a kgo:ThreatActor ;
      rdfs:label "Bluefin Team" . } }
"""
BAD = """
PREFIX kgo: <https://w3id.org/threat-kg/ontology#>
INSERT DATA { GRAPH <urn:analyst:notes> {
  <https://w3id.org/threat-kg/id/threat-actor/nameless> a kgo:ThreatActor . } }
"""
ASK = "ASK { <https://w3id.org/threat-kg/id/threat-actor/{name}> ?p ?o }"


@pytest.fixture
def writable(sample_store: Path, tmp_path: Path) -> Flask:
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    return create_app({"KG_STORE": str(store), "KG_API_TOKEN": TOKEN, "TESTING": True})


def exists(client: FlaskClient, name: str) -> bool:
    resp = client.get(
        "/sparql",
        query_string={"query": ASK.replace("{name}", name)},
        headers={"Accept": "application/sparql-results+json"},
    )
    return bool(resp.get_json()["boolean"])


def test_update_needs_the_token(writable: Flask) -> None:
    client = writable.test_client()
    missing = client.post("/sparql", data=GOOD, content_type="application/sparql-update")
    assert missing.status_code == 401 and missing.mimetype == "application/problem+json"
    wrong = client.post("/sparql", data={"update": GOOD}, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert not exists(client, "bluefin-team")
    ok = client.post(
        "/sparql",
        data=GOOD,
        content_type="application/sparql-update",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert ok.status_code == 204
    assert exists(client, "bluefin-team")


def test_no_token_configured_means_no_updates(client: FlaskClient) -> None:
    resp = client.post("/sparql", data={"update": GOOD}, headers={"Authorization": "Bearer x"})
    assert resp.status_code == 403


def test_non_conforming_update_is_rolled_back(writable: Flask) -> None:
    client = writable.test_client()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert client.post("/sparql", data={"update": GOOD}, headers=auth).status_code == 204
    resp = client.post("/sparql", data={"update": BAD}, headers=auth)
    assert resp.status_code == 422
    assert "label" in resp.get_json()["detail"]
    assert not exists(client, "nameless")
    assert exists(client, "bluefin-team")  # what was there before stays


def test_update_never_loads(writable: Flask) -> None:
    client = writable.test_client()
    resp = client.post(
        "/sparql",
        data={"update": "LOAD <http://127.0.0.1:1/x.ttl>"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert resp.status_code == 400 and "LOAD" in resp.get_json()["detail"]
