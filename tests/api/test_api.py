"""The API through Flask's test client: SPARQL, neighbourhoods, search, errors."""

from __future__ import annotations

import json

from flask.testing import FlaskClient

PREFIXES = (
    "PREFIX kgo: <https://w3id.org/threat-kg/ontology#> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
)
TARGETS = PREFIXES + (
    "SELECT ?sector WHERE { ?nk rdfs:label 'North Korea' ; kgo:targets ?s . "
    "?s a kgo:Sector ; rdfs:label ?sector }"
)


def test_sparql_get_json(client: FlaskClient) -> None:
    resp = client.get(
        "/sparql",
        query_string={"query": TARGETS},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert resp.status_code == 200
    assert resp.mimetype == "application/sparql-results+json"
    sectors = {b["sector"]["value"] for b in resp.get_json()["results"]["bindings"]}
    assert {"government agencies", "national infrastructure", "supply chains"} <= sectors


def test_sparql_post_forms_and_formats(client: FlaskClient) -> None:
    form = client.post("/sparql", data={"query": TARGETS}, headers={"Accept": "text/csv"})
    assert form.status_code == 200 and form.mimetype == "text/csv"
    assert "government agencies" in form.get_data(as_text=True)
    direct = client.post(
        "/sparql",
        data=TARGETS,
        content_type="application/sparql-query",
        headers={"Accept": "application/sparql-results+xml"},
    )
    assert direct.status_code == 200 and b"<sparql" in direct.data
    tsv = client.get("/sparql", query_string={"query": TARGETS, "format": "tsv"})
    assert tsv.mimetype == "text/tab-separated-values" and "?sector" in tsv.get_data(as_text=True)


def test_construct_is_turtle(client: FlaskClient) -> None:
    query = PREFIXES + "CONSTRUCT { ?a kgo:partOf ?b } WHERE { ?a kgo:partOf ?b }"
    resp = client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/turtle"})
    assert resp.status_code == 200 and resp.mimetype == "text/turtle"
    assert "reconnaissance-general-bureau" in resp.get_data(as_text=True)


def test_sparql_errors_are_problems(client: FlaskClient) -> None:
    resp = client.get("/sparql", query_string={"query": "SELECT WHERE {"})
    assert resp.status_code == 400
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["status"] == 400 and "syntax" in body["detail"].lower()
    missing = client.post("/sparql", data={"q": "x"})
    assert missing.status_code == 400
    unacceptable = client.get(
        "/sparql", query_string={"query": TARGETS}, headers={"Accept": "image/png"}
    )
    assert unacceptable.status_code == 406


def test_neighbourhood_by_label(client: FlaskClient) -> None:
    resp = client.get("/api/neighbourhood", query_string={"node": "Lazarus Group", "depth": 1})
    assert resp.status_code == 200
    data = resp.get_json()
    labels = {n["label"] for n in data["nodes"]}
    assert {"Lazarus Group", "Reconnaissance General Bureau"} <= labels
    assert any(e["predicate"] == "partOf" for e in data["edges"])
    deeper = client.get(
        "/api/neighbourhood", query_string={"node": "Lazarus Group", "depth": 2}
    ).get_json()
    assert len(deeper["nodes"]) > len(data["nodes"])


def test_neighbourhood_errors(client: FlaskClient) -> None:
    assert (
        client.get("/api/neighbourhood", query_string={"node": "Nobody Group"}).status_code == 404
    )
    bad = client.get("/api/neighbourhood", query_string={"node": "Lazarus", "depth": "x"})
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"
    assert (
        client.get("/api/neighbourhood", query_string={"node": "Lazarus", "depth": 9}).status_code
        == 400
    )


def test_entity_search_by_alias(client: FlaskClient) -> None:
    resp = client.get("/api/entities", query_string={"q": "hidden cobra"})
    assert resp.status_code == 200
    assert resp.get_json()["results"][0]["label"] == "Lazarus Group"
    states = client.get("/api/entities", query_string={"q": "korea", "type": "STATE"}).get_json()
    assert {"North Korea", "South Korea"} <= {r["label"] for r in states["results"]}
    assert all(r["type"] == "STATE" for r in states["results"])


def test_health_and_index(client: FlaskClient) -> None:
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok" and health["quads"] > 0
    with client.get("/") as page:
        assert page.status_code == 200 and b"threat-kg explorer" in page.data
    unknown = client.get("/nowhere")
    assert unknown.status_code == 404 and json.loads(unknown.data)["status"] == 404


def test_neighbourhood_formats_load_in_networkx(client: FlaskClient) -> None:
    import networkx as nx

    params = {"node": "Lazarus Group", "depth": 2, "format": "node-link"}
    data = client.get("/api/neighbourhood", query_string=params).get_json()
    graph = nx.node_link_graph(data, edges="edges")
    assert graph.number_of_nodes() == len(data["nodes"]) > 3
    root = data["graph"]["root"]
    assert graph.nodes[root]["label"] == "Lazarus Group"
    stated = [e for e in data["edges"] if e["documents"] >= 1]
    assert stated and all(0 < e["confidence"] <= 1 for e in stated)
    cyto = client.get(
        "/api/neighbourhood", query_string={**params, "format": "cytoscape"}
    ).get_json()
    assert all("id" in e["data"] for e in cyto["elements"]["edges"])


def test_neighbourhood_filters(client: FlaskClient) -> None:
    params = {"node": "Lazarus Group", "depth": 1, "types": "SECTOR", "predicates": "targets"}
    data = client.get("/api/neighbourhood", query_string=params).get_json()
    assert data["edges"] and all(e["predicate"] == "targets" for e in data["edges"])
    assert {n["type"] for n in data["nodes"]} <= {"SECTOR", "THREAT_ACTOR"}
    bad = client.get("/api/neighbourhood", query_string={"node": "Lazarus", "types": "PLANET"})
    assert bad.status_code == 400 and "PLANET" in bad.get_json()["detail"]


def test_entity_card(client: FlaskClient) -> None:
    card = client.get("/api/entities/threat-actor/kimsuky").get_json()
    assert card["label"] == "Kimsuky" and card["type"] == "THREAT_ACTOR"
    assert "https://attack.mitre.org/groups/G0094/" in card["external_links"]
    targets = [r for r in card["relations"] if r["predicate"] == "targets"]
    assert targets and all(r["evidence"] and r["document_title"] for r in targets)
    by_label = client.get("/api/entities/Kimsuky").get_json()
    assert by_label["iri"] == card["iri"]
    assert client.get("/api/entities/threat-actor/nobody").status_code == 404


def test_sentence_search_goes_from_words_to_graph(client: FlaskClient) -> None:
    hits = client.get("/api/sentences", query_string={"q": "spear-phishing"}).get_json()["results"]
    assert hits and all("spear-phishing" in h["sentence"].lower() for h in hits)
    assert any(e["label"] == "Kimsuky" for h in hits for e in h["entities"])
    about = client.get("/api/sentences", query_string={"entity": "Andariel"}).get_json()
    assert about["results"] and all(
        any(e["label"] == "Andariel" for e in h["entities"]) for h in about["results"]
    )
    assert client.get("/api/sentences").status_code == 400


def test_service_description_and_explorer(client: FlaskClient) -> None:
    from rdflib import Graph, Namespace

    sd = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert sd.status_code == 200 and sd.mimetype == "text/turtle"
    graph = Graph().parse(data=sd.get_data(as_text=True), format="turtle")
    void = Namespace("http://rdfs.org/ns/void#")
    from rdflib import RDF

    dataset = next(graph.subjects(RDF.type, void.Dataset))
    triples = int(graph.value(dataset, void.triples))  # type: ignore[arg-type]
    assert triples > 1000
    classes = {str(c) for c in graph.objects(None, void["class"])}
    assert "https://w3id.org/threat-kg/ontology#ThreatActor" in classes
    with client.get("/sparql", headers={"Accept": "text/html"}) as page:
        assert b"threat-kg explorer" in page.data


def test_protocol_dataset_and_graph_store(client: FlaskClient) -> None:
    doc = "https://w3id.org/threat-kg/id/doc/advisory-kimsuky"
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    one = client.get(
        "/sparql", query_string={"query": count, "default-graph-uri": doc, "format": "csv"}
    )
    everything = client.get("/sparql", query_string={"query": count, "format": "csv"})
    assert int(one.get_data(as_text=True).split()[1]) < int(
        everything.get_data(as_text=True).split()[1]
    )
    unknown = client.get("/sparql", query_string={"query": count, "default-graph-uri": "urn:x"})
    assert unknown.status_code == 400
    whole = client.get(
        "/rdf-graph-store", query_string={"graph": doc}, headers={"Accept": "application/n-triples"}
    )
    assert whole.status_code == 200 and whole.mimetype == "application/n-triples"
    assert len(whole.get_data(as_text=True).splitlines()) == int(
        one.get_data(as_text=True).split()[1]
    )
    assert client.get("/rdf-graph-store", query_string={"graph": "urn:none"}).status_code == 404


def test_cors_is_off_unless_configured(client: FlaskClient, sample_store) -> None:  # type: ignore[no-untyped-def]
    from api import create_app

    plain = client.get("/healthz", headers={"Origin": "https://yasgui.example"})
    assert "Access-Control-Allow-Origin" not in plain.headers
    app = create_app(
        {
            "KG_STORE": str(sample_store),
            "KG_READ_ONLY": True,
            "KG_CORS_ORIGINS": "https://yasgui.example",
        }
    )
    allowed = app.test_client().get("/healthz", headers={"Origin": "https://yasgui.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://yasgui.example"


def test_openapi_documents_every_route(client: FlaskClient, app) -> None:  # type: ignore[no-untyped-def]
    import re

    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, (path, method)
