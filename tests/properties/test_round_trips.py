"""Property tests: export then import gives the same graph, whatever the names and
sentences hold; extraction never raises on arbitrary text."""

from __future__ import annotations

import io
import json
from functools import lru_cache

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Dataset, Literal, URIRef

from extract.readers import SourceDocument
from kg.export import export_store
from kg.ingest import ingest_extraction
from kg.iri import entity_key
from kg.model import ENTITY_TYPES, RELATION_SCHEMA, DocumentMeta, Entity, Extraction, Relation
from kg.rdf import GraphSettings
from kg.store import GraphStore

SETTINGS = GraphSettings("https://w3id.org/threat-kg/id/")


@lru_cache(maxsize=1)
def _extractor():  # type: ignore[no-untyped-def]
    """One pipeline for every example (a fixture's repr would flood hypothesis' report)."""
    from extract.extractor import Extractor

    return Extractor.default()


# any text a report may hold, surrogates excepted (they cannot be encoded at all)
TEXT = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40)
NAMES = TEXT.filter(lambda t: t.strip() != "")


@st.composite
def extractions(draw: st.DrawFn) -> Extraction:
    entities: dict[str, Entity] = {}
    for etype, label in draw(
        st.lists(st.tuples(st.sampled_from(ENTITY_TYPES), NAMES), min_size=1, max_size=8)
    ):
        key = entity_key(etype, label)
        normalized = (
            draw(st.sampled_from(["2017", "2019-05", "2020-01-31"])) if etype == "DATE" else None
        )
        entities.setdefault(
            key,
            Entity(
                key,
                etype,
                label.strip(),
                aliases=tuple(draw(st.lists(NAMES, max_size=2))),
                normalized=normalized,
            ),
        )
    relations = []
    for predicate, (subjects, objects) in RELATION_SCHEMA.items():
        for s in entities.values():
            for o in entities.values():
                if (
                    s.type in subjects
                    and o.type in objects
                    and s.key != o.key
                    and draw(st.booleans())
                ):
                    start = draw(st.integers(0, 500))
                    confidence = draw(st.sampled_from([0.5, 0.75, 1.0]))
                    relations.append(
                        Relation(s.key, predicate, o.key, draw(NAMES), start, start + 10,
                                 confidence=confidence, negated=draw(st.booleans()))
                    )  # fmt: skip
    text = draw(TEXT)
    meta = DocumentMeta(
        "doc-" + str(draw(st.integers(0, 10**6))), "generated.txt", "0" * 64, title=draw(NAMES)
    )
    return Extraction(meta, text, tuple(entities.values()), tuple(relations), "property-test", "1")


def values(quads: list[ox.Quad]) -> set[tuple[object, ...]]:
    """Quads with literals as values (exports may write "0.75" for "0.750")."""
    found = set()
    for q in quads:
        obj: object = str(q.object)
        if isinstance(q.object, ox.Literal):
            lit = Literal(
                q.object.value, datatype=URIRef(q.object.datatype.value), lang=q.object.language
            )
            obj = (lit.toPython() if lit.datatype else str(lit), q.object.language)
        found.add((str(q.subject), str(q.predicate), obj, str(q.graph_name)))
    return found


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib 7.6 JSON-LD parser internals
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extractions())
def test_export_then_import_is_the_same_dataset(extraction: Extraction) -> None:
    from kg.catalogue import default_catalogue

    store = GraphStore(None)
    ingest_extraction(store, extraction, catalogue=default_catalogue(), settings=SETTINGS)
    original = values(list(store.ox))
    for fmt, rdf_format in (("nq", ox.RdfFormat.N_QUADS), ("trig", ox.RdfFormat.TRIG)):
        out = io.BytesIO()
        export_store(store, fmt, out)
        again = ox.Store()
        again.load(out.getvalue(), format=rdf_format)
        assert values(list(again)) == original, fmt
    out = io.BytesIO()
    export_store(store, "jsonld", out)
    document = json.loads(out.getvalue())
    assert isinstance(document["@context"], dict)  # inline: nothing to fetch on the way back
    dataset = Dataset()
    dataset.parse(data=out.getvalue(), format="json-ld")
    nquads = dataset.serialize(format="nquads", encoding="utf-8")
    assert values(list(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))) == original


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400) | st.lists(st.sampled_from([
    "Lazarus Group", "targeted", "the", "banks", "in", "South Korea", "(RGB)", "2019", ".",
    "was", "sanctioned", "by", "OFAC", "\n\n", "조선", "مرحبا", "\u200f", "\x07", "Kimsuky",
]), max_size=80).map(" ".join))  # fmt: skip
def test_extraction_never_raises(text: str) -> None:
    text = text.encode("utf-8", "replace").decode("utf-8")
    meta = DocumentMeta("prop", "prop.txt", "0" * 64)
    extraction = _extractor().extract(SourceDocument(text, meta))
    for entity in extraction.entities:
        for mention in entity.mentions:
            assert 0 <= mention.start < mention.end <= len(extraction.text)
    for relation in extraction.relations:
        assert 0 <= relation.start <= relation.end <= len(extraction.text)
