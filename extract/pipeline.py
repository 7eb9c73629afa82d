"""The spaCy pipeline: registered factories, so ``spacy.load`` of a saved pipeline works."""

from __future__ import annotations

import spacy
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc

from extract.entities import CatalogueRuler
from kg.catalogue import default_catalogue

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


@Language.factory("kg_entities", default_config={})
def make_entities(nlp: Language, name: str) -> CatalogueRuler:
    return CatalogueRuler(nlp, name, catalogue=default_catalogue())


def build_nlp(model: str | None = None) -> Language:
    """The default pipeline (no trained model needed), or ``model``'s with ours added."""
    nlp = spacy.load(model, exclude=["ner"]) if model else spacy.blank("en")
    nlp.max_length = MAX_LENGTH
    if not nlp.has_pipe("parser"):
        nlp.add_pipe("kg_sentences")
    nlp.add_pipe("kg_entities")
    return nlp
