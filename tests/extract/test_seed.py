"""The seed abstract: what issue 2 says an analyst must get out of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.readers import read_path
from kg.model import Extraction


@pytest.fixture(scope="module")
def seed(extractor, seed_path: Path) -> Extraction:  # type: ignore[no-untyped-def]
    return extractor.extract(read_path(seed_path, max_bytes=10_000_000))


def keys_of(extraction: Extraction, etype: str) -> set[str]:
    return {e.key for e in extraction.entities if e.type == etype}


def facts(extraction: Extraction) -> set[tuple[str, str, str]]:
    return {(r.subject, r.predicate, r.object) for r in extraction.relations if not r.negated}


def test_actor_and_states(seed: Extraction) -> None:
    assert "threat-actor/reconnaissance-general-bureau" in keys_of(seed, "THREAT_ACTOR")
    states = keys_of(seed, "STATE")
    for state in (
        "north-korea",
        "south-korea",
        "united-states",
        "japan",
        "china",
        "russia",
        "vietnam",
    ):
        assert f"state/{state}" in states
    assert {"region/middle-east", "region/africa"} <= keys_of(seed, "REGION")


def test_one_node_for_each_state_whatever_it_is_called(seed: Extraction) -> None:
    south = seed.entity("state/south-korea")
    names = {m.text for m in south.mentions}
    assert {"South Korea", "ROK", "Seoul", "Korean government"} <= names
    us = seed.entity("state/united-states")
    assert {"U.S.", "Washington"} <= {m.text for m in us.mentions}
    north = seed.entity("state/north-korea")
    assert {"North Korea", "Pyongyang"} <= {m.text for m in north.mentions}


def test_rgb_is_part_of_north_korea(seed: Extraction) -> None:
    assert ("threat-actor/reconnaissance-general-bureau", "partOf", "state/north-korea") in facts(
        seed
    )


SECTORS = [
    "government",
    "infrastructure",
    "it",
    "defense",
    "aerospace",
    "supply-chains",
    "financial",
]


@pytest.mark.parametrize("sector", SECTORS)
def test_north_korea_targets_the_listed_sectors(seed: Extraction, sector: str) -> None:
    assert f"sector/{sector}" in keys_of(seed, "SECTOR")
    assert ("state/north-korea", "targets", f"sector/{sector}") in facts(seed)


def test_two_dated_sanctions_actions(seed: Extraction) -> None:
    sanctions = [e for e in seed.entities if e.type == "SANCTION"]
    dates = {
        r.object
        for r in seed.relations
        if r.predicate == "occurredOn" and r.subject in {s.key for s in sanctions}
    }
    assert dates == {"date/2023-02", "date/2023-04-24"}
    assert ("state/south-korea", "sanctions", "state/north-korea") in facts(seed)
    assert ("state/united-states", "sanctions", "state/north-korea") in facts(seed)


def test_every_relation_carries_its_sentence(seed: Extraction) -> None:
    assert seed.relations
    for rel in seed.relations:
        assert rel.evidence and rel.evidence in seed.text
        assert seed.text[rel.start : rel.end].strip() == rel.evidence


def test_mentions_point_at_their_text(seed: Extraction) -> None:
    for ent in seed.entities:
        for m in ent.mentions:
            assert seed.text[m.start : m.end] == m.text
