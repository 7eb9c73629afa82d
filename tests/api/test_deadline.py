"""A query of death is cut off at its deadline while other queries keep being answered."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from api import create_app

# a cartesian product: several seconds of work here, finite so the abandoned evaluation
# does not burn a core for the rest of the session
DEATH = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?x a <https://w3id.org/threat-kg/ontology#Document> . "
    "?a ?p ?b . ?c ?q ?d }"
)
SIMPLE = "SELECT ?s WHERE { ?s a <https://w3id.org/threat-kg/ontology#ThreatActor> } LIMIT 3"


def test_query_of_death_is_cut_off(sample_store: Path) -> None:
    app = create_app(
        {
            "KG_STORE": str(sample_store),
            "KG_READ_ONLY": True,
            "KG_QUERY_TIMEOUT": 1.0,
            "TESTING": True,
        }
    )
    client = app.test_client()
    answers: list[float] = []

    def simple_queries() -> None:
        other = app.test_client()
        end = time.monotonic() + 1.2
        while time.monotonic() < end:
            start = time.perf_counter()
            resp = other.get("/sparql", query_string={"query": SIMPLE})
            assert resp.status_code == 200
            answers.append(time.perf_counter() - start)

    worker = threading.Thread(target=simple_queries)
    start = time.monotonic()
    worker.start()
    resp = client.get("/sparql", query_string={"query": DEATH})
    elapsed = time.monotonic() - start
    worker.join()
    assert resp.status_code == 503
    assert resp.mimetype == "application/problem+json"
    assert "deadline" in resp.get_json()["detail"]
    assert elapsed < 10
    assert len(answers) >= 5  # others were answered meanwhile


def test_running_queries_are_capped(sample_store: Path) -> None:
    app = create_app(
        {
            "KG_STORE": str(sample_store),
            "KG_READ_ONLY": True,
            "KG_QUERY_TIMEOUT": 0.3,
            "KG_MAX_RUNNING_QUERIES": 1,
            "TESTING": True,
        }
    )
    client = app.test_client()
    assert client.get("/sparql", query_string={"query": DEATH}).status_code == 503
    busy = client.get("/sparql", query_string={"query": SIMPLE})
    assert busy.status_code == 503 and busy.get_json()["title"] == "Busy"
