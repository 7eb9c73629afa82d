"""``make bench`` (HTTP part): a 1-hop SPARQL query through ``/sparql`` under a bounded
local load, beside ``oxigraph serve`` on the same data and query; and ``/api/neighbourhood``
at depth 2. Loopback only; the load stops by itself.
"""

from __future__ import annotations

import http.client
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from tests.bench_store import build_store

NODE = "https://w3id.org/threat-kg/id/organization/org-7-1-trading-company"
QUERY = f"SELECT ?p ?o WHERE {{ <{NODE}> ?p ?o }}"
CONNECTIONS, SECONDS = 4, 8.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(port: int, path: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on {port} did not start")


def load(port: int, path: str) -> tuple[float, list[float], int]:
    """Requests/s, latencies (s) and errors of CONNECTIONS keep-alive clients for SECONDS."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + SECONDS

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        while time.monotonic() < stop:
            start = time.perf_counter()
            conn.request("GET", path, headers={"Accept": "application/sparql-results+json"})
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - start)
            if response.status != 200:
                errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(CONNECTIONS)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies) / (time.monotonic() - start), latencies, errors[0]


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000


def main() -> int:
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as tmp:
        ours, theirs = Path(tmp) / "ours", Path(tmp) / "theirs"
        quads = build_store(ours, 210)
        shutil.copytree(ours, theirs)
        p1, p2 = free_port(), free_port()
        procs = [
            subprocess.Popen(
                [
                    str(bin_dir / "kg"),
                    "serve",
                    "--no-ingest",
                    "--store",
                    str(ours),
                    "--port",
                    str(p1),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ),
            subprocess.Popen(
                [
                    str(bin_dir / "oxigraph"),
                    "serve",
                    "--location",
                    str(theirs),
                    "--bind",
                    f"127.0.0.1:{p2}",
                    "--union-default-graph",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ),
        ]
        try:
            path = "/sparql?" + urllib.parse.urlencode({"query": QUERY})
            wait_for(p1, "/healthz")
            wait_for(p2, path.replace("/sparql", "/query"))
            rps_ours, lat_ours, err_ours = load(p1, path)
            rps_theirs, lat_theirs, err_theirs = load(p2, path.replace("/sparql", "/query"))
            hood = "/api/neighbourhood?" + urllib.parse.urlencode({"node": NODE, "depth": 2})
            conn = http.client.HTTPConnection("127.0.0.1", p1, timeout=30)
            times = []
            for _ in range(40):
                start = time.perf_counter()
                conn.request("GET", hood)
                conn.getresponse().read()
                times.append(time.perf_counter() - start)
            normal, during = query_of_death(p1)
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(timeout=10)
    print(f"1-hop SPARQL over {quads:,} quads, {CONNECTIONS} connections, {SECONDS:g} s each:")
    print(
        f"  threat-kg /sparql  {rps_ours:>8,.0f} req/s  p50 {pct(lat_ours, 50):.1f} ms  "
        f"p99 {pct(lat_ours, 99):.1f} ms  errors {err_ours}"
    )
    print(
        f"  oxigraph serve     {rps_theirs:>8,.0f} req/s  p50 {pct(lat_theirs, 50):.1f} ms  "
        f"p99 {pct(lat_theirs, 99):.1f} ms  errors {err_theirs}"
    )
    print(
        f"  ratio {rps_ours / rps_theirs:.2f} (target >= 0.6, p99 < 10 ms); the load client "
        "shares the two cores with the servers"
    )
    print(
        f"/api/neighbourhood depth 2: p50 {statistics.median(times) * 1000:.1f} ms (target < 20 ms)"
    )
    print(
        f"simple query p95 {pct(normal, 95):.1f} ms alone, {pct(during, 95):.1f} ms while a query "
        f"of death runs: ratio {pct(during, 95) / pct(normal, 95):.2f} (target <= 2)"
    )
    return 0


def query_of_death(port: int) -> tuple[list[float], list[float]]:
    """Latencies of a simple query alone, then while a 4-way cartesian COUNT runs (it
    holds one query worker and one core until its deadline)."""
    simple = "/sparql?" + urllib.parse.urlencode({"query": QUERY})
    death = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"

    def timed(n: int) -> list[float]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        found = []
        for _ in range(n):
            start = time.perf_counter()
            conn.request("GET", simple, headers={"Accept": "application/sparql-results+json"})
            conn.getresponse().read()
            found.append(time.perf_counter() - start)
        return found

    normal = timed(300)

    def run_death() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("POST", "/sparql", death, {"Content-Type": "application/sparql-query"})
        try:
            conn.getresponse().read()
        except OSError:
            pass  # the server stops at the end of the bench, before the deadline

    threading.Thread(target=run_death, daemon=True).start()
    time.sleep(0.5)
    return normal, timed(300)


if __name__ == "__main__":
    sys.exit(main())
