"""STIX 2.1 export: parses with the stix2 library, references resolve, ids are stable."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import stix2

KG = str(Path(sys.executable).with_name("kg"))


@pytest.fixture(scope="module")
def dev_store(tmp_path_factory: pytest.TempPathFactory, dev_dir: Path) -> Path:
    store = tmp_path_factory.mktemp("stix") / "store"
    run = subprocess.run(
        [KG, "ingest", str(dev_dir), "--store", str(store)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    return store


def export(store: Path) -> dict[str, object]:
    run = subprocess.run(
        [KG, "export", "--format", "stix", "--store", str(store)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(run.stdout)  # type: ignore[no-any-return]


def test_bundle_parses_and_every_reference_resolves(dev_store: Path) -> None:
    bundle = export(dev_store)
    parsed = stix2.parse(bundle, allow_custom=False)
    assert len(parsed.objects) == len(bundle["objects"])  # type: ignore[arg-type]
    objects = bundle["objects"]
    ids = {o["id"] for o in objects}  # type: ignore[union-attr]
    refs = [o[k] for o in objects for k in ("source_ref", "target_ref") if k in o]  # type: ignore[union-attr]
    refs += [r for o in objects for r in o.get("object_refs", [])]  # type: ignore[union-attr]
    assert refs and set(refs) <= ids
    types = {o["type"] for o in objects}  # type: ignore[union-attr]
    assert {
        "intrusion-set",
        "identity",
        "location",
        "attack-pattern",
        "malware",
        "campaign",
        "relationship",
        "report",
    } <= types
    reports = [o for o in objects if o["type"] == "report"]  # type: ignore[index]
    assert len(reports) == 10


def test_known_entities_carry_their_attack_ids(dev_store: Path) -> None:
    objects = export(dev_store)["objects"]
    lazarus = next(o for o in objects if o.get("name") == "Lazarus Group")  # type: ignore[union-attr]
    assert lazarus["type"] == "intrusion-set"
    assert lazarus["external_references"][0]["external_id"] == "G0032"
    assert "Hidden Cobra" in lazarus["aliases"]
    korea = next(o for o in objects if o.get("name") == "South Korea")  # type: ignore[union-attr]
    assert korea["country"] == "KR"
    uses = [o for o in objects if o.get("relationship_type") == "uses"]  # type: ignore[union-attr]
    assert uses


def test_reexport_does_not_churn(dev_store: Path) -> None:
    assert export(dev_store) == export(dev_store)
