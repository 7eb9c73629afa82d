"""Concurrency: ingesting and querying clients against one server at once; and a query
of death cut off while others keep being answered."""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

from extract.readers import read_bytes
from kg.ingest import ingest_extraction
from kg.store import GraphStore
from tests.bench import corpus
from tests.faults.server import Server
from tests.faults.test_crash import comparable

#: seconds of load in the suite; ``make soak`` sets more
SECONDS = float(os.environ.get("KG_FAULT_SECONDS", "30"))
INGESTERS, QUERIERS = 4, 16

QUERIES = [
    "/sparql?" + urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}),
    "/sparql?"
    + urllib.parse.urlencode(
        {
            "query": "SELECT ?p ?o WHERE { "
            "<https://w3id.org/threat-kg/id/threat-actor/lazarus-group> ?p ?o } LIMIT 50"
        }
    ),
    "/api/entities?q=laz",
    "/api/neighbourhood?node=Lazarus%20Group&depth=2",
    "/api/sentences?q=banks",
    "/api/documents",
]


def test_ingest_and_query_clients_at_once(tmp_path: Path, extractor, graph_settings) -> None:  # type: ignore[no-untyped-def]
    docs = corpus(words=400 * 320, seed=5)
    store = tmp_path / "store"
    server = Server(store, threads=8)
    server.start()
    stop = time.monotonic() + SECONDS
    acked: dict[str, str] = {}
    statuses: Counter[tuple[str, int]] = Counter()
    bad: list[str] = []
    lock = threading.Lock()
    queue = list(enumerate(docs))

    def ingester() -> None:
        while time.monotonic() < stop:
            with lock:
                if not queue:
                    return
                n, text = queue.pop(0)
            name = f"doc-{n:04d}.txt"
            status, body = server.ingest(name, text)
            with lock:
                statuses[("ingest", status)] += 1
                if status == 201:
                    acked[name] = text
                else:
                    bad.append(f"ingest {name}: {status} {body}")

    def querier(k: int) -> None:
        i = k
        while time.monotonic() < stop:
            path = QUERIES[i % len(QUERIES)]
            i += 1
            status, body, ctype = server.request("GET", path)
            with lock:
                statuses[("query", status)] += 1
            if status == 200:
                continue
            # the only refusals allowed: a query cut off by its deadline, said plainly, or
            # a node no document has named yet
            problem = json.loads(body) if ctype.startswith("application/problem+json") else {}
            if status == 404 and "neighbourhood" in path:
                continue
            with lock:
                bad.append(f"{path}: {status} {problem or body[:200]!r}")

    threads = [threading.Thread(target=ingester) for _ in range(INGESTERS)]
    threads += [threading.Thread(target=querier, args=(k,)) for k in range(QUERIERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(SECONDS + 180)
    server.stop()
    assert bad == []
    assert all(status < 500 for _, status in statuses)
    served = sum(n for (kind, _), n in statuses.items() if kind == "query")
    assert served > 100 and len(acked) >= 8

    # nothing lost, nothing twice: the store equals a sequential ingest of the same documents
    concurrent = GraphStore(store, read_only=True)
    ids = sorted(iri.rsplit("/doc/", 1)[1] for iri in concurrent.document_iris())
    assert ids == sorted(name.removesuffix(".txt") for name in acked)
    sequential = GraphStore(tmp_path / "sequential")
    for name in sorted(acked):
        source = read_bytes(
            acked[name].encode(), name=name, suffix=".txt", doc_id=name.removesuffix(".txt")
        )
        ingest_extraction(
            sequential, extractor.extract(source), catalogue=extractor.catalogue,
            settings=graph_settings,
        )  # fmt: skip
    for graph in [*concurrent.named_graphs()]:
        assert comparable(concurrent.graph(graph)) == comparable(sequential.graph(graph)), graph
    assert set(concurrent.named_graphs()) == set(sequential.named_graphs())
    print(f"{served} queries and {len(acked)} ingests served in {SECONDS:g} s: {dict(statuses)}")


def test_query_of_death_is_cut_off_while_others_are_answered(
    tmp_path: Path, sample_store: Path
) -> None:  # type: ignore[no-untyped-def]
    import shutil

    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    server = Server(store, extra_env={"KG_QUERY_TIMEOUT": "3"})
    server.start()
    death = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    simple = "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s a ?t }"})
    outcome: list[tuple[int, dict[str, object], float]] = []

    def run_death() -> None:
        start = time.monotonic()
        status, body, _ = server.request(
            "POST", "/sparql", death.encode(), {"Content-Type": "application/sparql-query"}
        )
        outcome.append((status, json.loads(body), time.monotonic() - start))

    try:
        thread = threading.Thread(target=run_death)
        thread.start()
        answered = 0
        while thread.is_alive():
            status, _, _ = server.request("GET", simple, timeout=10)
            assert status == 200
            answered += 1
        thread.join()
    finally:
        server.stop()
    status, problem, seconds = outcome[0]
    assert status == 503 and problem["title"] == "Query cut off"
    assert "deadline" in str(problem["detail"])
    assert 2.5 < seconds < 10
    assert answered >= 20  # the server kept answering while the query ran
