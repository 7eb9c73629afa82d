"""The spaCy pipeline: registered factories, so ``spacy.load`` of a saved pipeline works."""

from __future__ import annotations

from pathlib import Path

import spacy
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc

from extract.entities import CatalogueRuler
from extract.extractor import RelationFinder
from kg.catalogue import Catalogue, default_catalogue, load_catalogue

MAX_LENGTH = 2_000_000


@Language.factory("kg_sentences", default_config={})
def make_sentences(nlp: Language, name: str) -> LineSentencizer:
    return LineSentencizer(name)


class LineSentencizer:
    """Sentences end at sentence punctuation and at line breaks (headings, list items)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sentencizer = Sentencizer()

    def __call__(self, doc: Doc) -> Doc:
        doc = self.sentencizer(doc)
        for tok in doc[:-1]:
            if "\n" in tok.text_with_ws:
                doc[tok.i + 1].is_sent_start = True
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


def register_extensions() -> None:
    for attr in ("kg_entities", "kg_relations"):
        if not Doc.has_extension(attr):
            Doc.set_extension(attr, default=None)


def build_nlp(model: str | None = None) -> Language:
    """The default pipeline (no trained model needed), or ``model``'s with ours added.

    A trained pipeline keeps its parser (our sentences come from it) and its entities,
    which ``kg_entities`` adds where no catalogue or form rule already found a name.
    """
    register_extensions()
    nlp = spacy.load(model) if model else spacy.blank("en")
    nlp.max_length = MAX_LENGTH
    if not nlp.has_pipe("parser") and not nlp.has_pipe("senter"):
        nlp.add_pipe("kg_sentences")
    nlp.add_pipe("kg_entities")
    nlp.add_pipe("kg_relations")
    return nlp
