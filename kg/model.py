"""The model of an extraction: what any extractor hands the core.

Plain frozen dataclasses, so that the spaCy pipeline, an import or a test can build one
without knowing about RDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ENTITY_TYPES = (
    "THREAT_ACTOR",
    "STATE",
    "REGION",
    "ORGANIZATION",
    "PERSON",
    "SECTOR",
    "TECHNIQUE",
    "MALWARE",
    "INCIDENT",
    "SANCTION",
    "WEAPON_PROGRAM",
    "DATE",
)

#: predicate -> (allowed subject types, allowed object types), from the schema.
RELATION_SCHEMA: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "partOf": (frozenset({"THREAT_ACTOR"}), frozenset({"THREAT_ACTOR", "STATE", "ORGANIZATION"})),
    "attributedTo": (
        frozenset({"INCIDENT", "TECHNIQUE", "MALWARE"}),
        frozenset({"THREAT_ACTOR", "STATE"}),
    ),
    "targets": (
        frozenset({"THREAT_ACTOR", "STATE", "INCIDENT"}),
        frozenset({"SECTOR", "STATE", "REGION", "ORGANIZATION"}),
    ),
    "uses": (frozenset({"THREAT_ACTOR", "STATE"}), frozenset({"TECHNIQUE", "MALWARE"})),
    "sanctions": (
        frozenset({"STATE", "ORGANIZATION"}),
        frozenset({"THREAT_ACTOR", "PERSON", "ORGANIZATION", "STATE"}),
    ),
    "cooperatesWith": (
        frozenset({"STATE", "ORGANIZATION"}),
        frozenset({"STATE", "ORGANIZATION"}),
    ),
    "funds": (
        frozenset({"TECHNIQUE", "INCIDENT", "THREAT_ACTOR"}),
        frozenset({"WEAPON_PROGRAM"}),
    ),
    "locatedIn": (
        frozenset({"ORGANIZATION", "PERSON", "THREAT_ACTOR"}),
        frozenset({"STATE", "REGION"}),
    ),
    "occurredOn": (frozenset({"INCIDENT", "SANCTION"}), frozenset({"DATE"})),
    "issuedBy": (frozenset({"SANCTION"}), frozenset({"STATE", "ORGANIZATION"})),
    "sanctionedParty": (
        frozenset({"SANCTION"}),
        frozenset({"THREAT_ACTOR", "PERSON", "ORGANIZATION"}),
    ),
}

PREDICATES = tuple(RELATION_SCHEMA)


def allowed(predicate: str, subject_type: str, object_type: str) -> bool:
    """Whether the schema allows ``subject_type --predicate--> object_type``."""
    subjects, objects = RELATION_SCHEMA[predicate]
    return subject_type in subjects and object_type in objects


@dataclass(frozen=True)
class Mention:
    """Where an entity is named: surface text and character offsets in the document text."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Entity:
    """One real-world entity as found in one document.

    ``key`` is the document-independent identity (a catalogue key or a normalised name);
    entities with the same ``type`` and ``key`` are the same node in the graph.
    """

    key: str
    type: str
    label: str
    mentions: tuple[Mention, ...] = ()
    aliases: tuple[str, ...] = ()
    external_ids: tuple[str, ...] = ()
    normalized: str | None = None  # ISO 8601 form of a DATE


@dataclass(frozen=True)
class Relation:
    """A relation stated by one sentence of a document."""

    subject: str  # Entity.key
    predicate: str
    object: str  # Entity.key
    evidence: str
    start: int
    end: int
    confidence: float = 1.0
    negated: bool = False
    according_to: str | None = None  # Entity.key of the source the text cites


@dataclass(frozen=True)
class DocumentMeta:
    """What is known about a document apart from its text."""

    doc_id: str
    source: str
    sha256: str
    title: str | None = None
    creators: tuple[str, ...] = ()
    date: str | None = None
    identifier: str | None = None
    media_type: str = "text/plain"


@dataclass(frozen=True)
class Extraction:
    """Everything one extractor found in one document."""

    meta: DocumentMeta
    text: str
    entities: tuple[Entity, ...]
    relations: tuple[Relation, ...]
    extractor: str = "unknown"
    extractor_version: str = "0"
    extra: dict[str, str] = field(default_factory=dict)

    def entity(self, key: str) -> Entity:
        for ent in self.entities:
            if ent.key == key:
                return ent
        raise KeyError(key)
