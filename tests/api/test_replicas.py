"""``kg serve --workers N``: read-only processes over one store, writers barred meanwhile."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from SPARQLWrapper import JSON, XML, SPARQLWrapper

from tests.api.conftest import KG, free_port

ACTORS = (
    "PREFIX kgo: <https://w3id.org/threat-kg/ontology#> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "SELECT DISTINCT ?actor WHERE { ?a a kgo:ThreatActor ; rdfs:label ?actor }"
)


@dataclass
class Replicas:
    url: str
    store: Path
    proc: subprocess.Popen[bytes]


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first), or None."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def children(pid: int) -> dict[int, str]:
    """The processes whose parent is ``pid``, with their start times."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        fields = _stat(int(stat.parent.name))
        if fields is not None and int(fields[1]) == pid:
            found[int(stat.parent.name)] = fields[19]
    return found


def running(pid: int, started: str) -> bool:
    """Whether the process is still running: not ended (a zombie has ended, and waits
    only for whoever reaps it), and not another process that took its number."""
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z" and fields[19] == started


@pytest.fixture
def replicas(sample_store: Path, tmp_path: Path) -> Iterator[Replicas]:
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    env["KG_API_TOKEN"] = "replica-token"
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [KG, "serve", "--workers", "2", "--store", str(store), "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"kg serve --workers did not start: {log.read_text()}") from None
            time.sleep(0.2)
    yield Replicas(url, store, proc)
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=30)


def test_replicas_answer_real_clients_from_two_processes(replicas: Replicas) -> None:
    assert len(children(replicas.proc.pid)) == 2

    def ask(fmt: str) -> str:
        client = SPARQLWrapper(replicas.url + "/sparql")
        client.setQuery(ACTORS)
        client.setReturnFormat(fmt)
        response = client.query()
        text = str(response.convert().toxml() if fmt == XML else response.convert())  # type: ignore[union-attr]
        response.response.close()
        return text

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(ask, [JSON, XML] * 20))
    assert all("Lazarus Group" in a for a in answers)


def test_replicas_refuse_changes_even_with_the_token(replicas: Replicas) -> None:
    update = "INSERT DATA { GRAPH <urn:x> { <urn:a> <urn:b> <urn:c> } }"
    request = urllib.request.Request(
        replicas.url + "/sparql",
        data=update.encode(),
        headers={
            "Content-Type": "application/sparql-update",
            "Authorization": "Bearer replica-token",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code == 403
    assert refused.value.headers["Content-Type"] == "application/problem+json"
    assert b"read-only" in refused.value.read()
    ask = urllib.parse.urlencode({"query": "ASK { GRAPH ?g { <urn:a> ?p ?o } }"})
    with urllib.request.urlopen(
        urllib.request.Request(
            f"{replicas.url}/sparql?{ask}",
            headers={"Accept": "application/sparql-results+json"},
        )
    ) as resp:
        assert b"false" in resp.read()


def test_writers_are_barred_while_replicas_run(replicas: Replicas) -> None:
    retract = [KG, "retract", "no-such-document", "--store", str(replicas.store)]
    run = subprocess.run(retract, capture_output=True, text=True, timeout=120)
    assert run.returncode != 0
    assert run.stderr.count("\n") == 1 and "cannot open the store" in run.stderr

    replicas.proc.send_signal(signal.SIGTERM)
    replicas.proc.wait(timeout=30)
    run = subprocess.run(retract, capture_output=True, text=True, timeout=120)
    assert "cannot open the store" not in run.stderr


def test_replicas_end_with_their_parent(replicas: Replicas) -> None:
    workers = children(replicas.proc.pid)
    assert workers
    replicas.proc.kill()  # SIGKILL: the lock on the store goes with it
    replicas.proc.wait(timeout=30)
    deadline = time.monotonic() + 20
    while any(running(*w) for w in workers.items()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid, started in workers.items() if running(pid, started)]


def test_workers_need_a_store_folder() -> None:
    run = subprocess.run(
        [KG, "serve", "--workers", "2", "--store", "http://127.0.0.1:9/query"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0
    assert "--workers needs a store folder" in run.stderr
