"""From text to ``kg.model.Extraction``: runs the pipeline and assembles entities,
relations and the event form of dated sanctions."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Final

from spacy.language import Language
from spacy.tokens import Doc

from extract.entities import strip_article
from extract.mentions import Ent, entities_of
from extract.readers import SourceDocument
from extract.records import (
    ENTITY_ROWS,
    MENTION_ROWS,
    RELATION_ROWS,
    EntityRow,
    MentionRow,
    RelationRow,
)
from extract.relations import (
    FoundRelation,
    Marks,
    find_agent_uses,
    find_appositive_parts,
    find_owned_actors,
    find_relations,
    is_anaphor,
    sentences_with_entities,
)
from extract.tokens import (
    Offsets,
    Sentence,
    count_below,
    doc_text,
    forget,
    offsets,
    sentence_at,
)
from kg import __version__
from kg.catalogue import Catalogue, default_catalogue
from kg.iri import slugify
from kg.model import Entity, Extraction, Mention, Relation

EXTRACTOR_NAME: Final = "threat-kg-rules"
PARTY_TYPES: Final = {"THREAT_ACTOR", "PERSON", "ORGANIZATION"}
_ADJ_STOP: Final = {
    "the",
    "a",
    "an",
    "to",
    "of",
    "and",
    "its",
    "their",
    "has",
    "have",
    "had",
    "was",
    "were",
    "is",
    "are",
    "on",
    "in",
    "by",
    "which",
    "that",
    ",",
    "also",
}


@dataclass
class Extractor:
    """Turns documents into extractions with one spaCy pipeline, loaded once."""

    nlp: Language
    catalogue: Catalogue

    @classmethod
    def default(cls, model: str | None = None, catalogue: Catalogue | None = None) -> Extractor:
        """The default pipeline (or ``model``'s), finding the names of ``catalogue``
        (default: the bundled one)."""
        from extract.pipeline import build_nlp

        nlp = build_nlp(model)
        if catalogue is not None:
            nlp.get_pipe("kg_entities").use_catalogue(catalogue)  # type: ignore[attr-defined]
            nlp.get_pipe("kg_relations").catalogue = catalogue  # type: ignore[attr-defined]
        return cls(nlp, catalogue or default_catalogue())

    def extract(self, source: SourceDocument) -> Extraction:
        return next(iter(self.extract_many([source])))

    def extract_many(
        self, sources: Iterable[SourceDocument], *, n_process: int = 1
    ) -> Iterator[Extraction]:
        """Extractions in input order; a text longer than ``nlp.max_length`` is processed
        in pieces cut at paragraph or sentence ends, and the pieces merged."""
        pieces = _pieces(sources, self.nlp.max_length)
        current: tuple[int, SourceDocument] | None = None
        parts: list[tuple[int, Doc]] = []
        for doc, (n, source, offset) in self.nlp.pipe(pieces, as_tuples=True, n_process=n_process):
            if current is not None and n != current[0]:
                yield to_extraction(parts, current[1])
                parts = []
            current = (n, source)
            parts.append((offset, doc))
        if current is not None:
            yield to_extraction(parts, current[1])


def _pieces(
    sources: Iterable[SourceDocument], limit: int
) -> Iterator[tuple[str, tuple[int, SourceDocument, int]]]:
    """Each text's pieces with (its number, the document, the piece's offset), read as
    they are needed: a generator function, which mypyc keeps lazy (a generator
    expression it would turn into a list of the whole input)."""
    for n, source in enumerate(map(_clean, sources)):
        for offset, text in split_text(source.text, limit):
            yield text, (n, source, offset)


_SURROGATE: Final = re.compile(r"[\ud800-\udfff]")  # escapes for re: mypyc takes no lone surrogates


def _clean(source: SourceDocument) -> SourceDocument:
    """Lone surrogates (possible in JSON input) cannot be encoded; each becomes U+FFFD,
    one character for one, so offsets still point into the text as read."""
    if not _SURROGATE.search(source.text):
        return source
    return replace(source, text=_SURROGATE.sub("\ufffd", source.text))


def split_text(text: str, limit: int) -> list[tuple[int, str]]:
    """(offset, piece) pieces no longer than ``limit``, cut where a paragraph, a line or
    a sentence ends if there is one, so that no sentence is cut unless it must be."""
    pieces = []
    start = 0
    while len(text) - start > limit:
        window = text[start : start + limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(". "))
        end = start + (cut + 1 if cut > limit // 2 else limit)
        pieces.append((start, text[start:end]))
        start = end
    pieces.append((start, text[start:]))
    return pieces


def to_extraction(parts: list[tuple[int, Doc]], source: SourceDocument) -> Extraction:
    """The kg model of the processed pieces of one document (the rows of
    ``extract.records``), offsets moved to the whole text."""
    merged: dict[str, Entity] = {}
    records: list[RelationRow] = []
    for offset, doc in parts:
        # unpacked by position: rows come back from other processes as lists
        named: dict[str, list[Mention]] = {}
        for key, text, s, e in doc.user_data[MENTION_ROWS]:
            named.setdefault(key, []).append(Mention(text, s + offset, e + offset))
        for key, etype, label, normalized in doc.user_data[ENTITY_ROWS]:
            mentions = tuple(named.get(key, []))
            ent = Entity(key, etype, label, mentions, normalized=normalized)
            old = merged.get(key)
            merged[key] = ent if old is None else replace(old, mentions=old.mentions + mentions)
        for subj, pred, obj, evidence, s, e, confidence, negated, cited in doc.user_data[
            RELATION_ROWS
        ]:
            records.append(
                (subj, pred, obj, evidence, s + offset, e + offset, confidence, negated, cited)
            )
    return Extraction(
        meta=source.meta,
        text=source.text,
        entities=tuple(merged.values()),
        relations=tuple(Relation(*r) for r in _unique(records)),
        extractor=EXTRACTOR_NAME,
        extractor_version=__version__,
    )


class RelationFinder:
    """The ``kg_relations`` component: relations, negation, hedging, attribution of the
    claim and the event form of dated sanctions, left on the Doc as the rows of
    ``extract.records`` with the doc's entities."""

    def __init__(self, name: str, *, catalogue: Catalogue) -> None:
        self.name = name
        self.catalogue = catalogue

    def __call__(self, doc: Doc) -> Doc:
        ents = entities_of(doc)
        sentences = sentences_with_entities(doc, ents)
        marks = Marks(doc)
        view = offsets(doc)
        found = (
            find_relations(doc, ents, marks, sentences)
            + find_appositive_parts(doc, ents, marks)
            + find_owned_actors(doc, ents, marks)
            + find_agent_uses(doc, ents, marks)
        )
        event_rows, event_mentions, extra_relations = _sanction_events(
            sentences, found, ents, self.catalogue, marks, view
        )
        relations = (
            [_relation(r, doc, marks.low) for r in found]
            + extra_relations
            + _incident_dates(sentences)
            + _named_victims(sentences, ents, self.catalogue, view)
        )
        rows, mentions = _entity_rows(ents, self.catalogue, view)
        rows += event_rows
        mentions += event_mentions
        keys = {r[0] for r in rows}
        relations = _unique([r for r in relations if r[0] in keys and r[2] in keys])
        doc.user_data[ENTITY_ROWS] = rows
        doc.user_data[MENTION_ROWS] = mentions
        doc.user_data[RELATION_ROWS] = relations
        forget(doc)
        return doc


def _entity_rows(
    ents: list[Ent], catalogue: Catalogue, view: Offsets
) -> tuple[list[EntityRow], list[MentionRow]]:
    """The rows of the doc's entities, one a key in the order first named, and of their
    mentions in text order (records group them by key). Written directly, not through
    ``kg.model.Entity``: there are as many mentions as names in the text."""
    text, starts, ends = view.text, view.starts, view.ends
    index = catalogue.index  # a dict lookup each, not a Python call
    rows: list[EntityRow] = []
    mention_rows: list[MentionRow] = []
    labelled: set[str] = set()
    # names by form are labelled by their longest name (the first of the longest)
    by_name: dict[str, list[str]] = {}
    for ent in ents:
        key = ent.key
        start, end = starts[ent.start], ends[ent.end - 1]
        name = text[start:end]
        mention_rows.append((key, name, start, end))
        if key in labelled:
            continue
        names = by_name.get(key)
        if names is not None:
            names.append(name)
            continue
        etype = ent.label
        entry = index.get(key)
        if etype == "DATE":
            iso = key.split("/", 1)[1].replace("x", "X")
            rows.append((key, etype, iso, iso))
            labelled.add(key)
        elif entry is not None:
            rows.append((key, etype, entry.label, None))
            labelled.add(key)
        else:
            rows.append((key, etype, "", None))  # labelled below
            by_name[key] = [name]
    if by_name:
        for k, row in enumerate(rows):
            names = by_name.get(row[0])
            if names is not None:
                label = max([strip_article(n) for n in names], key=len)
                rows[k] = (row[0], row[1], label, row[3])
    return rows, mention_rows


def _relation(found: FoundRelation, doc: Doc, low: list[str]) -> RelationRow:
    """The row of the relation with its evidence: the sentence, and the one before it
    when the sentence names a side only as "the group" or "it"."""
    sent = found.sentence
    first = sent
    if sent.start and (is_anaphor(found.subject, low) or is_anaphor(found.object, low)):
        i = sent.start - 1
        view = offsets(doc)
        while i > 0 and view.token_text(i).isspace():  # spaCy's IS_SPACE
            i -= 1
        first = sentence_at(doc, i)
    start, end = first.start_char, sent.end_char
    according_to = found.according_to.key if found.according_to is not None else None
    return _relation_row(
        found.subject.key,
        found.predicate,
        found.object.key,
        doc,
        start,
        end,
        confidence=found.confidence,
        negated=found.negated,
        according_to=according_to,
    )


def _plain(sent: Sentence, subject: str, predicate: str, obj: str) -> RelationRow:
    return _relation_row(subject, predicate, obj, sent.doc, sent.start_char, sent.end_char)


def _relation_row(
    subject: str,
    predicate: str,
    obj: str,
    doc: Doc,
    start: int,
    end: int,
    *,
    confidence: float = 0.9,
    negated: bool = False,
    according_to: str | None = None,
) -> RelationRow:
    """The row of a relation, in the fields of ``kg.model.Relation``; its evidence is
    characters [start, end) of the doc's text."""
    # a slice of the cached text: a span's .text joins its tokens anew on every call
    evidence = doc_text(doc)[start:end].strip()
    return (subject, predicate, obj, evidence, start, end, confidence, negated, according_to)


def _sanction_events(
    sentences: list[tuple[Sentence, list[Ent]]],
    found: list[FoundRelation],
    ents: list[Ent],
    catalogue: Catalogue,
    marks: Marks,
    view: Offsets,
) -> tuple[list[EntityRow], list[MentionRow], list[RelationRow]]:
    """A sanctions trigger in a sentence with a date is a dated sanctions action: a SANCTION
    entity issued by the subject (or the previous sentence's), naming the parties.

    Written as rows (``extract.records``), the entity's first, of each key once: compiled,
    a ``kg.model`` dataclass costs thousands of instructions to make, and these would
    only be taken apart into rows again."""
    labels: dict[str, str] = {}  # each action's key -> its label, the first given
    mentions: list[MentionRow] = []
    relations: list[RelationRow] = []
    previous_issuers: list[str] = []
    by_sentence: dict[int, list[FoundRelation]] = {}
    # where a sanctions word stands ("sanctions list" is a list, not an action)
    low = marks.low
    words = [
        i
        for i in marks.triggers  # every sanctions word is a trigger
        if low[i] in SANCTION_WORDS and not (i + 1 < len(low) and low[i + 1] == "list")
    ]
    if not words:
        return [], mentions, relations  # no sanctions word, no event
    for r in found:
        if r.predicate == "sanctions":
            by_sentence.setdefault(r.sentence.start, []).append(r)
    for sent, sent_ents in sentences:
        here = by_sentence.get(sent.start)
        issuers = _distinct([r.subject.key for r in here if not r.negated]) if here else []
        k = count_below(words, sent.start)
        trigger = words[k] if k < len(words) and words[k] < sent.end else -1
        date = _nearest_date(sent_ents, trigger) if trigger >= 0 else None
        if date is None:
            previous_issuers = issuers
            continue
        issuers = issuers or previous_issuers
        parties = (
            _distinct(
                [r.object.key for r in here if r.object.label in PARTY_TYPES and not r.negated]
            )
            if here
            else []
        )
        if not parties:
            parties = _distinct(
                [e.key for e in sent_ents if e.start > trigger and e.label in PARTY_TYPES]
            )
        if not issuers and not parties:
            continue
        iso = date.key.split("/", 1)[1].replace("x", "X")
        owner = issuers[0].split("/", 1)[1] if issuers else "unknown"
        key = f"sanction/{slugify(owner)}-{str.lower(iso)}"
        if key not in labels:
            labels[key] = (
                f"{_label(ents, issuers[0], catalogue, view)} sanctions ({iso})"
                if issuers
                else f"Sanctions ({iso})"
            )
        mentions += _sanction_mentions(key, sent, sent_ents, low, view)
        relations.append(_plain(sent, key, "occurredOn", date.key))
        for issuer in issuers:
            relations.append(_plain(sent, key, "issuedBy", issuer))
            for party in parties:
                relations.append(_plain(sent, issuer, "sanctions", party))
        for party in parties:
            relations.append(_plain(sent, key, "sanctionedParty", party))
        previous_issuers = issuers
    rows: list[EntityRow] = [(key, "SANCTION", label, None) for key, label in labels.items()]
    return rows, mentions, relations


def _distinct(keys: list[str]) -> list[str]:
    """``keys`` without repeats, in their order (lists of a few)."""
    result: list[str] = []
    for key in keys:
        if key not in result:
            result.append(key)
    return result


def _nearest_date(ents: list[Ent], position: int) -> Ent | None:
    """The first of the dates among ``ents`` nearest to token ``position``."""
    nearest = None
    for e in ents:
        if e.label == "DATE" and (
            nearest is None or abs(e.start - position) < abs(nearest.start - position)
        ):
            nearest = e
    return nearest


def _label(ents: list[Ent], key: str, catalogue: Catalogue, view: Offsets) -> str:
    entry = catalogue.get(key)
    if entry is not None:
        return entry.label
    for ent in ents:
        if ent.key == key:
            return strip_article(view.span_text(ent.start, ent.end))
    return key


SANCTION_WORDS: Final = {
    "sanction",
    "sanctions",
    "sanctioned",
    "designated",
    "designation",
    "designations",
    "designates",
    "designate",
    "blacklisted",
}


SANCTION_NOUNS: Final = {"action", "actions", "regime", "package", "designation", "designations"}


def _sanction_mentions(
    key: str, sent: Sentence, ents: list[Ent], low: list[str], view: Offsets
) -> list[MentionRow]:
    """How the sentence names the action: "independent sanctions", "sanctions action",
    "sanctioned Tornado Cash", "designations"."""
    spans: set[tuple[int, int]] = set()  # token ranges
    for i in range(sent.start, sent.end):
        word = low[i]
        if word not in SANCTION_WORDS:
            continue
        # one qualifying word before: "independent sanctions", "simultaneously sanctioned"
        qualified = i and view.token_text(i - 1).isalpha() and low[i - 1] not in _ADJ_STOP
        spans.add((i - 1 if qualified else i, i + 1))
        if i + 1 < sent.end and low[i + 1] in SANCTION_NOUNS:
            spans.add((i, i + 2))
        party = [e for e in ents if e.start == i + 1 or (e.start == i + 2 and low[i + 1] == "the")]
        if party and word.endswith("ed"):
            spans.add((i, party[0].end))
    chars = sorted({(view.starts[start], view.ends[end - 1]) for start, end in spans})
    return [(key, view.text[start:end], start, end) for start, end in chars]


def _incident_dates(sentences: list[tuple[Sentence, list[Ent]]]) -> list[RelationRow]:
    """An incident followed by its date ("the heist of February 2016")."""
    relations = []
    for sent, ents in sentences:
        dates = [e for e in ents if e.label == "DATE"]
        for ent in ents:
            if ent.label != "INCIDENT":
                continue
            nxt = [d for d in dates if 0 <= d.start - ent.end <= 2]
            opening = [d for d in dates if d.start <= sent.start + 1]
            if not nxt and opening and sum(e.label == "INCIDENT" for e in ents) == 1:
                nxt = opening
            for d in nxt[:1]:
                relations.append(_plain(sent, ent.key, "occurredOn", d.key))
    return relations


def _named_victims(
    sentences: list[tuple[Sentence, list[Ent]]],
    ents: list[Ent],
    catalogue: Catalogue,
    view: Offsets,
) -> list[RelationRow]:
    """ "the Sony Pictures hack", "the Bangladesh Bank heist": an incident named after an
    organisation the document names targets it."""
    if all(ent.label != "INCIDENT" for ent in ents):
        return []  # (the sentences' entities are some of ``ents``)
    names: dict[str, set[str]] = {}
    for ent in ents:
        if ent.label == "ORGANIZATION":
            entry = catalogue.get(ent.key)
            text = view.span_text(ent.start, ent.end)
            forms = {str.lower(text)} | ({str.lower(n) for n in entry.names} if entry else set())
            names.setdefault(ent.key, set()).update(forms)
    relations = []
    for sent, sent_ents in sentences:
        for incident in sent_ents:
            if incident.label != "INCIDENT":
                continue
            text = str.lower(strip_article(view.span_text(incident.start, incident.end)))
            for key, forms in names.items():
                if any(text.startswith(form + " ") for form in forms):
                    relations.append(_plain(sent, incident.key, "targets", key))
    return relations


def _unique(relations: list[RelationRow]) -> list[RelationRow]:
    """The first row of each (subject, predicate, object, negated)."""
    seen: set[tuple[str, str, str, bool]] = set()
    out = []
    for rel in relations:
        key = (rel[0], rel[1], rel[2], rel[7])
        if key in seen:
            continue
        seen.add(key)
        out.append(rel)
    return out
