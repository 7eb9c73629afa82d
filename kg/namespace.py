"""The ontology's terms as a closed namespace, so a misspelt term fails loudly."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DefinedNamespace
from rdflib.term import URIRef

ONTOLOGY_IRI = "https://w3id.org/threat-kg/ontology#"
DEFAULT_BASE_IRI = "https://w3id.org/threat-kg/id/"

BIBO = Namespace("http://purl.org/ontology/bibo/")
STIX = Namespace("http://docs.oasis-open.org/cti/ns/stix#")


class KGO(DefinedNamespace):
    """Terms of ``kg/ontology.ttl``; a test keeps the two in step."""

    _fail = True
    _NS = Namespace(ONTOLOGY_IRI)

    Entity: URIRef
    ThreatActor: URIRef
    State: URIRef
    Region: URIRef
    Organization: URIRef
    Person: URIRef
    Sector: URIRef
    Technique: URIRef
    Malware: URIRef
    Incident: URIRef
    Sanction: URIRef
    WeaponProgram: URIRef
    Date: URIRef
    Document: URIRef
    Assertion: URIRef
    Fact: URIRef
    Mention: URIRef
    partOf: URIRef
    attributedTo: URIRef
    targets: URIRef
    uses: URIRef
    sanctions: URIRef
    cooperatesWith: URIRef
    funds: URIRef
    locatedIn: URIRef
    occurredOn: URIRef
    issuedBy: URIRef
    sanctionedParty: URIRef
    isoDate: URIRef
    sha256: URIRef
    source: URIRef
    mentions: URIRef
    mentionOf: URIRef
    inDocument: URIRef
    surfaceText: URIRef
    startOffset: URIRef
    endOffset: URIRef
    evidence: URIRef
    confidence: URIRef
    documentConfidence: URIRef
    negated: URIRef
    accordingTo: URIRef
    extractor: URIRef


#: entity type of the schema -> class of the ontology
TYPE_CLASSES: dict[str, URIRef] = {
    "THREAT_ACTOR": KGO.ThreatActor,
    "STATE": KGO.State,
    "REGION": KGO.Region,
    "ORGANIZATION": KGO.Organization,
    "PERSON": KGO.Person,
    "SECTOR": KGO.Sector,
    "TECHNIQUE": KGO.Technique,
    "MALWARE": KGO.Malware,
    "INCIDENT": KGO.Incident,
    "SANCTION": KGO.Sanction,
    "WEAPON_PROGRAM": KGO.WeaponProgram,
    "DATE": KGO.Date,
}
CLASS_TYPES: dict[str, str] = {str(v): k for k, v in TYPE_CLASSES.items()}

#: relation predicate of the schema -> property of the ontology
PREDICATE_IRIS: dict[str, URIRef] = {
    "partOf": KGO.partOf,
    "attributedTo": KGO.attributedTo,
    "targets": KGO.targets,
    "uses": KGO.uses,
    "sanctions": KGO.sanctions,
    "cooperatesWith": KGO.cooperatesWith,
    "funds": KGO.funds,
    "locatedIn": KGO.locatedIn,
    "occurredOn": KGO.occurredOn,
    "issuedBy": KGO.issuedBy,
    "sanctionedParty": KGO.sanctionedParty,
}
