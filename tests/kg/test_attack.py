"""Importing ATT&CK: its aliases resolve to our nodes, SPARQL joins both, re-import replaces."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

KG = str(Path(sys.executable).with_name("kg"))
PREFIXES = (
    "PREFIX kgo: <https://w3id.org/threat-kg/ontology#> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
)


def kg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([KG, *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def bundle(shared: Path) -> Path:
    return shared / "ontologies" / "attack-enterprise-subset.json"


def test_alias_known_only_to_attack_resolves_to_our_node(tmp_path: Path, bundle: Path) -> None:
    text = tmp_path / "note.txt"
    text.write_text("NICKEL ACADEMY targeted banks in South Korea.", encoding="utf-8")
    before = kg("extract", str(text))
    assert "lazarus-group" not in before.stdout
    store = tmp_path / "store"
    run = kg("link", "attack", str(bundle), "--store", str(store))
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("imported")
    assert kg("ingest", str(text), "--store", str(store)).returncode == 0
    query = PREFIXES + (
        "SELECT DISTINCT ?label WHERE { GRAPH <https://w3id.org/threat-kg/id/doc/note> "
        "{ ?actor kgo:targets ?s } ?actor rdfs:label ?label }"
    )
    rows = kg("query", query, "--store", str(store), "--format", "csv").stdout.splitlines()
    assert rows == ["label", "Lazarus Group"]


def test_extracted_facts_join_attack_techniques(
    tmp_path: Path, bundle: Path, sample_dir: Path
) -> None:
    store = tmp_path / "store"
    assert kg("link", "attack", str(bundle), "--store", str(store)).returncode == 0
    assert kg("ingest", str(sample_dir), "--store", str(store)).returncode == 0
    query = PREFIXES + (
        "SELECT DISTINCT ?technique WHERE { "
        "GRAPH ?d { ?actor kgo:targets ?sector . ?sector a kgo:Sector } "
        "GRAPH <https://w3id.org/threat-kg/id/graph/attack> { ?actor kgo:uses ?t . "
        "?t a kgo:Technique ; rdfs:label ?technique } } ORDER BY ?technique"
    )
    rows = kg("query", query, "--store", str(store), "--format", "csv").stdout.splitlines()
    assert len(rows) > 20  # Lazarus, Kimsuky, Andariel use many ATT&CK techniques
    assert kg("validate", "--store", str(store)).returncode == 0


def test_reimport_replaces_and_report_lists_links(
    tmp_path: Path, bundle: Path, sample_dir: Path
) -> None:
    store = tmp_path / "store"
    small = tmp_path / "small.json"
    small.write_text(
        '{"type": "bundle", "id": "bundle--1", "objects": [{"type": "intrusion-set", '
        '"id": "intrusion-set--1", "name": "Lazarus Group", "aliases": ["Zinc Typhoon Test"], '
        '"external_references": [{"source_name": "mitre-attack", "external_id": "G0032"}]}]}',
        encoding="utf-8",
    )
    assert kg("link", "attack", str(bundle), "--store", str(store)).returncode == 0
    assert kg("link", "attack", str(small), "--store", str(store)).returncode == 0
    count = PREFIXES + (
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/threat-kg/id/graph/attack> "
        "{ ?e a kgo:ThreatActor } }"
    )
    assert kg("query", count, "--store", str(store), "--format", "csv").stdout.split() == ["n", "1"]
    assert kg("ingest", str(sample_dir), "--store", str(store)).returncode == 0
    report = kg("link", "report", "--store", str(store)).stdout
    assert "https://attack.mitre.org/groups/G0032/" in report
    assert "linked to external ids" in report.splitlines()[-1]


def test_not_a_bundle(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("[1, 2]", encoding="utf-8")
    run = kg("link", "attack", str(path), "--store", str(tmp_path / "store"))
    assert run.returncode == 1 and "not a STIX bundle" in run.stderr
