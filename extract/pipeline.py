"""The spaCy pipeline: registered factories, so ``spacy.load`` of a saved pipeline works."""

from __future__ import annotations

from pathlib import Path

import numpy
import spacy
from spacy.attrs import IS_PUNCT, IS_SPACE, ORTH, SENT_START
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc

from extract.entities import CatalogueRuler
from extract.extractor import RelationFinder
from extract.tokens import TextKeepingTokenizer
from kg.catalogue import Catalogue, default_catalogue, load_catalogue

MAX_LENGTH = 2_000_000


@Language.factory("kg_sentences", default_config={})
def make_sentences(nlp: Language, name: str) -> LineSentencizer:
    return LineSentencizer(name)


class LineSentencizer:
    """Sentences end at sentence punctuation (spaCy's ``Sentencizer`` rule) and at line
    breaks (headings, list items).

    Read from the token arrays rather than token by token: every ``doc[i]`` builds a
    Token object, and this runs over every token of the corpus.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.ends: set[int] = set()  # hashes of the sentence-final characters

    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        if not n:
            return doc
        strings = doc.vocab.strings
        if not self.ends:
            self.ends = {strings[c] for c in Sentencizer.default_punct_chars}
        orths, puncts, spaces = doc.to_array([ORTH, IS_PUNCT, IS_SPACE]).T.tolist()
        starts = [-1] * n
        starts[0] = 1
        start, seen_end = 0, False
        ends = self.ends
        for i, orth in enumerate(orths):
            is_end = orth in ends
            if seen_end and not puncts[i] and not is_end:
                starts[start] = 1
                start, seen_end = i, False
            elif is_end:
                seen_end = True
        starts[start] = 1
        for i in range(n - 1):
            if spaces[i] and "\n" in strings[orths[i]]:
                starts[i + 1] = 1
        # SENT_START is a signed value stored through spaCy's uint64 attribute arrays
        values = numpy.array(starts, dtype="int64").astype("uint64")
        doc.from_array([SENT_START], values)  # type: ignore[arg-type]
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
    nlp.tokenizer = TextKeepingTokenizer(nlp.tokenizer)
    nlp.max_length = MAX_LENGTH
    if not nlp.has_pipe("parser") and not nlp.has_pipe("senter"):
        nlp.add_pipe("kg_sentences")
    nlp.add_pipe("kg_entities")
    nlp.add_pipe("kg_relations")
    return nlp
