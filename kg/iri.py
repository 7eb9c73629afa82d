"""Deterministic, readable IRIs: the same entity gets the same IRI on every machine."""

from __future__ import annotations

import re
import unicodedata

from rdflib import URIRef

TYPE_SLUGS = {
    "THREAT_ACTOR": "threat-actor",
    "STATE": "state",
    "REGION": "region",
    "ORGANIZATION": "organization",
    "PERSON": "person",
    "SECTOR": "sector",
    "TECHNIQUE": "technique",
    "MALWARE": "malware",
    "INCIDENT": "incident",
    "SANCTION": "sanction",
    "WEAPON_PROGRAM": "weapon-program",
    "DATE": "date",
}


def slugify(name: str) -> str:
    """A case-, punctuation- and diacritic-insensitive key for a name.

    >>> slugify("Kim Jong Un’s Office")
    'kim-jong-uns-office'
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"['’`]", "", text)
    text = re.sub(r"[^0-9a-z\u0080-\uffff]+", "-", text).strip("-")
    return text[:120] or "unnamed"


def entity_key(entity_type: str, name: str) -> str:
    """The document-independent key of an entity not in the catalogue."""
    return f"{TYPE_SLUGS[entity_type]}/{slugify(name)}"


def entity_iri(base: str, key: str) -> URIRef:
    return URIRef(base + key)


def document_iri(base: str, doc_id: str) -> URIRef:
    return URIRef(f"{base}doc/{doc_id}")
