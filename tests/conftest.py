"""Shared fixtures: the shared corpus, one extractor per session, stores on disk."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.catalogue import Catalogue, default_catalogue
from kg.namespace import DEFAULT_BASE_IRI
from kg.rdf import GraphSettings
from kg.store import GraphStore

REPO = Path(__file__).resolve().parents[1]
KG = str(Path(sys.executable).with_name("kg"))
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared() -> Path:
    """``../shared`` beside the repository (CI lays it there too)."""
    assert (SHARED / "corpus" / "dev").is_dir(), f"the shared corpus is missing at {SHARED}"
    return SHARED


@pytest.fixture(scope="session")
def seed_path(shared: Path) -> Path:
    paths = sorted((shared / "corpus" / "seed").glob("*.txt"))
    assert paths, "the seed record is missing"
    return paths[0]


@pytest.fixture(scope="session")
def dev_dir(shared: Path) -> Path:
    return shared / "corpus" / "dev"


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return REPO / "sample-corpus"


@pytest.fixture(scope="session")
def sample_store(
    tmp_path_factory: pytest.TempPathFactory, sample_dir: Path, seed_path: Path
) -> Path:
    store = tmp_path_factory.mktemp("api") / "store"
    run = subprocess.run(
        [KG, "ingest", str(sample_dir), str(seed_path), "--store", str(store)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    return store


@pytest.fixture(scope="session")
def extractor():  # type: ignore[no-untyped-def]
    from extract.extractor import Extractor

    return Extractor.default()


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return default_catalogue()


@pytest.fixture
def graph_settings() -> GraphSettings:
    return GraphSettings(DEFAULT_BASE_IRI)


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``oxigraph serve`` on 127.0.0.1, as a team would run a shared store."""
    import socket
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    location = tmp_path_factory.mktemp("oxigraph") / "store"
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("oxigraph")), "serve", "--location", str(location),
         "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/query"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("oxigraph serve did not start") from None
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(params=["embedded", "oxigraph-serve"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """Each store test runs on the embedded store and on a SPARQL endpoint."""
    if request.param == "embedded":
        yield GraphStore(tmp_path / "store")
        return
    remote = GraphStore(request.getfixturevalue("oxigraph_server"))
    remote.ox.update("DROP SILENT ALL")
    yield remote


@pytest.fixture
def canary() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1 that records every request it gets (and answers with a
    small JSON-LD context, should anything ever ask for one)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/ld+json")
            self.end_headers()
            self.wfile.write(b'{"@context": {"p": "http://example.org/p"}}')

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()
