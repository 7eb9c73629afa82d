"""What the pipeline leaves on each doc: its entities and relations as rows of plain
values, read as records through ``doc._.kg_entities`` and ``doc._.kg_relations``.

Rows are tuples of strings and numbers in the field order of ``kg.model.Entity`` and
``kg.model.Relation``:

- they cross process boundaries with ``nlp.pipe(n_process=N)`` (as lists: msgpack has
  no tuples, so whatever reads them unpacks them by position);
- the garbage collector stops tracking a tuple of such values, where it tracks every
  dict and list for as long as the doc is kept. Records as dicts left some ninety
  tracked containers a doc, and over the bench corpus kept in a list (534 docs) the
  full collections that walked them took 60-150 ms of a 1.3-1.8 s run.

The records, dicts named by field, are built from the rows when they are read.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, Final

from spacy.tokens import Doc

from kg.model import Entity, Relation

ENTITY_ROWS: Final = "kg.entity_rows"  # doc.user_data keys
MENTION_ROWS: Final = "kg.mention_rows"
RELATION_ROWS: Final = "kg.relation_rows"

#: (key, type, label, normalized): an entity's own fields (aliases and external IDs
#: come from the catalogue)
EntityRow = tuple[str, str, str, str | None]
#: (entity key, text, start, end): where an entity is named, in the doc's text. Not
#: nested in the entity's row: the collector frees a tuple of tuples from tracking only
#: a collection after the tuples in it, and by then a kept doc's rows are long-lived.
MentionRow = tuple[str, str, int, int]
#: kg.model.Relation's fields in their order
RelationRow = tuple[str, str, str, str, int, int, float, bool, str | None]

ENTITY_FIELDS: Final = tuple(f.name for f in fields(Entity))
RELATION_FIELDS: Final = tuple(f.name for f in fields(Relation))


def entity_records(doc: Doc) -> list[dict[str, Any]] | None:
    """``doc._.kg_entities``: the doc's entities as dicts of ``kg.model.Entity``'s
    fields, mentions as dicts of ``text``, ``start`` and ``end``; None before the
    pipeline has run."""
    rows = doc.user_data.get(ENTITY_ROWS)
    if rows is None:
        return None
    mentions: dict[str, list[dict[str, Any]]] = {}
    for key, text, start, end in doc.user_data[MENTION_ROWS]:
        mentions.setdefault(key, []).append({"text": text, "start": start, "end": end})
    return [
        dict(
            zip(
                ENTITY_FIELDS,
                (key, etype, label, mentions.get(key, []), (), (), normalized),
                strict=True,
            )
        )
        for key, etype, label, normalized in rows
    ]


def relation_records(doc: Doc) -> list[dict[str, Any]] | None:
    """``doc._.kg_relations``: the doc's relations as dicts of ``kg.model.Relation``'s
    fields; None before the pipeline has run."""
    rows = doc.user_data.get(RELATION_ROWS)
    if rows is None:
        return None
    return [dict(zip(RELATION_FIELDS, row, strict=True)) for row in rows]


def register_extensions() -> None:
    """``doc._.kg_entities`` and ``doc._.kg_relations``, read from the rows."""
    for attr, getter in (("kg_entities", entity_records), ("kg_relations", relation_records)):
        if not Doc.has_extension(attr):
            Doc.set_extension(attr, getter=getter)
