"""The spaCy pipeline: pattern families on small sentences, odd text, saving and loading."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import spacy
from spacy.tokens import Doc

from extract.extractor import Extractor, split_text
from extract.readers import SourceDocument
from extract.records import ENTITY_ROWS, MENTION_ROWS, RELATION_ROWS
from kg.model import DocumentMeta, Extraction


def run(extractor: Extractor, text: str) -> Extraction:
    meta = DocumentMeta(doc_id="t", source="t.txt", sha256="0" * 64)
    return extractor.extract(SourceDocument(text, meta))


def facts(extraction: Extraction) -> set[tuple[str, str, str]]:
    return {(r.subject, r.predicate, r.object) for r in extraction.relations if not r.negated}


def negated(extraction: Extraction) -> set[tuple[str, str, str]]:
    return {(r.subject, r.predicate, r.object) for r in extraction.relations if r.negated}


LAZARUS = "threat-actor/lazarus-group"
KIMSUKY = "threat-actor/kimsuky"


@pytest.mark.parametrize(
    "text",
    [
        "Kimsuky targeted think tanks in Japan.",
        "Think tanks were targeted by Kimsuky.",
        "Kimsuky, a unit of the RGB, has repeatedly targeted think tanks.",
    ],
)
def test_active_passive_and_asides(extractor: Extractor, text: str) -> None:
    assert (KIMSUKY, "targets", "sector/think-tanks") in facts(run(extractor, text))


def test_coordinated_lists_on_both_sides(extractor: Extractor) -> None:
    result = facts(
        run(
            extractor,
            "Seoul and Washington sanctioned Lazarus Group and Kimsuky. Andariel went after "
            "government agencies, the defense industry and aerospace firms.",
        )
    )
    for state in ("state/south-korea", "state/united-states"):
        for actor in (LAZARUS, KIMSUKY):
            assert (state, "sanctions", actor) in result
    for sector in ("government", "defense", "aerospace"):
        assert ("threat-actor/andariel", "targets", f"sector/{sector}") in result


def test_subordinate_units(extractor: Extractor) -> None:
    result = facts(run(extractor, "APT38, a subgroup of Lazarus, specialises in banks."))
    assert ("threat-actor/apt38", "partOf", LAZARUS) in result
    assert ("threat-actor/apt38", "targets", "sector/banks") in result


def test_abbreviation_defined_once(extractor: Extractor) -> None:
    text = "The Halvorsen Policy Institute (HPI) is based in Japan. HPI staff were phished."
    result = run(extractor, text)
    org = next(e for e in result.entities if e.type == "ORGANIZATION")
    assert {m.text for m in org.mentions} == {"Halvorsen Policy Institute", "HPI"}
    assert (org.key, "locatedIn", "state/japan") in facts(result)


def test_a_name_by_form_is_labelled_by_its_longest_name(extractor: Extractor) -> None:
    text = (
        "Analysts at the Halvorsen Center traced the phishing. "
        "The Halvorsen Center for Asian Security later published the report."
    )
    org = next(e for e in run(extractor, text).entities if e.type == "ORGANIZATION")
    assert [m.text for m in org.mentions] == [
        "Halvorsen Center",
        "Halvorsen Center for Asian Security",
    ]
    assert org.label == "Halvorsen Center for Asian Security"


@pytest.mark.parametrize("between", ["  ", "\n", "\u00a0", "\u2003\t"])
def test_an_abbreviation_after_any_white_space(extractor: Extractor, between: str) -> None:
    text = f"The Halvorsen Policy Institute{between}(HPI) is in Japan. HPI staff were phished."
    org = next(e for e in run(extractor, text).entities if e.type == "ORGANIZATION")
    assert {m.text for m in org.mentions} == {"Halvorsen Policy Institute", "HPI"}


def test_negation_and_hedging(extractor: Extractor) -> None:
    denied = run(extractor, "There is no indication that Lazarus Group targeted hospitals.")
    assert (LAZARUS, "targets", "sector/healthcare") in negated(denied)
    assert (LAZARUS, "targets", "sector/healthcare") not in facts(denied)
    hedged = run(extractor, "Lazarus Group reportedly targeted hospitals.")
    confident = run(extractor, "Lazarus Group targeted hospitals.")
    [h] = [r for r in hedged.relations if r.predicate == "targets"]
    [c] = [r for r in confident.relations if r.predicate == "targets"]
    assert h.confidence < c.confidence


def test_who_says_so(extractor: Extractor) -> None:
    result = run(
        extractor, "According to the FBI, Lazarus Group targeted cryptocurrency exchanges."
    )
    [rel] = [r for r in result.relations if r.predicate == "targets"]
    assert rel.according_to == "organization/fbi"


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("on April 24, 2023", "2023-04-24"),
        ("on 24 April 2023", "2023-04-24"),
        ("in February 2023", "2023-02"),
        ("in late 2015", "2015"),
        ("since the 1990s", "199X"),
        ("in the mid-2000s", "200X"),
        ("dated 2019-09-13", "2019-09-13"),
    ],
)
def test_dates_are_normalised(extractor: Extractor, text: str, iso: str) -> None:
    result = run(extractor, f"Kimsuky was active {text}.")
    dates = [e for e in result.entities if e.type == "DATE"]
    assert [d.label for d in dates] == [iso]


def test_dated_sanction_event(extractor: Extractor) -> None:
    result = run(extractor, "On June 2, 2023, the Ministry of Foreign Affairs designated Kimsuky.")
    [event] = [e for e in result.entities if e.type == "SANCTION"]
    assert (event.key, "occurredOn", "date/2023-06-02") in facts(result)
    assert (event.key, "sanctionedParty", KIMSUKY) in facts(result)
    assert ("organization/ministry-of-foreign-affairs", "sanctions", KIMSUKY) in facts(result)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n  ",
        "Lazarus " * 5000,
        "north korea lazarus kimsuky banks exchanges sanctions without any punctuation at all",
        "라자루스 그룹은 2023년 한국의 은행을 공격했다. Lazarus Group targeted banks.",
        "مجموعة لازاروس استهدفت البنوك. Lazarus Group targeted banks.",
        "Lazarus\x00Group\x07 targeted\x1b banks\u200b in\u202e Japan.",
        "\ud800 lone surrogate, Kimsuky targeted think tanks.",
    ],
)
def test_odd_text_gives_a_result(extractor: Extractor, text: str) -> None:
    result = run(extractor, text)
    for ent in result.entities:
        for m in ent.mentions:
            assert text[m.start : m.end] == m.text


def test_long_text_in_pieces(extractor: Extractor) -> None:
    paragraph = "Kimsuky targeted think tanks in Japan. " * 20 + "\n\n"
    text = paragraph * 10
    assert len(split_text(text, 2000)) > 1
    small = Extractor(extractor.nlp, extractor.catalogue)
    old = small.nlp.max_length
    small.nlp.max_length = 2000
    try:
        result = run(small, text)
    finally:
        small.nlp.max_length = old
    kimsuky = result.entity(KIMSUKY)
    assert len(kimsuky.mentions) == 200
    assert all(text[m.start : m.end] == m.text for m in kimsuky.mentions)
    assert (KIMSUKY, "targets", "sector/think-tanks") in facts(result)


def test_documents_are_read_as_they_are_needed(extractor: Extractor) -> None:
    """A directory of reports is a stream: taking the first extraction must not read
    the whole of it (spaCy reads a batch of texts at a time)."""
    read = []

    def sources() -> Iterator[SourceDocument]:
        for n in range(5_000):
            read.append(n)
            meta = DocumentMeta(doc_id=f"d{n}", source=f"d{n}.txt", sha256="0" * 64)
            yield SourceDocument("Kimsuky targeted think tanks.", meta)

    first = next(iter(extractor.extract_many(sources())))
    assert first.meta.doc_id == "d0"
    assert KIMSUKY in {e.key for e in first.entities}
    assert 0 < len(read) < 5_000


def dev_sources(dev_dir: Path, n: int) -> list[SourceDocument]:
    return [
        SourceDocument(
            json.loads(path.read_text())["text"],
            DocumentMeta(doc_id=path.stem, source=path.name, sha256="0" * 64),
        )
        for path in sorted(dev_dir.glob("*.json"))[:n]
    ]


def test_extractions_from_worker_processes(extractor: Extractor, dev_dir: Path) -> None:
    """A doc's rows come back from spaCy's worker processes as lists (msgpack has no
    tuples): read by position, they make the same extractions."""
    sources = dev_sources(dev_dir, 6)
    alone = list(extractor.extract_many(sources))
    assert sum(len(e.relations) for e in alone) > 10
    assert list(extractor.extract_many(sources, n_process=2)) == alone


def test_records_from_rows(extractor: Extractor, dev_dir: Path) -> None:
    """``doc._.kg_entities`` and ``doc._.kg_relations`` are the extraction's entities
    and relations as dicts, from the doc as made and as read back from bytes."""
    source = dev_sources(dev_dir, 1)[0]
    extraction = extractor.extract(source)
    doc = extractor.nlp(source.text)
    copy = Doc(doc.vocab).from_bytes(doc.to_bytes())
    for made in (doc, copy):
        entities = made._.kg_entities
        assert [e["key"] for e in entities] == [e.key for e in extraction.entities]
        for record, entity in zip(entities, extraction.entities, strict=True):
            assert [(m["text"], m["start"], m["end"]) for m in record["mentions"]] == [
                (m.text, m.start, m.end) for m in entity.mentions
            ]
            assert (record["type"], record["label"], record["normalized"]) == (
                entity.type,
                entity.label,
                entity.normalized,
            )
        assert [tuple(r.values()) for r in made._.kg_relations] == [
            tuple(vars(r).values()) for r in extraction.relations
        ]


def test_rows_of_kept_docs_are_not_tracked(extractor: Extractor, dev_dir: Path) -> None:
    """The rows are flat tuples of strings and numbers, which the garbage collector stops
    tracking at its next collection: a corpus of kept docs adds nothing for every full
    collection to walk but the docs and their lists of rows."""
    docs = list(extractor.nlp.pipe(s.text for s in dev_sources(dev_dir, 4)))
    gc.collect()
    for doc in docs:
        rows = [*doc.user_data[ENTITY_ROWS], *doc.user_data[MENTION_ROWS]]
        rows += doc.user_data[RELATION_ROWS]
        assert len(rows) > 20
        assert not [row for row in rows if gc.is_tracked(row)]


def test_saved_pipeline_loads_in_another_process(extractor: Extractor, tmp_path: Path) -> None:
    extractor.nlp.to_disk(tmp_path / "pipeline")
    code = (
        "import spacy, sys; nlp = spacy.load(sys.argv[1]); "
        "doc = nlp('Kimsuky targeted think tanks in Japan.'); "
        "print(nlp.pipe_names); print(sorted(r['predicate'] for r in doc._.kg_relations))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "pipeline")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.splitlines()
    assert out[0] == "['kg_sentences', 'kg_entities', 'kg_relations']"
    assert "targets" in out[1]


def test_trained_model_adds_entities(tmp_path: Path) -> None:
    """A pipeline the test builds itself stands in for a trained model: its organisation
    entities are used where the rules found nothing."""
    model = spacy.blank("en")
    ruler = model.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "ORG", "pattern": "Qorvex Dynamics"}])  # type: ignore[attr-defined]
    model.to_disk(tmp_path / "model")
    with_model = Extractor.default(str(tmp_path / "model"))
    result = run(with_model, "Kimsuky targeted Qorvex Dynamics.")
    assert (KIMSUKY, "targets", "organization/qorvex-dynamics") in facts(result)
    without = run(Extractor.default(), "Kimsuky targeted Qorvex Dynamics.")
    assert not any(e.type == "ORGANIZATION" for e in without.entities)


@pytest.mark.parametrize(
    "text",
    [
        "North Korea's Reconnaissance General Bureau runs several hacking units.",
        "The Reconnaissance General Bureau (RGB) of the DPRK runs several hacking units.",
    ],
)
def test_owned_actors(extractor: Extractor, text: str) -> None:
    rgb = "threat-actor/reconnaissance-general-bureau"
    assert (rgb, "partOf", "state/north-korea") in facts(run(extractor, text))


def test_adverb_inside_a_trigger(extractor: Extractor) -> None:
    result = facts(run(extractor, "APT28 relies heavily on spear-phishing."))
    assert ("threat-actor/apt28", "uses", "technique/spear-phishing") in result


def test_incident_named_after_its_victim(extractor: Extractor) -> None:
    text = "Bangladesh Bank lost $81 million. The Bangladesh Bank heist was attributed to APT38."
    result = facts(run(extractor, text))
    assert ("incident/bangladesh-bank-heist", "targets", "organization/bangladesh-bank") in result
    assert ("incident/bangladesh-bank-heist", "attributedTo", "threat-actor/apt38") in result


def test_technique_by_an_actor(extractor: Extractor) -> None:
    result = facts(run(extractor, "Analysts tracked a spear-phishing effort by Kimsuky."))
    assert (KIMSUKY, "uses", "technique/spear-phishing") in result


def test_sentences_follow_spacys_sentencizer_and_line_breaks(dev_dir: Path) -> None:
    """kg_sentences reads the lower-case forms for speed; its boundaries are those of
    spaCy's Sentencizer plus a boundary after every line break."""
    from spacy.pipeline import Sentencizer

    from extract.pipeline import LineSentencizer
    from extract.readers import read_path

    nlp = spacy.blank("en")
    reference, ours = Sentencizer(), LineSentencizer("kg_sentences")
    texts = [read_path(p, max_bytes=10**7).text for p in sorted(dev_dir.glob("*.json"))]
    texts += ["One.\n\nTwo", "x. . . y!? z\n", "Title\nBody text here", "end.", "\n", "a"]
    # punctuation of other scripts, and space that is no line break
    texts += ["“Quoted.” Next — a dash… «Bonjour» ¿Qué? ¡Sí! Done؟ ok", "a\u2029b. c\t\td .)( e"]
    for text in texts:
        expected = reference(nlp.make_doc(text))
        for tok in expected[:-1]:
            if "\n" in tok.text_with_ws:
                expected[tok.i + 1].is_sent_start = True
        found = ours(nlp.make_doc(text))
        assert [s.start for s in found.sents] == [s.start for s in expected.sents], text[:60]
