"""The README stays true: its SPARQL examples run and return what it promises, and every
command it lists exists."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from kg.sparql import select_rows
from kg.store import GraphStore

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
QUERIES = re.findall(r"```sparql\n(.*?)```", README, flags=re.S)


@pytest.fixture(scope="module")
def store(sample_store: Path) -> GraphStore:
    return GraphStore(sample_store, read_only=True)


def test_readme_has_the_three_queries() -> None:
    assert len(QUERIES) == 3


def test_facts_about_an_entity_with_evidence(store: GraphStore) -> None:
    rows = select_rows(store, QUERIES[0])
    assert rows and all("Lazarus" in r["evidence"] for r in rows)
    assert {"partOf", "targets"} <= {r["predicate"].rsplit("#", 1)[1] for r in rows}
    assert all(r["doc"].startswith("https://w3id.org/threat-kg/id/doc/") for r in rows)


def test_documents_that_support_a_fact(store: GraphStore) -> None:
    rows = select_rows(store, QUERIES[1])
    assert [r["doc"].rsplit("/", 1)[1] for r in rows] == ["advisory-kimsuky"]


def test_facts_stated_by_two_or_more_documents(store: GraphStore) -> None:
    rows = select_rows(store, QUERIES[2])
    assert rows and all(int(r["documents"]) >= 2 for r in rows)
    facts = {
        (r["s"].rsplit("/", 1)[1], r["p"].rsplit("#", 1)[1], r["o"].rsplit("/", 1)[1]) for r in rows
    }
    assert ("lazarus-group", "partOf", "reconnaissance-general-bureau") in facts


def test_every_command_in_the_readme_exists() -> None:
    listed = set(re.findall(r"`kg (\w+)", README))
    kg = str(Path(sys.executable).with_name("kg"))
    for command in listed:
        run = subprocess.run([kg, command, "--help"], capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, command
