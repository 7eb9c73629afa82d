"""The ``kg`` command as a user runs it: a real process, a real store on disk."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

KG = str(Path(sys.executable).with_name("kg"))
PREFIXES = (
    "PREFIX kgo: <https://w3id.org/threat-kg/ontology#> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
)


def kg(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    return subprocess.run(
        [KG, *args], capture_output=True, text=True, timeout=300, cwd=cwd, env=env
    )


@pytest.fixture(scope="module")
def seeded_store(tmp_path_factory: pytest.TempPathFactory, seed_path: Path) -> Path:
    store = tmp_path_factory.mktemp("cli") / "store"
    run = kg("ingest", str(seed_path), "--store", str(store))
    assert run.returncode == 0, run.stderr
    return store


def test_help_says_what_each_command_does() -> None:
    for command in ("ingest", "extract", "query", "validate", "serve", "export"):
        run = kg(command, "--help")
        assert run.returncode == 0
        assert "usage: kg " + command in run.stdout


def test_ingest_reports_each_document(seeded_store: Path, seed_path: Path) -> None:
    run = kg("ingest", str(seed_path), "--store", str(seeded_store))
    assert run.returncode == 0
    line = run.stdout.splitlines()[0]
    assert "unchanged" in line and "shacl=conforms" in line
    assert run.stdout.splitlines()[-1].startswith("ingested 1 documents (0 failed)")


def test_query_gives_back_seed_facts(seeded_store: Path) -> None:
    query = PREFIXES + (
        "SELECT ?sector WHERE { ?nk rdfs:label 'North Korea' ; kgo:targets ?s . "
        "?s a kgo:Sector ; rdfs:label ?sector } ORDER BY ?sector"
    )
    run = kg("query", query, "--store", str(seeded_store), "--format", "json")
    assert run.returncode == 0, run.stderr
    sectors = {b["sector"]["value"] for b in json.loads(run.stdout)["results"]["bindings"]}
    assert {"government agencies", "IT companies", "defense industry", "aerospace"} <= sectors
    table = kg("query", query, "--store", str(seeded_store))
    assert "government agencies" in table.stdout and "rows)" in table.stdout


def test_query_sanction_dates(seeded_store: Path) -> None:
    query = (
        PREFIXES
        + "SELECT ?d WHERE { ?s a kgo:Sanction ; kgo:occurredOn/kgo:isoDate ?d } ORDER BY ?d"
    )
    run = kg("query", query, "--store", str(seeded_store), "--format", "csv")
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["d", "2023-02", "2023-04-24"]


def test_validate_and_export(seeded_store: Path, tmp_path: Path) -> None:
    run = kg("validate", "--store", str(seeded_store))
    assert run.returncode == 0 and run.stdout.startswith("conforms")
    out = tmp_path / "graph.nq"
    run = kg("export", "--format", "nq", "-o", str(out), "--store", str(seeded_store))
    assert run.returncode == 0
    assert "Reconnaissance General Bureau" in out.read_text(encoding="utf-8")
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix kgo: <https://w3id.org/threat-kg/ontology#> .\n<urn:x> a kgo:ThreatActor .\n",
        encoding="utf-8",
    )
    run = kg("validate", str(bad))
    assert run.returncode == 1 and "label" in run.stdout


def test_bad_files_fail_alone(tmp_path: Path, sample_dir: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(sample_dir / "treasury-release.txt", folder / "good.txt")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02\x03")
    (folder / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    (folder / "unknown.xyz").write_text("Lazarus", encoding="utf-8")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 nonsense")
    (folder / "broken.yaml").write_text("a: [b\n", encoding="utf-8")
    (folder / "big.txt").write_text("Kimsuky. " * 200, encoding="utf-8")
    store = tmp_path / "store"
    env_run = subprocess.run(
        [KG, "ingest", str(folder), "--store", str(store)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "KG_MAX_BYTES": "1000"},
    )
    assert env_run.returncode != 0
    errors = env_run.stderr.strip().splitlines()
    assert len(errors) == 7
    for name in (
        "empty.txt",
        "binary.txt",
        "latin1.txt",
        "unknown.xyz",
        "broken.pdf",
        "broken.yaml",
        "big.txt",
    ):
        assert sum(name in e for e in errors) == 1, name
    assert "good\tadded" in env_run.stdout
    export = kg("export", "--format", "nq", "--store", str(store))
    graphs = {line.rsplit(" ", 2)[-2] for line in export.stdout.splitlines() if line}
    assert graphs == {
        "<https://w3id.org/threat-kg/id/doc/good>",
        "<https://w3id.org/threat-kg/id/graph/catalogue>",
    }


def test_extract_jsonl_contract(sample_dir: Path) -> None:
    paths = [str(p) for p in sorted(sample_dir.iterdir())]
    run = kg("extract", "--format", "jsonl", *paths)
    assert run.returncode == 0, run.stderr
    records = [json.loads(line) for line in run.stdout.splitlines()]
    assert [r["source"] for r in records] == paths
    for record in records:
        ids = {e["id"] for e in record["entities"]}
        for ent in record["entities"]:
            assert {"id", "type", "label", "mentions"} <= set(ent)
        for rel in record["relations"]:
            assert rel["subject"] in ids and rel["object"] in ids
            assert isinstance(rel["negated"], bool) and rel["evidence"]


def test_retract_by_id(tmp_path: Path, sample_dir: Path) -> None:
    store = tmp_path / "store"
    assert kg("ingest", str(sample_dir), "--store", str(store)).returncode == 0
    run = kg("retract", "treasury-release", "--store", str(store))
    assert run.returncode == 0 and "treasury-release\tretracted" in run.stdout
    again = kg("retract", "treasury-release", "--store", str(store))
    assert again.returncode == 1 and "no such document" in again.stderr
    export = kg("export", "--format", "nq", "--store", str(store)).stdout
    assert "doc/treasury-release>" not in export and "doc/advisory-kimsuky>" in export
    assert kg("validate", "--store", str(store)).returncode == 0


def test_jsonld_export_uses_the_shipped_context(seeded_store: Path) -> None:
    import pyoxigraph as ox

    run = kg("export", "--format", "jsonld", "--store", str(seeded_store))
    assert run.returncode == 0
    document = json.loads(run.stdout)
    assert isinstance(document["@context"], dict)  # inline, nothing to fetch
    assert document["@context"]["targets"]["@id"] == "kgo:targets"
    nq = kg("export", "--format", "nq", "--store", str(seeded_store)).stdout

    def same_value(quads: object) -> set[str]:  # rdflib writes 'Z' times as '+00:00'
        return {str(q).replace("+00:00", "Z") for q in quads}  # type: ignore[attr-defined]

    from_jsonld = same_value(ox.parse(run.stdout.encode(), format=ox.RdfFormat.JSON_LD))
    from_nquads = same_value(ox.parse(nq.encode(), format=ox.RdfFormat.N_QUADS))
    assert from_jsonld == from_nquads and from_nquads


def test_upgrade_brings_an_old_store_up_to_date(seeded_store: Path, tmp_path: Path) -> None:
    """A store whose documents predate fact nodes gets them back, once."""
    store = tmp_path / "store"
    shutil.copytree(seeded_store, store)
    assert kg("upgrade", "--store", str(store)).stdout.strip() == "the store is up to date"
    strip = (
        PREFIXES + "DELETE { GRAPH ?g { ?f ?p ?o } } WHERE { GRAPH ?g { ?f a kgo:Fact ; ?p ?o } }"
    )
    from kg.store import GraphStore

    old = GraphStore(store)
    old.ox.update(strip)
    old.flush()
    del old
    run = kg("upgrade", "--store", str(store))
    assert run.returncode == 0 and run.stdout.strip().endswith("fact nodes added"), run.stderr
    assert int(run.stdout.split()[0]) > 0
    assert kg("validate", "--store", str(store)).returncode == 0
