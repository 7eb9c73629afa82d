"""The catalogue of known entities: canonical names, aliases and external identifiers.

It is data (``kg/data/catalogue.json``), read by the extractor to find names and by the
graph builder to link entities to ATT&CK, Wikidata and STIX vocabularies.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

ATTACK_BASE = "https://attack.mitre.org/"
WIKIDATA_BASE = "http://www.wikidata.org/entity/"


@dataclass(frozen=True)
class CatalogueEntry:
    key: str
    type: str
    label: str
    aliases: tuple[str, ...]
    attack_id: str | None = None
    wikidata_id: str | None = None
    #: the STIX 2.1 open-vocabulary value: industry-sector-ov for sectors, region-ov for regions
    stix_value: str | None = None
    #: ISO 3166-1 alpha-2 code of a state
    iso_code: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)

    def external_iris(self) -> tuple[str, ...]:
        """ATT&CK and Wikidata IRIs of the entry, for ``skos:exactMatch``."""
        iris = []
        if self.attack_id:
            iris.append(attack_iri(self.attack_id))
        if self.wikidata_id:
            iris.append(WIKIDATA_BASE + self.wikidata_id)
        return tuple(iris)


def attack_iri(attack_id: str) -> str:
    """The ATT&CK page of a group (G), software (S) or (sub-)technique (T) ID."""
    kind = {"G": "groups", "S": "software", "T": "techniques", "C": "campaigns"}[attack_id[0]]
    return f"{ATTACK_BASE}{kind}/{attack_id.replace('.', '/')}/"


@dataclass(frozen=True)
class Catalogue:
    entries: tuple[CatalogueEntry, ...]
    _index: dict[str, CatalogueEntry] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        self._index.update((e.key, e) for e in self.entries)

    def extended(self, entries: list[CatalogueEntry]) -> Catalogue:
        """This catalogue with ``entries`` added; an entry with a known key adds aliases."""
        merged = dict(self._index)
        for entry in entries:
            old = merged.get(entry.key)
            if old is None:
                merged[entry.key] = entry
            else:
                aliases = tuple(dict.fromkeys((*old.aliases, *entry.names)))
                merged[entry.key] = replace(
                    old, aliases=tuple(a for a in aliases if a != old.label)
                )
        return Catalogue(tuple(merged.values()))

    def by_key(self) -> dict[str, CatalogueEntry]:
        return dict(self._index)

    def get(self, key: str) -> CatalogueEntry | None:
        return self._index.get(key)

    @property
    def index(self) -> Mapping[str, CatalogueEntry]:
        """The entries by key (not to be changed), for callers that look up every
        mention: a method call per lookup costs more than the lookup."""
        return self._index


def parse_catalogue(data: dict[str, object]) -> Catalogue:
    entries = []
    for raw in data["entries"]:  # type: ignore[attr-defined]
        ids = raw.get("ids", {})
        entries.append(
            CatalogueEntry(
                key=raw["key"],
                type=raw["type"],
                label=raw["label"],
                aliases=tuple(raw.get("aliases", ())),
                attack_id=ids.get("attack"),
                wikidata_id=ids.get("wikidata"),
                stix_value=ids.get("stix"),
                iso_code=ids.get("iso"),
            )
        )
    return Catalogue(tuple(entries))


def load_catalogue(path: Path | None = None) -> Catalogue:
    """The bundled catalogue, or one the user names."""
    if path is None:
        text = resources.files("kg").joinpath("data/catalogue.json").read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    return parse_catalogue(json.loads(text))


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    return load_catalogue()
