"""The scale-out path: extraction in several processes, and extraction as a map step whose
N-Quads are loaded (and validated) into the store afterwards."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import Literal, URIRef

from tests.cli.test_cli import kg

GENERATED_AT = "http://www.w3.org/ns/prov#generatedAtTime"


def quads(store: Path) -> set[str]:
    """The store's quads, less the extraction times (which differ from run to run)."""
    s = ox.Store.read_only(str(store))
    return {str(q) for q in s if q.predicate.value != GENERATED_AT}


def as_values(nquads: bytes) -> set[tuple[object, ...]]:
    """Quads with literals as (value, datatype): Oxigraph keeps "0.900"^^xsd:decimal as
    "0.9", the same value."""
    found = set()
    for quad in ox.parse(nquads, format=ox.RdfFormat.N_QUADS):
        obj = quad.object
        if isinstance(obj, ox.Literal):
            literal = Literal(obj.value, datatype=URIRef(obj.datatype.value))
            value: object = (literal.toPython(), obj.datatype.value, obj.language)
        else:
            value = str(obj)
        found.add((str(quad.subject), str(quad.predicate), value, str(quad.graph_name)))
    return found


def test_jobs_give_the_same_store_as_one_process(tmp_path: Path, dev_dir: Path) -> None:
    docs = sorted(dev_dir.glob("*.json"))[:6]
    one, two = tmp_path / "one", tmp_path / "two"
    run1 = kg("ingest", *map(str, docs), "--store", str(one))
    run2 = kg("ingest", "--jobs", "2", *map(str, docs), "--store", str(two))
    assert run1.returncode == 0 and run2.returncode == 0, run2.stderr
    assert "ingested 6 documents (0 failed)" in run2.stdout
    assert len(quads(one)) > 1000
    assert quads(one) == quads(two)


def test_extract_nq_then_load_is_ingest(tmp_path: Path, sample_dir: Path) -> None:
    out = tmp_path / "sample.nq"
    run = kg("extract", "--format", "nq", str(sample_dir))
    assert run.returncode == 0, run.stderr
    out.write_text(run.stdout, encoding="utf-8")
    loaded, ingested = tmp_path / "loaded", tmp_path / "ingested"
    run = kg("load", str(out), "--store", str(loaded))
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("\tadded\t") == 4 and "loaded 4 documents (0 failed)" in run.stdout
    assert kg("ingest", str(sample_dir), "--store", str(ingested)).returncode == 0
    assert quads(loaded) == quads(ingested)
    # the file says what the store now holds (the same values)
    stored = ox.Store.read_only(str(loaded)).dump(format=ox.RdfFormat.N_QUADS) or b""
    assert as_values(out.read_bytes()) == as_values(stored)
    again = kg("load", str(out), "--store", str(loaded))
    assert again.stdout.count("\tunchanged\t") == 4


def test_load_refuses_bad_quads_and_keeps_the_store(tmp_path: Path, sample_dir: Path) -> None:
    store = tmp_path / "store"
    good = tmp_path / "good.nq"
    good.write_text(kg("extract", "--format", "nq", str(sample_dir)).stdout, encoding="utf-8")
    assert kg("load", str(good), "--store", str(store)).returncode == 0
    before = quads(store)
    broken = tmp_path / "broken.nq"
    broken.write_text("<urn:a> <urn:b> 'not n-quads' <urn:g> .\n", encoding="utf-8")
    bad_sha = tmp_path / "bad-sha.nq"
    text = good.read_text(encoding="utf-8")
    sha = next(line for line in text.splitlines() if "ontology#sha256" in line)
    bad_sha.write_text(text.replace(sha, sha.split('"')[0] + '"not-a-hash" ' + sha.split('" ')[-1]))
    for path, expected in ((broken, "not N-Quads"), (bad_sha, "does not conform")):
        run = kg("load", str(path), "--store", str(store))
        assert run.returncode == 1
        errors = [line for line in run.stderr.splitlines() if line.startswith("kg: error:")]
        assert errors and expected in errors[0], run.stderr
    assert quads(store) == before
