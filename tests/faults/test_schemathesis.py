"""Schemathesis, a real OpenAPI fuzzer, against a real server: every operation of
``/api/openapi.json`` with generated valid and invalid input; no server error, no status
code, content type, header or body the description does not allow."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.server import TOKEN, Server

#: examples per operation; ``make soak`` sets more
EXAMPLES = os.environ.get("KG_FUZZ_EXAMPLES", "25")
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "unsupported_method",
    ]
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sample_store: Path) -> Iterator[Server]:
    store = tmp_path_factory.mktemp("fuzzed") / "store"
    shutil.copytree(sample_store, store)
    server = Server(store)
    server.start()
    yield server
    server.stop()


def test_schemathesis_finds_nothing(server: Server, tmp_path: Path) -> None:
    binary = str(Path(sys.executable).with_name("schemathesis"))
    run = subprocess.run(
        [
            binary, "run", f"http://127.0.0.1:{server.port}/api/openapi.json",
            "--max-examples", EXAMPLES, "--seed", "20261125",
            "--checks", CHECKS,
            "--phases", "examples,coverage,fuzzing",
            "--header", f"Authorization: Bearer {TOKEN}",
            "--request-timeout", "60",
            "--warnings", "off",
        ],
        capture_output=True, text=True, timeout=900, cwd=tmp_path,
        env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    found = re.search(r"(\d+) generated", run.stdout)
    assert found, run.stdout[-3000:]
    assert run.returncode == 0, run.stdout[-6000:]
    assert int(found.group(1)) >= 200
    print(f"schemathesis: {found.group(1)} cases, 0 failures")
