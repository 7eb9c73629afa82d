"""The store behind kg and the API can be any SPARQL 1.1 endpoint: here a real
``oxigraph serve`` the tests start on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import PREFIXES, kg


def test_cli_against_a_sparql_endpoint(oxigraph_server: str, sample_dir: Path) -> None:
    from kg.store import GraphStore

    GraphStore(oxigraph_server).ox.update("DROP SILENT ALL")
    run = kg("ingest", str(sample_dir), "--store", oxigraph_server)
    assert run.returncode == 0, run.stderr
    assert "ingested 4 documents (0 failed)" in run.stdout and oxigraph_server in run.stdout
    again = kg("ingest", str(sample_dir), "--store", oxigraph_server)
    assert again.stdout.count("\tunchanged\t") == 4
    check = kg("validate", "--store", oxigraph_server)
    assert check.returncode == 0 and "conforms (5 graphs" in check.stdout
    query = PREFIXES + "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a kgo:Document }"
    rows = json.loads(kg("query", query, "--format", "json", "--store", oxigraph_server).stdout)
    assert rows["results"]["bindings"][0]["n"]["value"] == "4"
    assert kg("retract", "treasury-release", "--store", oxigraph_server).returncode == 0
    rows = json.loads(kg("query", query, "--format", "json", "--store", oxigraph_server).stdout)
    assert rows["results"]["bindings"][0]["n"]["value"] == "3"
    assert kg("validate", "--store", oxigraph_server).returncode == 0


def test_api_against_a_sparql_endpoint(oxigraph_server: str, sample_dir: Path) -> None:
    from api import create_app
    from kg.store import GraphStore

    GraphStore(oxigraph_server).ox.update("DROP SILENT ALL")
    assert kg("ingest", str(sample_dir), "--store", oxigraph_server).returncode == 0
    client = create_app({"KG_STORE": oxigraph_server, "TESTING": True}).test_client()
    hits = client.get("/api/entities", query_string={"q": "lazarus"}).get_json()
    assert hits["results"][0]["label"] == "Lazarus Group"
    hood = client.get(
        "/api/neighbourhood", query_string={"node": "Lazarus Group", "depth": 2}
    ).get_json()
    assert len(hood["nodes"]) > 3 and any(e["documents"] >= 1 for e in hood["edges"])
    card = client.get("/api/entities/threat-actor/lazarus-group").get_json()
    assert card["relations"]
    answer = client.get(
        "/sparql",
        query_string={"query": "ASK { ?s a <https://w3id.org/threat-kg/ontology#Document> }"},
        headers={"Accept": "application/sparql-results+json"},
    ).get_json()
    assert answer["boolean"] is True
    bad = client.get("/sparql", query_string={"query": "SELECT WHERE {"})
    assert bad.status_code == 400
