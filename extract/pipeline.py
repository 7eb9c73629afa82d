"""The spaCy pipeline: registered factories, so ``spacy.load`` of a saved pipeline works."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Final

import numpy
import spacy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc

from extract.entities import CatalogueRuler
from extract.extractor import RelationFinder
from extract.records import register_extensions
from extract.tokenizer import TextKeepingTokenizer
from extract.tokens import lower_forms
from kg.catalogue import Catalogue, default_catalogue, load_catalogue

MAX_LENGTH: Final = 2_000_000


@Language.factory("kg_sentences", default_config={})
def make_sentences(nlp: Language, name: str) -> LineSentencizer:
    return LineSentencizer(name)


_ENDS: Final = frozenset(Sentencizer.default_punct_chars)  # the tokens that end a sentence


_FORMS_KEPT: Final = 100_000  # forms whose kind is remembered, at most
# what a lower-case form is to the sentencizer, as bits
_END: Final = 1  # an end mark
_LINE_BREAK: Final = 2  # white space with a line break
_PUNCT: Final = 4  # punctuation
_NOT_START: Final = 2**64 - 1  # SENT_START -1 in a uint64 array


def _kind(form: str) -> int:
    kind = _END if form in _ENDS else 0
    if "\n" in form and form.isspace():
        kind |= _LINE_BREAK
    if all(unicodedata.category(c).startswith("P") for c in form):
        kind |= _PUNCT
    return kind


class LineSentencizer:
    """Sentences end at sentence punctuation (spaCy's ``Sentencizer`` rule) and at line
    breaks (headings, list items).

    Read from the lower-case forms that entity recognition reads next: a token is one of
    the end marks (single characters without case) if its lower-case form is, and a
    form is punctuation if its token is (spaCy's ``IS_PUNCT``: every character in a
    Unicode category P). What each form is, is remembered for every form seen: one dict
    lookup a token.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.kinds: dict[str, int] = {}  # lower-case form -> its _kind

    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        if not n:
            return doc
        kinds = self.kinds
        if len(kinds) > _FORMS_KEPT:
            kinds.clear()
        # SENT_START is a signed value stored through spaCy's uint64 attribute arrays:
        # -1 (not a start) as its two's complement (the array methods: numpy.full is a
        # Python wrapper)
        starts = numpy.empty(n, dtype="uint64")
        starts.fill(_NOT_START)
        starts[0] = 1
        pending = False  # an end mark since the last word (not punctuation) before
        for i, form in enumerate(lower_forms(doc)):
            kind = kinds.get(form)
            if kind is None:
                kind = kinds[form] = _kind(form)
            if kind & _END:
                pending = True
                continue
            if kind & _LINE_BREAK and i + 1 < n:
                starts[i + 1] = 1  # a line break ends a sentence
            if not kind & _PUNCT:
                if pending:
                    starts[i] = 1  # a word after an end mark begins a sentence
                pending = False
        doc.from_array([SENT_START], starts)  # type: ignore[arg-type]
        return doc


@Language.factory("kg_entities", default_config={"catalogue": None})
def make_entities(nlp: Language, name: str, catalogue: str | None) -> CatalogueRuler:
    """Known names, names by form, dates (normalised) and abbreviations; ``catalogue`` is
    a JSON catalogue file to use instead of the bundled one."""
    return CatalogueRuler(nlp, name, catalogue=_catalogue(catalogue))


@Language.factory("kg_relations", default_config={"catalogue": None})
def make_relations(nlp: Language, name: str, catalogue: str | None) -> RelationFinder:
    """Relations with negation, hedging and the event form of sanctions."""
    register_extensions()
    return RelationFinder(name, catalogue=_catalogue(catalogue))


def _catalogue(path: str | None) -> Catalogue:
    return load_catalogue(Path(path)) if path else default_catalogue()


def build_nlp(model: str | None = None) -> Language:
    """The default pipeline (no trained model needed), or ``model``'s with ours added.

    A trained pipeline keeps its parser (our sentences come from it) and its entities,
    which ``kg_entities`` adds where no catalogue or form rule already found a name.
    """
    register_extensions()
    nlp = spacy.load(model) if model else spacy.blank("en")
    nlp.tokenizer = TextKeepingTokenizer(nlp.tokenizer)
    nlp.max_length = MAX_LENGTH
    if not nlp.has_pipe("parser") and not nlp.has_pipe("senter"):
        nlp.add_pipe("kg_sentences")
    nlp.add_pipe("kg_entities")
    nlp.add_pipe("kg_relations")
    return nlp
