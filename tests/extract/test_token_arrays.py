"""The shortcuts through spaCy's token arrays give what spaCy's own objects give, on the
dev corpus and odd text."""

from __future__ import annotations

import json
import pickle
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import pytest
import spacy
from hypothesis import given
from hypothesis import strategies as st
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans
from spacy.vocab import Vocab

from extract.entities import CatalogueRuler, NameMatcher, _case_sensitive, filter_found
from extract.extractor import Extractor
from extract.mentions import Ent, entities_of, set_entities
from extract.tokens import (
    TEXT_KEY,
    Offsets,
    Sentence,
    count_at_most,
    count_below,
    doc_text,
    forget,
    lower_forms,
    sentence_at,
    sentences,
)
from kg.catalogue import Catalogue, CatalogueEntry

ODD = ["", " ", "Kim", "a  b\n\n c\t\td ", "Lazarus Group hit 한국 banks\u200f in 2017.\n"]
#: lower-casing that is not one character for one: a sigma's form depends on what
#: follows it, and "İ" becomes two characters
CASES = ["ΟΔΟΣ ΣΑΣ ΑΣ:Α ΑΣ.Σ", "İSTANBUL İz Lazarus", "ǅ ß ẞ ﬃ Ǆ"]


def dev_texts(dev_dir: Path) -> list[str]:
    return [json.loads(p.read_text())["text"] for p in sorted(dev_dir.glob("*.json"))] + ODD


@pytest.fixture(scope="module")
def nlp(extractor: Extractor) -> Language:
    return extractor.nlp


def entity_annotation(doc: Doc) -> list[tuple[str, str, str]]:
    return [(t.ent_iob_, t.ent_type_, t.ent_kb_id_) for t in doc]


def test_entities_of_reads_what_doc_ents_gives(nlp: Language, dev_dir: Path) -> None:
    for doc in nlp.pipe(dev_texts(dev_dir)):
        expected = [(e.start, e.end, e.label_, e.kb_id_) for e in doc.ents]
        assert [e.fields() for e in entities_of(doc)] == expected
        assert any(expected) or len(doc) < 20


@given(
    st.tuples(st.integers(0, 3), st.integers(0, 3), st.sampled_from("AB"), st.sampled_from("xy")),
    st.tuples(st.integers(0, 3), st.integers(0, 3), st.sampled_from("AB"), st.sampled_from("xy")),
)
def test_mentions_compare_as_the_tuples_they_were(
    a: tuple[int, int, str, str], b: tuple[int, int, str, str]
) -> None:
    """The rules look mentions up in lists of others ("e not in right"), as tuples."""
    first, second = Ent(*a), Ent(*b)
    assert (first == second) == (a == b)
    assert (first != second) == (a != b)
    assert (first in [Ent(*b)]) == (a in [b])
    if a == b:
        assert hash(first) == hash(second)
    assert first.fields() == a


def test_set_entities_writes_what_set_ents_writes(nlp: Language, dev_dir: Path) -> None:
    for doc in nlp.pipe(dev_texts(dev_dir)):
        found = [(e.start, e.end, e.label_, e.kb_id_) for e in doc.ents]
        # a shifted, overlapping set made consistent, so that the test changes something
        found = filter_found(
            found + [(s + 1, e + 1, "SECTOR", "sector/x") for s, e, _, _ in found if e < len(doc)]
        )
        ours, theirs = (
            Doc(doc.vocab, words=[t.text for t in doc]),
            Doc(doc.vocab, words=[t.text for t in doc]),
        )
        set_entities(ours, found)
        theirs.set_ents([Span(theirs, s, e, label=lab, kb_id=key) for s, e, lab, key in found])
        assert entity_annotation(ours) == entity_annotation(theirs)


def test_set_entities_keeps_what_set_ents_keeps(nlp: Language, dev_dir: Path) -> None:
    """On docs that have entities already: the tokens left outside keep their KB ids."""
    kept = 0
    for doc in nlp.pipe(dev_texts(dev_dir)):
        before = [(e.start, e.end, e.label_, e.kb_id_) for e in doc.ents]
        after = [(s, e, lab, key) for s, e, lab, key in before[1::2]]
        ours, theirs = Doc(doc.vocab, words=[t.text for t in doc]), doc.copy()
        set_entities(ours, before)
        set_entities(ours, after)
        theirs.set_ents([Span(theirs, s, e, label=lab, kb_id=key) for s, e, lab, key in after])
        assert entity_annotation(ours) == entity_annotation(theirs)
        kept += sum(1 for t in ours if t.ent_iob_ == "O" and t.ent_kb_id_)
    assert kept  # some ids were there to keep


def test_sentence_at_is_the_sentence_span_sent_gives(nlp: Language, dev_dir: Path) -> None:
    for doc in nlp.pipe(dev_texts(dev_dir)):
        for i in range(len(doc)):
            got, expected = sentence_at(doc, i), doc[i : i + 1].sent
            assert (got.start, got.end) == (expected.start, expected.end)
        forget(doc)


def bounds(sents: Iterable[Sentence | Span]) -> list[tuple[int, int, int, int]]:
    return [(s.start, s.end, s.start_char, s.end_char) for s in sents]


def test_sentences_are_those_doc_sents_gives(nlp: Language, dev_dir: Path) -> None:
    texts = [*dev_texts(dev_dir), "One.", "No end mark", "Two. Lines\n\nthree"]
    for doc in nlp.pipe(texts):
        assert bounds(sentences(doc)) == bounds(doc.sents)
        assert len(sentences(doc)) > 1 or len(doc) < 20
        forget(doc)


def test_sentences_follow_a_sentence_hook(nlp: Language) -> None:
    doc = nlp.make_doc("One sentence here. And another one. A third.")
    with pytest.raises(ValueError, match="E030"):
        sentences(doc)  # no sentence starts: the error doc.sents raises
    doc.user_hooks["sents"] = lambda d: iter([d[0:3], d[3:]])
    assert bounds(sentences(doc)) == bounds(doc.sents) == [(0, 3, 0, 17), (3, 11, 17, 44)]


@given(st.lists(st.integers(-3, 30)), st.integers(-5, 35))
def test_counts_are_bisect(values: list[int], x: int) -> None:
    values.sort()
    assert count_below(values, x) == bisect_left(values, x)
    assert count_at_most(values, x) == bisect_right(values, x)


def test_offsets_align_characters_as_char_span_does(nlp: Language, dev_dir: Path) -> None:
    for text in dev_texts(dev_dir)[:3] + ODD:
        doc = nlp.make_doc(text)
        view = Offsets(doc)
        assert view.text == doc.text
        for start in range(0, len(text) + 1, 3):
            for end in range(start, min(len(text), start + 40) + 1, 2):
                for mode in ("expand", "contract"):
                    span = doc.char_span(start, end, alignment_mode=mode)
                    got = view.char_span(start, end, expand=mode == "expand")
                    assert got == (None if span is None else (span.start, span.end)), (
                        text,
                        start,
                        end,
                    )
                    if span is not None and len(span):
                        assert view.span_text(span.start, span.end) == span.text


def test_lower_forms_are_spacys_lower(nlp: Language, dev_dir: Path) -> None:
    for text in dev_texts(dev_dir) + CASES:
        doc = nlp.make_doc(text)
        assert lower_forms(doc) == [t.lower_ for t in doc], text


def test_the_tokenizer_leaves_the_text_it_was_given(nlp: Language, dev_dir: Path) -> None:
    for text in dev_texts(dev_dir) + CASES:
        doc = nlp.make_doc(text)
        assert doc.user_data[TEXT_KEY] is text
        assert doc_text(doc) == doc.text == text
    # a doc made some other way: the text is joined from its tokens
    other = Doc(nlp.vocab, words=["Lazarus", "Group", "."], spaces=[True, False, False])
    assert doc_text(other) == "Lazarus Group."


def test_the_tokenizer_is_saved_and_pickled_as_spacys(nlp: Language, tmp_path: Path) -> None:
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    text = "APT38, a unit of the RGB, targeted banks in Vietnam in 2015."
    assert [t.text for t in loaded(text)] == [t.text for t in nlp(text)]
    assert [(e.text, e.label_) for e in loaded(text).ents] == [
        (e.text, e.label_) for e in nlp(text).ents
    ]
    copy = pickle.loads(pickle.dumps(nlp.tokenizer))
    assert [t.text for t in copy(text)] == [t.text for t in nlp.tokenizer(text)]


@lru_cache(maxsize=1)
def _blank_vocab() -> Vocab:
    return spacy.blank("en").vocab


_SPANS = st.lists(
    st.tuples(st.integers(0, 19), st.integers(1, 5), st.sampled_from(["STATE", "SECTOR"])),
    max_size=25,
)


@given(_SPANS)
def test_filter_found_keeps_what_filter_spans_keeps(
    drawn: list[tuple[int, int, str]],
) -> None:
    doc = Doc(_blank_vocab(), words=["w"] * 25)
    found = [(s, s + n, label, f"{label}/{i}") for i, (s, n, label) in enumerate(drawn)]
    spans = [Span(doc, s, e, label=lab, kb_id=key) for s, e, lab, key in found]
    expected = [(s.start, s.end, s.label_, s.kb_id_) for s in filter_spans(spans)]
    assert filter_found(found) == expected


def _phrase_matchers(nlp: Language, catalogue: Catalogue) -> tuple[PhraseMatcher, PhraseMatcher]:
    """spaCy's PhraseMatchers for the catalogue: case-kept names on ORTH, the rest on
    LOWER."""
    exact = PhraseMatcher(nlp.vocab, attr="ORTH")
    folded = PhraseMatcher(nlp.vocab, attr="LOWER")
    for entry in catalogue.entries:
        for alias in entry.names:
            matcher = exact if _case_sensitive(alias) else folded
            matcher.add(entry.key, [nlp.make_doc(alias)])
    return exact, folded


def test_the_name_matcher_finds_what_phrase_matchers_find(nlp: Language, dev_dir: Path) -> None:
    ruler = nlp.get_pipe("kg_entities")
    assert isinstance(ruler, CatalogueRuler)
    matchers = _phrase_matchers(nlp, ruler.catalogue)
    strings = nlp.vocab.strings
    texts = dev_texts(dev_dir) + CASES + ["APT38 apt38 Apt38 Lazarus lazarus LAZARUS GROUP"]
    docs = [nlp.make_doc(t) for t in texts]
    expected = [
        [(s, e, strings[m]) for matcher in matchers for m, s, e in matcher(doc)] for doc in docs
    ]
    got = [
        [(s, e, key) for s, e, _, key in ruler.names(Offsets(doc), lower_forms(doc))]
        for doc in docs
    ]
    assert got == expected
    assert sum(map(len, got)) > 100


def test_a_name_two_entries_share_is_found_for_both(nlp: Language) -> None:
    entries = (
        CatalogueEntry("threat-actor/first", "THREAT_ACTOR", "Hidden Lynx", ("Aurora Panda",)),
        CatalogueEntry("threat-actor/second", "THREAT_ACTOR", "Aurora Panda", ()),
    )
    matcher = NameMatcher(nlp.make_doc, Catalogue(entries))
    doc = nlp.make_doc("Aurora Panda and Hidden Lynx.")
    found = matcher(Offsets(doc), lower_forms(doc))
    assert [key for _, _, _, key in found] == [
        "threat-actor/first",  # the first in the catalogue first
        "threat-actor/second",
        "threat-actor/first",
    ]
