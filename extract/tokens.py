"""Per-doc token forms computed once: rule code asks for them often, and every
``doc[i]`` builds a new Token object."""

from __future__ import annotations

from spacy.attrs import LOWER
from spacy.tokens import Doc

LOWER_KEY = "kg.lower"
TEXT_KEY = "kg.text"


def lower_forms(doc: Doc) -> list[str]:
    """Lower-case forms of the doc's tokens, cached in ``doc.user_data`` until
    ``forget`` (the cache must not travel with the doc between processes)."""
    cached = doc.user_data.get(LOWER_KEY)
    if cached is None or len(cached) != len(doc):
        strings = doc.vocab.strings  # from the token array: no Token object per token
        cached = doc.user_data[LOWER_KEY] = [strings[h] for h in doc.to_array(LOWER).tolist()]
    return cached  # type: ignore[no-any-return]


def doc_text(doc: Doc) -> str:
    """The doc's text, cached like :func:`lower_forms`: spaCy joins every token each time
    ``doc.text`` is read."""
    cached = doc.user_data.get(TEXT_KEY)
    if cached is None:
        cached = doc.user_data[TEXT_KEY] = doc.text
    return cached  # type: ignore[no-any-return]


def forget(doc: Doc) -> None:
    doc.user_data.pop(LOWER_KEY, None)
    doc.user_data.pop(TEXT_KEY, None)
