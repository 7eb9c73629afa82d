"""Fixtures: a store built from the sample corpus, an app over it, a client; a real server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api import create_app

KG = str(Path(sys.executable).with_name("kg"))


@pytest.fixture
def app(sample_store: Path) -> Iterator[Flask]:
    app = create_app({"KG_STORE": str(sample_store), "KG_READ_ONLY": True, "TESTING": True})
    yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def server(sample_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``kg serve`` in its own process on 127.0.0.1, over a copy of the sample store."""
    import shutil

    store = tmp_path_factory.mktemp("served") / "store"
    shutil.copytree(sample_store, store)
    port = free_port()
    log = (store.parent / "serve.log").open("w")
    proc = subprocess.Popen(
        [KG, "serve", "--store", str(store), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("KG_")},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as resp:
                if resp.status == 200:
                    break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                log.close()
                output = (store.parent / "serve.log").read_text()
                raise RuntimeError(f"kg serve did not start: {output}") from None
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=10)
    log.close()
