"""Deterministic, readable IRIs: the same entity gets the same IRI on every machine."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

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


@lru_cache(maxsize=8192)
def slugify(name: str) -> str:
    """A case-, punctuation- and diacritic-insensitive key for a name (remembered: the
    same names recur in every document, and this costs tens of microseconds).

    >>> slugify("Kim Jong Un’s Office")
    'kim-jong-uns-office'
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"['’`]", "", text)
    text = "".join(c if _keep(c) else "-" for c in text)
    text = re.sub(r"-{2,}", "-", text).strip("-")
    return text[:120] or "unnamed"


def _keep(char: str) -> bool:
    """ASCII letters and digits, and the letters and digits of any script that an IRI
    may hold unescaped (RFC 3987 ``ucschar``); controls, symbols and surrogates go."""
    if char.isascii():
        return char.isalnum()
    point = ord(char)
    return point >= 0xA0 and char.isalnum() and not 0xD800 <= point <= 0xDFFF


def entity_key(entity_type: str, name: str) -> str:
    """The document-independent key of an entity not in the catalogue."""
    return f"{TYPE_SLUGS[entity_type]}/{slugify(name)}"


def entity_iri(base: str, key: str) -> URIRef:
    return URIRef(base + key)


def document_iri(base: str, doc_id: str) -> URIRef:
    return URIRef(f"{base}doc/{doc_id}")


def fact_iri(base: str, subject: str, predicate: str, obj: str) -> URIRef:
    """The node of one relation triple, the same whichever documents state it: each such
    document records on it the highest confidence it gives, so a triple's support is one
    index lookup away."""
    digest = hashlib.sha1(f"{subject} {predicate} {obj}".encode()).hexdigest()[:20]
    return URIRef(f"{base}fact/{digest}")


SLUG_TYPES = {slug: etype for etype, slug in TYPE_SLUGS.items()}


def type_in_iri(base: str, iri: str) -> str | None:
    """The entity type an IRI minted here names (``{base}{type slug}/...``, see
    :func:`entity_key`), or None for any other IRI."""
    if not iri.startswith(base):
        return None
    slug, sep, _ = iri[len(base) :].partition("/")
    return SLUG_TYPES.get(slug) if sep else None
