"""Crash safety: the server is killed with SIGKILL while documents are being ingested
through the API; every acknowledged document must be there, whole, after a restart."""

from __future__ import annotations

import os
import random
import subprocess
import threading
import time
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import PROV

from extract.readers import read_bytes
from kg.rdf import build_document_graph
from kg.store import GraphStore
from tests.bench import corpus
from tests.faults.server import KG, Server

#: kills in the suite; ``make soak`` sets 200
KILLS = int(os.environ.get("KG_FAULT_KILLS", "20"))


def comparable(graph: Graph) -> set[tuple[object, ...]]:
    """Triples less the extraction time, literals as values (the store keeps
    "0.900"^^xsd:decimal as "0.9")."""
    return {
        tuple((t.toPython(), t.datatype) if isinstance(t, Literal) else t for t in triple)
        for triple in graph
        if triple[1] != PROV.generatedAtTime
    }


def test_acknowledged_documents_survive_sigkill(tmp_path: Path, extractor, graph_settings) -> None:  # type: ignore[no-untyped-def]
    docs = corpus(words=KILLS * 12 * 320, seed=3)
    names = [f"doc-{n:04d}.txt" for n in range(len(docs))]
    store = tmp_path / "store"
    server = Server(store)
    acked: dict[str, str] = {}
    refused: list[object] = []
    position = [0]
    rng = random.Random(20261125)
    kills = 0
    try:
        while kills < KILLS and position[0] < len(docs):
            server.start()
            first_ack = threading.Event()

            def client(first_ack: threading.Event = first_ack) -> None:
                while position[0] < len(docs):
                    n = position[0]
                    try:
                        status, body = server.ingest(names[n], docs[n])
                    except OSError:
                        return  # killed mid-request: not acknowledged
                    if status != 201:
                        refused.append((names[n], status, body))
                        first_ack.set()
                        return
                    acked[names[n]] = docs[n]
                    position[0] += 1
                    first_ack.set()

            thread = threading.Thread(target=client, daemon=True)
            thread.start()
            assert first_ack.wait(120), "no document acknowledged after a restart"
            assert refused == []
            time.sleep(rng.uniform(0.0, 1.2))  # a random moment of steady ingest
            server.kill()
            kills += 1
            thread.join(60)
    finally:
        server.stop()
    assert refused == []
    assert kills == KILLS and len(acked) >= KILLS

    graphs = GraphStore(store, read_only=True)
    present = {iri.rsplit("/doc/", 1)[1]: iri for iri in graphs.document_iris()}
    # every acknowledged document is there
    missing = sorted(name for name in acked if name.removesuffix(".txt") not in present)
    assert missing == []
    # and every document there, acknowledged or caught in flight, is whole
    texts = dict(zip(names, docs, strict=True))
    for doc_id, iri in present.items():
        source = read_bytes(
            texts[doc_id + ".txt"].encode(), name=doc_id + ".txt", suffix=".txt", doc_id=doc_id
        )
        _, expected = build_document_graph(
            extractor.extract(source), extractor.catalogue, graph_settings
        )
        assert comparable(graphs.graph(iri)) == comparable(expected), doc_id
    del graphs
    run = subprocess.run([KG, "validate", "--store", str(store)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-2000:]
    print(f"{kills} kills, {len(acked)} acknowledged, {len(present)} stored, 0 lost")
