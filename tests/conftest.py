"""Shared fixtures: the shared corpus, one extractor per session, stores on disk."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.catalogue import Catalogue, default_catalogue
from kg.namespace import DEFAULT_BASE_IRI
from kg.rdf import GraphSettings
from kg.store import GraphStore

REPO = Path(__file__).resolve().parents[1]
KG = str(Path(sys.executable).with_name("kg"))
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared() -> Path:
    """``../shared`` beside the repository (CI lays it there too)."""
    assert (SHARED / "corpus" / "dev").is_dir(), f"the shared corpus is missing at {SHARED}"
    return SHARED


@pytest.fixture(scope="session")
def seed_path(shared: Path) -> Path:
    paths = sorted((shared / "corpus" / "seed").glob("*.txt"))
    assert paths, "the seed record is missing"
    return paths[0]


@pytest.fixture(scope="session")
def dev_dir(shared: Path) -> Path:
    return shared / "corpus" / "dev"


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return REPO / "sample-corpus"


@pytest.fixture(scope="session")
def sample_store(
    tmp_path_factory: pytest.TempPathFactory, sample_dir: Path, seed_path: Path
) -> Path:
    store = tmp_path_factory.mktemp("api") / "store"
    run = subprocess.run(
        [KG, "ingest", str(sample_dir), str(seed_path), "--store", str(store)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    return store


@pytest.fixture(scope="session")
def extractor():  # type: ignore[no-untyped-def]
    from extract.extractor import Extractor

    return Extractor.default()


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return default_catalogue()


@pytest.fixture
def graph_settings() -> GraphSettings:
    return GraphSettings(DEFAULT_BASE_IRI)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[GraphStore]:
    yield GraphStore(tmp_path / "store")
