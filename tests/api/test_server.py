"""A real WSGI server started by the test, queried by real SPARQL clients."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.parse
import urllib.request

import pytest
from rdflib import Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, XML, SPARQLWrapper

QUERY = (
    "PREFIX kgo: <https://w3id.org/threat-kg/ontology#> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "SELECT ?actor WHERE { ?a kgo:partOf ?b ; rdfs:label ?actor . "
    "?b rdfs:label 'Reconnaissance General Bureau' }"
)


def test_served_by_a_production_server(server: str) -> None:
    with urllib.request.urlopen(server + "/healthz") as resp:
        assert resp.headers["Server"] == "threat-kg"
        assert json.loads(resp.read())["status"] == "ok"


def test_sparqlwrapper_json_xml_csv(server: str) -> None:
    for fmt in (JSON, XML, CSV):
        client = SPARQLWrapper(server + "/sparql")
        client.setQuery(QUERY)
        client.setReturnFormat(fmt)
        response = client.query()
        result = response.convert()
        response.response.close()  # SPARQLWrapper leaves the HTTP response open
        text = (
            json.dumps(result)
            if fmt == JSON
            else (
                result.toxml() if fmt == XML else result.decode("utf-8")  # type: ignore[union-attr]
            )
        )
        assert "Lazarus Group" in text, fmt


def test_rdflib_sparqlstore(server: str) -> None:
    graph = Graph(store=SPARQLStore(server + "/sparql"))
    actors = {str(row[0]) for row in graph.query(QUERY)}
    assert {"Lazarus Group", "Kimsuky"} <= actors


def test_neighbourhood_over_http(server: str) -> None:
    url = server + "/api/neighbourhood?" + urllib.parse.urlencode({"node": "Kimsuky"})
    with urllib.request.urlopen(url) as resp:
        data = json.loads(resp.read())
    assert any(n["label"] == "spear-phishing" for n in data["nodes"])


@pytest.mark.skipif(
    shutil.which("roqet") is None, reason="roqet (rasqal-utils) is installed by .ci/run"
)
def test_roqet_asks_for_xml_and_gets_it(server: str) -> None:
    """Debian's roqet asks for SPARQL XML results only."""
    run = subprocess.run(
        [
            "roqet",
            "-q",
            "-r",
            "csv",
            "-p",
            server + "/sparql",
            "-e",
            "SELECT DISTINCT ?actor WHERE { ?a a <https://w3id.org/threat-kg/ontology#ThreatActor> "
            "; <http://www.w3.org/2000/01/rdf-schema#label> ?actor } ORDER BY ?actor",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    actors = run.stdout.split("\n")[1:]
    assert {"Kimsuky", "Lazarus Group"} <= {a.strip() for a in actors}
